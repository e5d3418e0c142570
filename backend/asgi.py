"""One ASGI application for HTTP and websockets."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from backend.metrics import WebsocketMetrics  # noqa: E402
from backend.routing import websocket_urlpatterns  # noqa: E402
from miniprogram_api.realtime import sender  # noqa: E402

router = ProtocolTypeRouter({
    "http": django_asgi_app,
    "websocket": WebsocketMetrics(URLRouter(websocket_urlpatterns)),
})


async def application(scope, receive, send):
    # News committed by this process's requests is sent by one task on this loop (realtime.sender).
    sender.bind()
    return await router(scope, receive, send)
