"""The server process's news sender: a request hands its news over and goes on; the news leaves in the
order it was committed, and a channel layer that fails loses the news, never the request."""

import asyncio
import threading

import pytest
from channels.layers import get_channel_layer

from miniprogram_api import realtime


@pytest.fixture
def bound_sender(monkeypatch):
    fresh = realtime._Sender()
    monkeypatch.setattr(realtime, "sender", fresh)
    return fresh


async def test_a_request_does_not_wait_for_the_channel_layer_and_order_is_kept(bound_sender, monkeypatch):
    layer = get_channel_layer()
    release = asyncio.Event()
    sent: list[int] = []

    async def slow_group_send(group, message):
        await release.wait()  # the channel layer is stuck until the test lets it go
        sent.append(message["n"])

    monkeypatch.setattr(layer, "group_send", slow_group_send)
    bound_sender.bind()

    def request_thread():
        # What a Django view's on_commit does, on the process's sync thread.
        for n in range(20):
            realtime.send_now("board.test", {"type": "board.update", "n": n})
        return list(sent)

    seen_when_returned = await asyncio.to_thread(request_thread)
    assert seen_when_returned == []  # all 20 handed over while nothing could be sent
    release.set()
    for _ in range(100):
        if len(sent) == 20:
            break
        await asyncio.sleep(0.01)
    assert sent == list(range(20))


async def test_a_failing_channel_layer_is_counted_and_the_sender_keeps_going(bound_sender, monkeypatch):
    from backend.metrics import CHANNEL_SEND_FAILURES

    layer = get_channel_layer()
    sent = []

    async def flaky_group_send(group, message):
        if message["n"] == 1:
            raise ConnectionError("Redis is restarting")
        sent.append(message["n"])

    monkeypatch.setattr(layer, "group_send", flaky_group_send)
    bound_sender.bind()
    before = CHANNEL_SEND_FAILURES.labels("board")._value.get()
    await asyncio.to_thread(lambda: [realtime.send_now("board.test", {"type": "x", "n": n}) for n in range(3)])
    for _ in range(100):
        if len(sent) == 2:
            break
        await asyncio.sleep(0.01)
    assert sent == [0, 2]
    assert CHANNEL_SEND_FAILURES.labels("board")._value.get() == before + 1


def test_outside_a_server_the_news_is_sent_before_returning(bound_sender, monkeypatch):
    """Management commands (the scheduler's escalations) have no server loop: they send synchronously."""
    layer = get_channel_layer()
    sent = []

    async def group_send(group, message):
        sent.append((threading.get_ident(), message["n"]))

    monkeypatch.setattr(layer, "group_send", group_send)
    realtime.send_now("notify.test", {"type": "x", "n": 7})
    assert [n for _, n in sent] == [7]
