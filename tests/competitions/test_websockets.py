"""The websocket protocol with channels' WebsocketCommunicator: snapshot, update after commit, resync
after a gap, out-of-order delivery, freeze and reveal, the jury board and the judge console."""

import asyncio
import json
import uuid
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.utils import timezone

from accounts.services import issue_token
from backend.routing import websocket_urlpatterns
from competitions import board, services
from competitions.models import BoardUpdate, Contest

pytestmark = pytest.mark.django_db(transaction=True)

app = URLRouter(websocket_urlpatterns)


async def connect(path):
    communicator = WebsocketCommunicator(app, path)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def receive(communicator, timeout=3):
    return json.loads(await communicator.receive_from(timeout=timeout))


async def closed_with(communicator):
    output = await communicator.receive_output(timeout=3)
    assert output["type"] == "websocket.close"
    return output.get("code")


def run(fn, *args, **kwargs):
    return database_sync_to_async(fn)(*args, **kwargs)


def mark_item(entry, aspect, value):
    return services.MarkItem(client_id=str(uuid.uuid4()), entry_id=entry.id, aspect_id=aspect.id, value=value)


MEASURED = [("测量", "100", [("读数", "measurement", "100", 3)])]


@pytest.fixture
def scored(make_kit):
    """A measurement-only event whose entry 2 every judge has submitted, so its figures are public
    (blind judging: docs/SCORING.md) and each chief-judge correction moves the public board."""
    kit = make_kit(scheme=MEASURED)
    kit.complete(kit.entries[2])
    return kit


def correct(kit, entry, value):
    """The chief judge corrects the measurement (a new mark after the sheets are final)."""
    return services.override_mark(actor=kit.chief, client_id=str(uuid.uuid4()), judge_id=None, entry_id=entry.id,
                                  aspect_id=kit.measurement.id, value=value, reason="复核读数")


async def test_snapshot_then_an_update_after_each_committed_mark(scored):
    kit = scored
    ws = await connect(f"/ws/competitions/{kit.contest.id}/board/")
    snap = await receive(ws)
    assert snap["type"] == "snapshot" and snap["frozen"] is False and snap["contest"]["name"] == "测试技能比武"
    event = snap["events"][0]
    assert event["id"] == kit.event.id and {r["code"] for r in event["rows"]} == {e.code for e in kit.entries}
    assert set(event["rows"][0]) == {"rank", "code", "name", "total", "sections", "scored"}
    entry = kit.entries[2]
    from decimal import Decimal

    await run(correct, kit, entry, Decimal("12"))
    update = await receive(ws)
    assert update["type"] == "update" and update["seq"] == snap["seq"] + 1
    rows = update["events"][0]["rows"]
    assert {r["code"]: r["total"] for r in rows}[entry.code] == "12.00"
    assert all(r["code"] != entry.code or r["rank"] == 1 for r in rows)
    # only changed rows travel: the three others are still being marked (no figures), so they stay put
    assert [r["code"] for r in rows] == [entry.code]
    await run(correct, kit, entry, Decimal("13"))
    update2 = await receive(ws)
    assert update2["seq"] == snap["seq"] + 2 and [r["code"] for r in update2["events"][0]["rows"]] == [entry.code]
    await ws.disconnect()


async def test_a_rolled_back_change_announces_nothing(kit):
    ws = await connect(f"/ws/competitions/{kit.contest.id}/board/")
    await receive(ws)

    def failing():
        with transaction.atomic():
            board.advance(board.lock(kit.contest.id), [kit.event.id])
            raise RuntimeError("rollback")

    with pytest.raises(RuntimeError):
        await run(failing)
    assert await ws.receive_nothing(timeout=0.5)
    await ws.disconnect()


async def test_resync_since_n_sends_what_was_missed_or_a_snapshot(kit):
    from decimal import Decimal

    ws = await connect(f"/ws/competitions/{kit.contest.id}/board/")
    snap = await receive(ws)
    for value in ("1", "2", "3"):
        await run(services.record_marks, judge=kit.judges[1],
                  items=[mark_item(kit.entries[2], kit.measurement, Decimal(value))])
    seen = [await receive(ws) for _ in range(3)]
    assert [u["seq"] for u in seen] == [snap["seq"] + 1, snap["seq"] + 2, snap["seq"] + 3]
    # the client lost the last two (e.g. a flaky phone): it asks again
    await ws.send_to(text_data=json.dumps({"type": "resync", "since": snap["seq"] + 1}))
    missed = [await receive(ws) for _ in range(3)]
    assert [m["type"] for m in missed] == ["update", "update", "resynced"]
    assert [m["seq"] for m in missed[:2]] == [snap["seq"] + 2, snap["seq"] + 3]
    assert missed[:2] == seen[1:]  # exactly the messages that were sent
    # a gap older than the kept log: a fresh snapshot
    await run(lambda: BoardUpdate.objects.filter(contest=kit.contest, seq=snap["seq"] + 1).delete())
    await ws.send_to(text_data=json.dumps({"type": "resync", "since": snap["seq"]}))
    fresh = await receive(ws)
    assert fresh["type"] == "snapshot" and fresh["seq"] == snap["seq"] + 3
    # bad requests get an error, not a crash
    await ws.send_to(text_data=json.dumps({"type": "resync", "since": "x"}))
    assert (await receive(ws))["code"] == "bad_since"
    await ws.send_to(text_data="not json")
    assert (await receive(ws))["code"] == "malformed_json"
    await ws.send_to(text_data=json.dumps({"type": "ping"}))
    assert (await receive(ws)) == {"type": "pong", "seq": snap["seq"] + 3}
    await ws.disconnect()


async def test_reconnecting_with_since_gets_only_the_missed_updates(kit):
    from decimal import Decimal

    first = await connect(f"/ws/competitions/{kit.contest.id}/board/")
    snap = await receive(first)
    await first.disconnect()
    await run(services.record_marks, judge=kit.judges[1], items=[mark_item(kit.entries[2], kit.measurement,
                                                                           Decimal("4"))])
    again = await connect(f"/ws/competitions/{kit.contest.id}/board/?since={snap['seq']}")
    update = await receive(again)
    assert update["type"] == "update" and update["seq"] == snap["seq"] + 1
    assert (await receive(again))["type"] == "resynced"
    await again.disconnect()


async def test_out_of_order_and_lost_messages_are_put_right_from_the_log(scored, monkeypatch):
    """Two server processes may publish seq 6 before seq 5, and the channel layer may drop a message
    when a client's queue is full: the consumer still delivers 5, 6, 7 in order."""
    kit = scored
    from decimal import Decimal

    ws = await connect(f"/ws/competitions/{kit.contest.id}/board/")
    snap = await receive(ws)
    held = []
    monkeypatch.setattr(board, "publish_after_commit", lambda group, message: held.append((group, message)))
    for value in ("1", "2", "3"):
        await run(correct, kit, kit.entries[2], Decimal(value))
    public = [m for g, m in held if g == board.public_group(kit.contest.id)]
    assert [m["seq"] for m in public] == [snap["seq"] + 1, snap["seq"] + 2, snap["seq"] + 3]
    layer = get_channel_layer()
    group = board.public_group(kit.contest.id)
    await layer.group_send(group, public[1])  # seq+2 first
    await layer.group_send(group, public[0])  # then seq+1
    got = [await receive(ws), await receive(ws)]
    assert [g["seq"] for g in got] == [snap["seq"] + 1, snap["seq"] + 2]
    # seq+3 is "lost"; seq+4 arrives: the consumer reads seq+3 from the database
    await run(correct, kit, kit.entries[2], Decimal("4"))
    public = [m for g, m in held if g == group]
    await layer.group_send(group, public[3])
    got = [await receive(ws), await receive(ws)]
    assert [g["seq"] for g in got] == [snap["seq"] + 3, snap["seq"] + 4]
    assert got[0]["events"][0]["rows"][0]["total"] == "3.00"
    await ws.disconnect()


async def test_public_board_freezes_while_the_jury_board_stays_live_then_reveals(scored):
    from decimal import Decimal

    kit = scored
    entry = kit.entries[2]
    await run(correct, kit, entry, Decimal("5"))
    await run(lambda: Contest.objects.filter(pk=kit.contest.pk).update(freeze_at=timezone.now() - timedelta(minutes=1)))
    token, _ = await run(issue_token, user=kit.chief)
    public = await connect(f"/ws/competitions/{kit.contest.id}/board/")
    jury = await connect(f"/ws/competitions/{kit.contest.id}/jury/?token={token}")
    snap, jsnap = await receive(public), await receive(jury)
    assert snap["frozen"] is True and snap["events"][0]["frozen"] is True
    assert {r["code"]: r["total"] for r in snap["events"][0]["rows"]}[entry.code] == "5.00"
    await run(correct, kit, entry, Decimal("15"))
    update, jupdate = await receive(public), await receive(jury)
    assert update["seq"] == jupdate["seq"] == snap["seq"] + 1 == jsnap["seq"] + 1
    # the standings at freeze time stay: at most the event's header (now marked frozen), no rows
    assert update["frozen"] is True and all(e["rows"] == [] and e["frozen"] for e in update["events"])
    assert {r["code"]: r["total"] for r in jupdate["events"][0]["rows"]}[entry.code] == "15.00"
    again = await connect(f"/ws/competitions/{kit.contest.id}/board/")
    late = await receive(again)
    assert {r["code"]: r["total"] for r in late["events"][0]["rows"]}[entry.code] == "5.00"
    await again.disconnect()
    # lock and publish: the public board reveals the live standings with names
    await run(lambda: [kit.complete(e) for e in kit.entries if e != entry])
    drained = []
    while not await public.receive_nothing(timeout=0.2):
        drained.append(await receive(public))
    await run(services.lock_event, actor=kit.chief, event_id=kit.event.id)
    await run(kit.recheck)
    await run(services.publish_event, actor=kit.chief, event_id=kit.event.id)
    updates = []
    while not await public.receive_nothing(timeout=0.3):
        updates.append(await receive(public))
    reveal = updates[-1]
    assert reveal["frozen"] is False and reveal["events"][0]["state"] == "published"
    names = {r["name"] for r in reveal["events"][0]["rows"]}
    assert names == {c.name for c in kit.contestants}
    await public.disconnect()
    await jury.disconnect()


async def test_jury_board_needs_a_token_and_a_jury_role(kit):
    ws = await connect(f"/ws/competitions/{kit.contest.id}/jury/")
    assert await closed_with(ws) == 4401
    ws = await connect(f"/ws/competitions/{kit.contest.id}/jury/?token=forged")
    assert await closed_with(ws) == 4401
    token, _ = await run(issue_token, user=kit.judges[1])
    ws = await connect(f"/ws/competitions/{kit.contest.id}/jury/?token={token}")
    assert await closed_with(ws) == 4403
    token, _ = await run(issue_token, user=kit.arbitrator)
    ws = await connect(f"/ws/competitions/999999/jury/?token={token}")
    assert await closed_with(ws) == 4404
    ws = await connect(f"/ws/competitions/{kit.contest.id}/jury/?token={token}")
    snap = await receive(ws)
    assert snap["view"] == "jury" and {"flags", "entry_id", "name", "marked"} <= set(snap["events"][0]["rows"][0])
    await ws.disconnect()


async def test_public_board_of_an_unknown_contest_closes_4404(db):
    ws = await connect("/ws/competitions/999999/board/")
    assert await closed_with(ws) == 4404


async def test_judge_console_acks_moderation_and_lock_news(kit):
    from decimal import Decimal

    ws = await connect("/ws/judging/")
    assert await closed_with(ws) == 4401
    token, _ = await run(issue_token, user=kit.spectator)
    ws = await connect(f"/ws/judging/?token={token}")
    assert await closed_with(ws) == 4403
    judge = kit.judges[1]
    token, _ = await run(issue_token, user=judge)
    ws = await connect(f"/ws/judging/?token={token}")
    hello = await receive(ws)
    assert hello["type"] == "hello" and hello["events"] == [kit.event.id] and hello["remarks"] == []
    entry, aspect = kit.entries[2], kit.judgement[0]
    item = services.MarkItem(client_id="phone-1", entry_id=entry.id, aspect_id=aspect.id, value=Decimal("2"))
    await run(services.record_marks, judge=judge, items=[item])
    ack = await receive(ws)
    assert ack["type"] == "ack" and ack["marks"][0]["client_id"] == "phone-1" and ack["marks"][0]["value"] == "2.00"
    await run(services.request_remark, actor=kit.chief, event_id=kit.event.id, entry_id=entry.id,
              aspect_id=aspect.id, reason="请复评", judge_ids=[judge.id])
    moderation = await receive(ws)
    assert moderation["type"] == "moderation" and moderation["code"] == entry.code
    assert moderation["reason"] == "请复评" and "value" not in moderation  # blind: no other marks
    await run(services.record_marks, judge=judge, items=[mark_item(entry, aspect, Decimal("1"))])
    assert (await receive(ws))["type"] == "ack"
    await run(lambda: [kit.complete(e) for e in kit.entries])
    while not await ws.receive_nothing(timeout=0.2):
        await receive(ws)
    await run(services.lock_event, actor=kit.chief, event_id=kit.event.id)
    assert await receive(ws) == {"type": "event_state", "event_id": kit.event.id, "state": "locked"}
    await run(services.unlock_event, actor=kit.chief, event_id=kit.event.id, reason="复核测量项")
    assert (await receive(ws))["reason"] == "复核测量项"
    await ws.disconnect()


async def test_seq_is_strictly_increasing_under_concurrent_writers(kit):
    """Several threads marking at once (PostgreSQL serialises them on the board row; SQLite on its
    write lock): every seq is used once and a spectator sees them in order."""
    from decimal import Decimal

    ws = await connect(f"/ws/competitions/{kit.contest.id}/board/")
    snap = await receive(ws)

    def mark(judge, value):
        from django.db import connection

        try:
            return services.record_marks(judge=judge, items=[mark_item(kit.entries[2], kit.judgement[1],
                                                                       Decimal(value))]).seq[kit.contest.id]
        finally:
            connection.close()

    seqs = await asyncio.gather(*[asyncio.to_thread(mark, judge, n) for n, judge in enumerate(kit.judges[1:], 1)])
    assert sorted(seqs) == list(range(snap["seq"] + 1, snap["seq"] + 5))
    got = [(await receive(ws))["seq"] for _ in range(4)]
    assert got == sorted(seqs)
    await ws.disconnect()


async def test_a_message_the_channel_layer_never_delivers_is_repaired_by_the_heartbeat(scored, monkeypatch, settings):
    """Nothing else arrives after the lost message (the last mark of the day, a Redis restart, a group
    membership expired on a screen left on for days): the heartbeat still brings the board up to date."""
    kit = scored
    from decimal import Decimal

    settings.BOARD_HEARTBEAT_SECONDS = 0.2
    ws = await connect(f"/ws/competitions/{kit.contest.id}/board/")
    snap = await receive(ws)
    monkeypatch.setattr(board, "publish_after_commit", lambda group, message: None)  # the news is lost
    await run(correct, kit, kit.entries[2], Decimal("7"))
    update = await receive(ws, timeout=5)
    assert update["type"] == "update" and update["seq"] == snap["seq"] + 1
    assert update["events"][0]["rows"][0]["total"] == "7.00"
    await ws.disconnect()


async def test_screens_in_one_process_share_one_channel_layer_subscription(scored, monkeypatch):
    """A hall of screens costs one channel-layer membership per process, not one per screen (measured:
    per-screen memberships made the last of 1,000 screens wait 4-6x longer), and every screen still gets
    every update in order."""
    kit = scored
    from decimal import Decimal

    from competitions import fanout

    layer = get_channel_layer()
    joined = []
    real_group_add = layer.group_add

    async def counting_group_add(group, channel):
        joined.append(group)
        return await real_group_add(group, channel)

    monkeypatch.setattr(layer, "group_add", counting_group_add)
    group = board.public_group(kit.contest.id)
    screens = [await connect(f"/ws/competitions/{kit.contest.id}/board/") for _ in range(5)]
    first = [(await receive(ws))["seq"] for ws in screens]
    assert fanout.screens_watching(group) == 5
    assert joined.count(group) == 1
    for value in ("3", "4"):
        await run(correct, kit, kit.entries[2], Decimal(value))
    for ws, seq in zip(screens, first, strict=True):
        updates = [await receive(ws), await receive(ws)]
        assert [u["seq"] for u in updates] == [seq + 1, seq + 2]
        assert updates[1]["events"][0]["rows"][0]["total"] == "4.00"
    for ws in screens:
        await ws.disconnect()
    assert fanout.screens_watching(group) == 0


def test_a_screen_that_stops_reading_gets_one_snapshot_instead_of_an_endless_queue(monkeypatch):
    """A phone that stops reading (a tunnel, a frozen mini-program) must not make the server hold every
    update for it: past the limit its queue becomes one snapshot, and the repair is counted."""
    from competitions import consumers
    from competitions.fanout import BOARD_REPAIRS

    monkeypatch.setattr(consumers, "INBOX_LIMIT", 3)
    screen = consumers.BoardConsumer()
    screen.contest_id, screen.inbox = 1, asyncio.Queue()
    before = BOARD_REPAIRS.labels("overflow")._value.get()
    for seq in range(1, 4):
        screen.offer(seq, f"update {seq}")
    assert screen.inbox.qsize() == 3
    screen.offer(4, "update 4")
    assert [screen.inbox.get_nowait()] == [consumers.SNAPSHOT] and screen.inbox.empty()
    assert BOARD_REPAIRS.labels("overflow")._value.get() == before + 1


@pytest.mark.parametrize("phase", ["receiving", "retrying"])
async def test_a_cancelled_hub_ends_however_the_channel_layer_reacts(phase, monkeypatch):
    """Closing an event loop (a worker shutting down, a test ending) cancels the hub's tasks once; they must
    end then, even while the channel layer is failing and the hub is retrying."""
    from competitions import fanout

    layer = get_channel_layer()
    if phase == "retrying":
        async def broken_receive(channel):
            try:
                await asyncio.sleep(0.05)
            except asyncio.CancelledError:
                raise ConnectionError("connection closed while reading") from None  # what a client may do
            raise ConnectionError("Redis is restarting")

        monkeypatch.setattr(layer, "receive", broken_receive)
    hub = fanout.BoardHub(f"board.cancel-{uuid.uuid4().hex}", 0, False)
    hub.start()
    await asyncio.wait_for(hub.joined.wait(), 5)
    await asyncio.sleep(0.3)
    for task in hub.tasks:
        task.cancel()
    done, pending = await asyncio.wait(hub.tasks, timeout=5)
    assert not pending
    await hub.stop()
