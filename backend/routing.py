"""Websocket routes of every app, gathered in one list; the last route answers every other path
(HTTP 404 or close 4404, never a 500: miniprogram_api.realtime.NoRoute)."""

from django.urls import path, re_path

from competitions.routing import websocket_urlpatterns as competitions_ws
from miniprogram_api.realtime import NoRoute
from notifications.consumers import NotificationConsumer

websocket_urlpatterns: list = [
    path("ws/notifications/", NotificationConsumer.as_asgi()),
    *competitions_ws,
    re_path(r"", NoRoute()),
]
