"""The WeChat server API client: login, the server access token, phone numbers, mini-program codes,
subscribe messages.

Every call has a bounded timeout and is retried once on a network failure, a 5xx or errcode -1
(WeChat's "system busy"). The server access token lives in the Django cache (Redis in production), so
all worker processes share one token; one process at a time refreshes it (a cache lock), and a call
rejected with 40001/42001 refreshes it once and retries.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Literal, overload

import requests
from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

TOKEN_INVALID_CODES = {40001, 42001, 40014}
BUSY = -1


class WeChatError(Exception):
    """WeChat answered with a non-zero errcode."""

    def __init__(self, errcode: int, errmsg: str = ""):
        super().__init__(f"WeChat errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class WeChatUnavailable(WeChatError):
    """WeChat could not be reached, timed out, or stayed busy after one retry."""

    def __init__(self, reason: str):
        super().__init__(BUSY, reason)


@dataclass(frozen=True)
class Session:
    openid: str
    session_key: str
    unionid: str = ""


_local = threading.local()


def _http() -> requests.Session:
    # One keep-alive session per thread: requests.Session is not documented as thread-safe.
    session = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        _local.session = session
    return session


class WeChatClient:
    def __init__(self, *, base: str | None = None, appid: str | None = None, secret: str | None = None,
                 timeout: tuple[float, float] | None = None):
        self.base = (base or settings.WECHAT_API_BASE).rstrip("/")
        self.appid = appid or settings.WECHAT_APPID
        self.secret = secret or settings.WECHAT_SECRET
        self.timeout = timeout or (settings.WECHAT_CONNECT_TIMEOUT, settings.WECHAT_READ_TIMEOUT)

    # --- transport ------------------------------------------------------------------------------
    # Without `binary` the answer is always JSON; with it, an image (bytes) or a JSON error.
    @overload
    def _request(self, method: str, path: str, *, params: dict | None = None, json: dict | None = None,
                 binary: Literal[False] = False) -> dict: ...

    @overload
    def _request(self, method: str, path: str, *, params: dict | None = None, json: dict | None = None,
                 binary: bool) -> dict | bytes: ...

    def _request(self, method: str, path: str, *, params: dict | None = None, json: dict | None = None,
                 binary: bool = False) -> dict | bytes:
        """Send once, retry once on transport failure or errcode -1; return JSON (or image bytes)."""
        last_reason = ""
        for attempt in (1, 2):
            try:
                response = _http().request(method, self.base + path, params=params, json=json, timeout=self.timeout)
            except requests.Timeout:
                last_reason = "timeout"
                logger.warning("wechat %s %s timed out (attempt %d)", method, path, attempt)
                continue
            except requests.RequestException as exc:
                last_reason = f"network: {type(exc).__name__}"
                logger.warning("wechat %s %s failed: %s (attempt %d)", method, path, type(exc).__name__, attempt)
                continue
            if response.status_code >= 500:
                last_reason = f"http {response.status_code}"
                logger.warning("wechat %s %s answered %d (attempt %d)", method, path, response.status_code, attempt)
                continue
            content_type = response.headers.get("Content-Type", "")
            if binary and not content_type.startswith(("application/json", "text/")):
                return response.content
            try:
                data = response.json()
            except ValueError:
                last_reason = "malformed response"
                continue
            if data.get("errcode") == BUSY:
                last_reason = "busy"
                continue
            return data
        raise WeChatUnavailable(last_reason)

    @staticmethod
    def _check(data: dict) -> dict:
        errcode = data.get("errcode") or 0
        if errcode:
            raise WeChatError(errcode, str(data.get("errmsg", "")))
        return data

    # --- login ----------------------------------------------------------------------------------
    def code_to_session(self, code: str) -> Session:
        data = self._check(self._request("GET", "/sns/jscode2session", params={
            "appid": self.appid, "secret": self.secret, "js_code": code, "grant_type": "authorization_code",
        }))
        if not data.get("openid") or not data.get("session_key"):
            raise WeChatUnavailable("jscode2session without openid")
        return Session(openid=data["openid"], session_key=data["session_key"], unionid=data.get("unionid") or "")

    # --- server access token --------------------------------------------------------------------
    @property
    def _token_key(self) -> str:
        return f"wechat:access_token:{self.appid}"

    def access_token(self, *, stale: str | None = None) -> str:
        """A valid access token; `stale` is a token WeChat just rejected, which forces a refresh."""
        margin = settings.WECHAT_TOKEN_REFRESH_MARGIN
        entry = cache.get(self._token_key)
        now = time.time()
        if entry and entry["token"] != stale and entry["expires_at"] - margin > now:
            return entry["token"]
        lock_key = self._token_key + ":lock"
        deadline = now + self.timeout[0] + self.timeout[1] * 2 + 1
        while True:
            if cache.add(lock_key, "1", timeout=30):
                try:
                    entry = cache.get(self._token_key)  # somebody may have refreshed while we waited
                    if entry and entry["token"] != stale and entry["expires_at"] - margin > time.time():
                        return entry["token"]
                    return self._fetch_token(force_refresh=stale is not None)
                finally:
                    cache.delete(lock_key)
            # Another worker is refreshing. A token that is only inside the margin is still usable.
            entry = cache.get(self._token_key)
            if entry and entry["token"] != stale and entry["expires_at"] > time.time():
                return entry["token"]
            if time.time() > deadline:
                raise WeChatUnavailable("access token refresh did not finish")
            time.sleep(0.02)

    def _fetch_token(self, *, force_refresh: bool) -> str:
        data = self._check(self._request("POST", "/cgi-bin/stable_token", json={
            "grant_type": "client_credential", "appid": self.appid, "secret": self.secret,
            "force_refresh": force_refresh,
        }))
        token, expires_in = data["access_token"], int(data.get("expires_in", 7200))
        cache.set(self._token_key, {"token": token, "expires_at": time.time() + expires_in}, timeout=expires_in)
        logger.info("wechat access token refreshed (expires in %ss, forced=%s)", expires_in, force_refresh)
        return token

    @overload
    def _with_token(self, path: str, payload: dict, *, binary: Literal[False] = False) -> dict: ...

    @overload
    def _with_token(self, path: str, payload: dict, *, binary: bool) -> dict | bytes: ...

    def _with_token(self, path: str, payload: dict, *, binary: bool = False) -> dict | bytes:
        token = self.access_token()
        result = self._request("POST", path, params={"access_token": token}, json=payload, binary=binary)
        if isinstance(result, dict) and result.get("errcode") in TOKEN_INVALID_CODES:
            token = self.access_token(stale=token)
            result = self._request("POST", path, params={"access_token": token}, json=payload, binary=binary)
        return result

    # --- phone, codes, messages -----------------------------------------------------------------
    def phone_number(self, code: str) -> str:
        data = self._check(self._with_token("/wxa/business/getuserphonenumber", {"code": code}))
        info = data.get("phone_info") or {}
        number = info.get("purePhoneNumber") or info.get("phoneNumber")
        if not number:
            raise WeChatUnavailable("getuserphonenumber without a number")
        return number

    def wxacode_unlimited(self, *, scene: str, page: str = "", width: int = 430,
                          env_version: str = "release", check_path: bool = False) -> bytes:
        payload: dict[str, Any] = {"scene": scene, "width": width, "env_version": env_version,
                                   "check_path": check_path}
        if page:
            payload["page"] = page
        result = self._with_token("/wxa/getwxacodeunlimit", payload, binary=True)
        if isinstance(result, dict):
            self._check(result)
            raise WeChatUnavailable("getwxacodeunlimit returned JSON without an image")
        return result

    def send_subscribe_message(self, *, touser: str, template_id: str, data: dict, page: str = "",
                               state: str = "formal") -> int:
        """Send one subscribe message; returns WeChat's msgid. 43101 (not subscribed) raises WeChatError."""
        payload = {"touser": touser, "template_id": template_id, "data": data, "miniprogram_state": state,
                   "lang": "zh_CN"}
        if page:
            payload["page"] = page
        result = self._check(self._with_token("/cgi-bin/message/subscribe/send", payload))
        return int(result.get("msgid") or 0)


def client() -> WeChatClient:
    return WeChatClient()
