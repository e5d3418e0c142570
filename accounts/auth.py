"""Bearer-token authentication for the mini-program API and the websocket consumers."""

from __future__ import annotations

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


def token_from_scope(scope: dict) -> str:
    """A websocket's token: `?token=` in the query string (wx.connectSocket cannot always set headers)
    or an Authorization header."""
    query = parse_qs((scope.get("query_string") or b"").decode())
    if query.get("token"):
        return query["token"][0]
    for name, value in scope.get("headers") or []:
        if name == b"authorization":
            text = value.decode()
            if text.lower().startswith("bearer "):
                return text[7:].strip()
    return ""


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
