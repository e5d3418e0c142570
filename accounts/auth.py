"""Bearer-token authentication for the mini-program API and the websocket consumers."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from django.http import HttpRequest
from ninja.security import HttpBearer

from miniprogram_api.errors import ApiError

from .selectors import user_for_token


class BearerAuth(HttpBearer):
    openapi_description = "在小程序登录后获得的令牌：Authorization: Bearer <token>"

    def authenticate(self, request: HttpRequest, token: str):
        user, api_token = user_for_token(token)  # raises a 401 ApiError saying why
        request.user = user
        request.api_token = api_token
        return user


SUBPROTOCOL = "bearer"


def token_from_scope(scope: dict) -> str:
    """A websocket's token, in order of preference:
    - the subprotocol header `Sec-WebSocket-Protocol: bearer, <token>` (wx.connectSocket's `protocols:
      ["bearer", token]`); the server answers with the `bearer` subprotocol, never the token;
    - an `Authorization: Bearer <token>` header;
    - `?token=` in the query string (deprecated: URLs end up in access logs; still accepted for a while,
      docs/adr/0080)."""
    protocols = [str(p).strip() for p in scope.get("subprotocols") or []]
    if SUBPROTOCOL in protocols:
        index = protocols.index(SUBPROTOCOL)
        if index + 1 < len(protocols) and protocols[index + 1]:
            return protocols[index + 1]
    for name, value in scope.get("headers") or []:
        if name == b"authorization":
            text = value.decode()
            if text.lower().startswith("bearer "):
                return text[7:].strip()
    query = parse_qs((scope.get("query_string") or b"").decode())
    if query.get("token"):
        return query["token"][0]
    return ""


class BearerSubprotocol:
    """ASGI middleware for websockets: when the client offered the `bearer` subprotocol (its token
    follows it), accept the connection with `bearer` as the chosen subprotocol, as RFC 6455 requires
    of a server that takes a protocol the client offered. Consumers keep calling plain `accept()`."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        offered = [str(p).strip() for p in scope.get("subprotocols") or []]
        if scope.get("type") != "websocket" or SUBPROTOCOL not in offered:
            return await self.app(scope, receive, send)

        async def send_with_protocol(message: dict) -> None:
            if message.get("type") == "websocket.accept" and not message.get("subprotocol"):
                message = {**message, "subprotocol": SUBPROTOCOL}
            await send(message)

        return await self.app(scope, receive, send_with_protocol)


async def user_from_scope(scope: dict):
    """The user behind a websocket's token, or None (the consumer then closes with code 4401)."""
    from channels.db import database_sync_to_async

    raw = token_from_scope(scope)
    if not raw:
        return None

    def resolve():
        try:
            return user_for_token(raw)[0]
        except ApiError:
            return None

    return await database_sync_to_async(resolve)()
