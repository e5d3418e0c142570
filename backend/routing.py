"""Websocket routes of every app, gathered in one list."""

from competitions.routing import websocket_urlpatterns as competitions_ws

websocket_urlpatterns: list = [
    *competitions_ws,
]
