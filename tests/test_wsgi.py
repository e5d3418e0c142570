"""The WSGI application the HTTP pool serves: the client address behind nginx, and news to websockets
from a process without an event loop."""

from __future__ import annotations

from backend.wsgi import TrustedProxyHeaders


def _seen(trusted: str, **environ) -> dict:
    got = {}

    def app(env, start_response):
        got.update(REMOTE_ADDR=env.get("REMOTE_ADDR"), scheme=env.get("wsgi.url_scheme"))
        return [b""]

    TrustedProxyHeaders(app, trusted)({"wsgi.url_scheme": "http", **environ}, lambda *a: None)
    return got


def test_the_client_behind_a_trusted_proxy_is_the_forwarded_one():
    seen = _seen("127.0.0.1", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7",
                 HTTP_X_FORWARDED_PROTO="https")
    assert seen == {"REMOTE_ADDR": "203.0.113.7", "scheme": "https"}


def test_a_forged_header_from_an_untrusted_peer_is_ignored():
    seen = _seen("127.0.0.1", REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="10.0.0.1",
                 HTTP_X_FORWARDED_PROTO="https")
    assert seen == {"REMOTE_ADDR": "198.51.100.9", "scheme": "http"}


def test_a_phone_cannot_hide_behind_a_forged_first_hop():
    # nginx appends the real peer: "forged, real"; the nearest untrusted hop is the real one.
    seen = _seen("127.0.0.1", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.0.0.1, 203.0.113.7")
    assert seen["REMOTE_ADDR"] == "203.0.113.7"


def test_news_leaves_a_process_without_an_event_loop_through_one_publisher(redis_url, settings):
    """A WSGI worker has no event loop: group sends go through the process's publisher loop (one Redis
    connection pool for the process), and a receiver on the channel layer gets them."""
    import asyncio

    from channels.layers import get_channel_layer

    from miniprogram_api import realtime

    async def receive_two():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add("wsgi-news-test", channel)
        loop = asyncio.get_running_loop()
        # Sent from a plain thread, as a WSGI request thread would.
        await loop.run_in_executor(None, realtime.send_now, "wsgi-news-test", {"type": "x.news", "n": 1})
        await loop.run_in_executor(None, realtime.send_now, "wsgi-news-test", {"type": "x.news", "n": 2})
        got = [await asyncio.wait_for(layer.receive(channel), 5) for _ in range(2)]
        await layer.group_discard("wsgi-news-test", channel)
        return got

    got = asyncio.run(receive_two())
    assert [m["n"] for m in got] == [1, 2]
    publisher = realtime._publisher
    assert publisher is not None and publisher.thread.is_alive()


def test_one_thread_hop_closes_the_middleware_chain(settings):
    """Under ASGI (the demo, the websocket pool) Django adapts the chain once only if the innermost
    middleware is sync-only; anything appended after it would bring back a hop per hook."""
    from django.utils.module_loading import import_string

    last = import_string(settings.MIDDLEWARE[-1])
    assert settings.MIDDLEWARE[-1] == "backend.middleware.OneThreadHop"
    assert last.sync_capable and not last.async_capable


def test_the_nginx_site_routes_websockets_and_http_to_their_pools():
    from miniprogram_api.serving import layout, nginx_config

    site = nginx_config(listen="127.0.0.1:9000", http_upstream="127.0.0.1:9001", ws_upstream="127.0.0.1:9002")
    assert "server 127.0.0.1:9001" in site and "server 127.0.0.1:9002" in site and "listen 127.0.0.1:9000" in site
    assert "location /ws/" in site and "proxy_pass http://shixun_ws" in site
    commands = dict(layout(host="127.0.0.1", port=9000, workers=2, ws_workers=2, http_port=9001, ws_port=9002,
                           proxy="none"))
    assert set(commands) == {"http", "ws"}
    assert "backend.wsgi:application" in commands["http"] and "9000" in commands["http"]
    assert "backend.asgi:application" in commands["ws"] and commands["ws"][:3] == ["nice", "-n", "10"]
