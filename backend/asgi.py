"""One ASGI application for HTTP and websockets."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from accounts.auth import BearerSubprotocol  # noqa: E402
from backend.routing import websocket_urlpatterns  # noqa: E402
from miniprogram_api.metrics import WebsocketMetrics  # noqa: E402

application = ProtocolTypeRouter({
    "http": django_asgi_app,
    "websocket": BearerSubprotocol(WebsocketMetrics(URLRouter(websocket_urlpatterns))),
})
