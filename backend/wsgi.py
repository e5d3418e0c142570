"""The WSGI application: Shixun's HTTP in production (miniprogram_api/serving.py). Websockets are served by the
ASGI application (backend/asgi.py) in a pool of their own; nginx routes /ws/ there."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402


class TrustedProxyHeaders:
    """What uvicorn's --proxy-headers did for HTTP before it moved to a WSGI server: when the peer is a
    trusted proxy (FORWARDED_ALLOW_IPS, default 127.0.0.1: nginx on the same host), REMOTE_ADDR becomes
    the client named in X-Forwarded-For (the nearest untrusted hop) and X-Forwarded-Proto the scheme.
    Rate limits before login key on REMOTE_ADDR, and /metrics is open only to private addresses, so the
    peer address must be the phone's, not nginx's."""

    def __init__(self, app, trusted: str):
        self.app = app
        self.any = trusted.strip() == "*"
        self.trusted = {part.strip() for part in trusted.split(",") if part.strip()}

    def __call__(self, environ, start_response):
        if self.any or environ.get("REMOTE_ADDR", "") in self.trusted:
            proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[0].strip().lower()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
            hops = [h.strip() for h in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
            if hops:
                client = next((h for h in reversed(hops) if self.any is False and h not in self.trusted), hops[0])
                environ["REMOTE_ADDR"] = client
        return self.app(environ, start_response)


application = TrustedProxyHeaders(get_wsgi_application(), os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"))
