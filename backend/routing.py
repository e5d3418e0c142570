"""Websocket routes of every app, gathered in one list."""

from django.urls import path

from competitions.routing import websocket_urlpatterns as competitions_ws
from notifications.consumers import NotificationConsumer

websocket_urlpatterns: list = [
    path("ws/notifications/", NotificationConsumer.as_asgi()),
    *competitions_ws,
]
