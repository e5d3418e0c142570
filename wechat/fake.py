"""A fake WeChat server API on loopback, for the demo and the tests.

It is a real HTTP server speaking the same paths, parameters and error codes as api.weixin.qq.com,
so the client is exercised end to end (timeouts, retries, token refresh) without patching anything.

Behaviour:
- jscode2session: code `X` logs in openid `X`; `invalid` → 40029, `ratelimited` → 45011,
  `risky` → 40226, `busy` → -1, `slow` → answers after `slow_seconds`.
- stable_token: a token valid for 7200 s, the same one until it expires or force_refresh is asked.
- getuserphonenumber: code `phone-13912345678` → that number, any other code → 13800138000;
  each code works once (a reuse → 40029).
- getwxacodeunlimit: a PNG (a QR code of `page?scene=…`, so tests can decode it).
- subscribe/send: recorded; an openid listed as unsubscribed → 43101.
Control (tests in other processes): GET /_fake/state, POST /_fake/control
{"down": bool, "busy": bool, "delay": seconds, "expire_tokens": true, "unsubscribed": [...], "reset": true}.

Start it: `python -m wechat.fake --port 8001`.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import cast
from urllib.parse import parse_qs, urlparse

SCENE_RE = re.compile(r"^[A-Za-z0-9!#$&'()*+,/:;=?@\-._~]{1,32}$")


class FakeWeChatState:
    def __init__(self, appid: str | None = None, secret: str | None = None):
        self.appid = appid
        self.secret = secret
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.down = False
        self.busy = False
        self.delay = 0.0
        self.slow_seconds = 10.0
        self.tokens: dict[str, float] = {}  # token -> expires_at
        self.current_token: str | None = None
        self.unsubscribed: set[str] = set()
        self.used_phone_codes: set[str] = set()
        self.session_keys: dict[str, str] = {}  # login code -> the session_key handed out (tests look for leaks)
        self.messages: list[dict] = []
        self.calls: dict[str, int] = {}

    def count(self, name: str) -> None:
        with self.lock:
            self.calls[name] = self.calls.get(name, 0) + 1

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()
            self.current_token = None

    def snapshot(self) -> dict:
        with self.lock:
            return {
                "calls": dict(self.calls),
                "messages": list(self.messages),
                "down": self.down,
                "busy": self.busy,
                "delay": self.delay,
                "unsubscribed": sorted(self.unsubscribed),
            }


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeWeChat/1.0"
    protocol_version = "HTTP/1.1"

    @property
    def state(self) -> FakeWeChatState:
        return self.server.state  # type: ignore[attr-defined]

    def log_message(self, format, *args):  # noqa: A002 - silence per-request logging
        pass

    # --- plumbing -------------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, data: dict, status: int = 200) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False).encode(), "application/json; charset=utf-8")

    def _err(self, errcode: int, errmsg: str) -> None:
        self._json({"errcode": errcode, "errmsg": errmsg})

    def _body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            return {}

    def _token_ok(self, query: dict) -> bool:
        token = (query.get("access_token") or [""])[0]
        with self.state.lock:
            expires = self.state.tokens.get(token)
        if expires is None:
            self._err(40001, "invalid credential, access_token is invalid or not latest")
            return False
        if expires < time.time():
            self._err(42001, "access_token expired")
            return False
        return True

    def _gate(self, name: str) -> bool:
        """Apply the down / busy / delay switches; False when the request was answered already."""
        state = self.state
        state.count(name)
        if state.delay:
            time.sleep(state.delay)
        if state.down:
            self._send(503, b"service unavailable", "text/plain")
            return False
        if state.busy:
            self._err(-1, "system error")
            return False
        return True

    # --- routes ---------------------------------------------------------------------------------
    def do_GET(self):  # noqa: N802
        url = urlparse(self.path)
        query = parse_qs(url.query)
        if url.path == "/_fake/state":
            return self._json(self.state.snapshot())
        if url.path == "/sns/jscode2session":
            return self._jscode2session(query)
        return self._json({"errcode": 404, "errmsg": "not found"}, status=404)

    def do_POST(self):  # noqa: N802
        url = urlparse(self.path)
        query = parse_qs(url.query)
        body = self._body()
        if url.path == "/_fake/control":
            return self._control(body)
        if url.path == "/cgi-bin/stable_token":
            return self._stable_token(body)
        if url.path == "/wxa/business/getuserphonenumber":
            return self._phone(query, body)
        if url.path == "/wxa/getwxacodeunlimit":
            return self._wxacode(query, body)
        if url.path == "/cgi-bin/message/subscribe/send":
            return self._subscribe_send(query, body)
        return self._json({"errcode": 404, "errmsg": "not found"}, status=404)

    def _control(self, body: dict) -> None:
        state = self.state
        if body.get("reset"):
            with state.lock:
                state.reset()
        with state.lock:
            for key in ("down", "busy"):
                if key in body:
                    setattr(state, key, bool(body[key]))
            if "delay" in body:
                state.delay = float(body["delay"])
            if "slow_seconds" in body:
                state.slow_seconds = float(body["slow_seconds"])
            if "unsubscribed" in body:
                state.unsubscribed = set(body["unsubscribed"])
        if body.get("expire_tokens"):
            state.expire_tokens()
        self._json({"ok": True, **state.snapshot()})

    def _credentials_ok(self, appid: str, secret: str) -> bool:
        if self.state.appid and appid != self.state.appid:
            self._err(40013, "invalid appid")
            return False
        if self.state.secret and secret != self.state.secret:
            self._err(40125, "invalid appsecret")
            return False
        return True

    def _jscode2session(self, query: dict) -> None:
        if not self._gate("jscode2session"):
            return
        q = {key: values[0] for key, values in query.items()}
        if q.get("grant_type") != "authorization_code" or not q.get("js_code"):
            return self._err(40002, "invalid grant_type")
        if not self._credentials_ok(q.get("appid", ""), q.get("secret", "")):
            return None
        code = q["js_code"]
        if code == "invalid":
            return self._err(40029, "invalid code")
        if code == "ratelimited":
            return self._err(45011, "api minute-quota reach limit")
        if code == "risky":
            return self._err(40226, "high risk user")
        if code == "busy":
            return self._err(-1, "system error")
        if code == "slow":
            time.sleep(self.state.slow_seconds)
        session_key = base64.b64encode(secrets.token_bytes(16)).decode()
        with self.state.lock:
            self.state.session_keys[code] = session_key
        # The code is the openid (tests and the demo log in as "demo-admin" …); a code longer than a real
        # openid (28 characters, the column holds 64) gets a digest, as WeChat never sends a longer one.
        openid = code if len(code) <= 40 else "fake-" + hashlib.sha256(code.encode()).hexdigest()[:35]
        return self._json({"openid": openid, "session_key": session_key, "unionid": f"union-{openid}"})

    def _stable_token(self, body: dict) -> None:
        if not self._gate("stable_token"):
            return
        if body.get("grant_type") != "client_credential":
            return self._err(40002, "invalid grant_type")
        if not self._credentials_ok(body.get("appid", ""), body.get("secret", "")):
            return
        state = self.state
        with state.lock:
            now = time.time()
            current = state.current_token
            if body.get("force_refresh") or not current or state.tokens.get(current, 0) <= now:
                current = f"fake-at-{secrets.token_urlsafe(12)}"
                state.tokens[current] = now + 7200
                state.current_token = current
            expires_in = int(state.tokens[current] - now)
        self._json({"access_token": current, "expires_in": expires_in})

    def _phone(self, query: dict, body: dict) -> None:
        if not self._gate("getuserphonenumber") or not self._token_ok(query):
            return
        code = str(body.get("code") or "")
        with self.state.lock:
            reused = code in self.state.used_phone_codes
            self.state.used_phone_codes.add(code)
        if not code or code == "invalid" or reused:
            return self._err(40029, "invalid code")
        number = code[len("phone-"):] if code.startswith("phone-") else "13800138000"
        self._json({"errcode": 0, "errmsg": "ok", "phone_info": {
            "phoneNumber": number, "purePhoneNumber": number, "countryCode": "86",
            "watermark": {"timestamp": int(time.time()), "appid": self.state.appid or ""},
        }})

    def _wxacode(self, query: dict, body: dict) -> None:
        if not self._gate("getwxacodeunlimit") or not self._token_ok(query):
            return
        scene = str(body.get("scene") or "")
        if not SCENE_RE.match(scene):
            return self._err(40169, "invalid length for scene, or the data is not json string")
        width = int(body.get("width") or 430)
        if not 280 <= width <= 1280:
            return self._err(40159, "invalid width")
        import qrcode  # local import: the CLI starts fast and tests that never ask for codes stay light

        image = qrcode.make(f"{body.get('page') or 'pages/index/index'}?scene={scene}").get_image()
        image = image.resize((width, width))
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        self._send(200, buffer.getvalue(), "image/png")

    def _subscribe_send(self, query: dict, body: dict) -> None:
        if not self._gate("subscribe_send") or not self._token_ok(query):
            return
        touser = str(body.get("touser") or "")
        if not touser or not body.get("template_id"):
            return self._err(47003, "argument invalid")
        if touser in self.state.unsubscribed:
            return self._err(43101, "user refuse to accept the msg")
        with self.state.lock:
            msgid = len(self.state.messages) + 1
            self.state.messages.append({"msgid": msgid, **body})
        self._json({"errcode": 0, "errmsg": "ok", "msgid": msgid})


class FakeWeChatServer:
    """Run the fake server in a background thread: `with FakeWeChatServer() as wx: wx.url`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, appid: str | None = None,
                 secret: str | None = None):
        self.state = FakeWeChatState(appid=appid, secret=secret)
        self.httpd = ThreadingHTTPServer((host, port), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.state = self.state  # type: ignore[attr-defined]
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        # An AF_INET server's address is getsockname(): (str host, int port); typeshed also allows bytes.
        host, port = cast("tuple[str, int]", self.httpd.server_address[:2])
        return f"http://{host}:{port}"

    def start(self) -> FakeWeChatServer:
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="fake-wechat", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> FakeWeChatServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake WeChat server API for the Shixun demo and tests")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--appid", default=None, help="refuse other appids (40013) when given")
    parser.add_argument("--secret", default=None, help="refuse other secrets (40125) when given")
    args = parser.parse_args(argv)
    server = FakeWeChatServer(args.host, args.port, appid=args.appid, secret=args.secret)
    print(f"fake WeChat listening on {server.url}", flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()


if __name__ == "__main__":
    main()
