"""Live scoring across two real ASGI server processes sharing Redis and the database: a mark POSTed to
process A reaches a spectator connected to process B; marks sent concurrently through both processes
(some resent to the other process) give every spectator the same gapless seq stream and the same board."""

from __future__ import annotations

import asyncio
import json
import os
import random
import uuid

import pytest
import requests
import websockets

from accounts.services import issue_token
from competitions import board
from competitions.models import Mark
from tests.competitions.conftest import Kit
from tests.conftest import require_redis

from .servers import free_port, live_database_url, server_env, start_uvicorn, stop

pytestmark = [pytest.mark.e2e, pytest.mark.serial, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def kit(api, org, make_user):
    return Kit(api, org, make_user)


@pytest.fixture(params=["core"])
def two_servers(request, transactional_db):
    """Two uvicorn processes; `request.param` is the channel layer (CHANNEL_LAYER core or pubsub)."""
    redis_url = require_redis()
    env = server_env(DATABASE_URL=live_database_url(), REDIS_URL=redis_url, SECURE_SSL_REDIRECT="0",
                     CHANNEL_LAYER=request.param,
                     REDIS_KEY_PREFIX=f"shixun-e2e-{os.getpid()}-{uuid.uuid4().hex[:6]}", LOG_LEVEL="WARNING")
    ports = [free_port(), free_port()]
    procs = []
    try:
        for port in ports:
            procs.append(start_uvicorn(port, env))
        yield [f"127.0.0.1:{port}" for port in ports]
    finally:
        for proc in procs:
            stop(proc)


async def next_json(ws, timeout=10):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


def post_mark(host, token, entry, aspect, value, client_id=None):
    return requests.post(f"http://{host}/api/v1/judging/marks", timeout=15,
                         headers={"Authorization": f"Bearer {token}"},
                         json={"marks": [{"client_id": client_id or str(uuid.uuid4()), "entry_id": entry.id,
                                          "aspect_id": aspect.id, "value": str(value)}]})


@pytest.mark.parametrize("two_servers", ["core", "pubsub"], indirect=True)
def test_a_mark_posted_to_process_a_reaches_a_spectator_on_process_b(kit, two_servers):
    server_a, server_b = two_servers
    token, _ = issue_token(user=kit.judges[1])
    chief, _ = issue_token(user=kit.chief)
    entry = kit.entries[2]

    async def watch():
        # the jury board: the public one shows an entry's figures only once its whole panel has submitted
        async with websockets.connect(f"ws://{server_b}/ws/competitions/{kit.contest.id}/jury/?token={chief}") \
                as spectator:
            snap = await next_json(spectator)
            assert snap["type"] == "snapshot"
            response = await asyncio.to_thread(post_mark, server_a, token, entry, kit.measurement, "16.5")
            assert response.status_code == 200, response.text
            return snap, await next_json(spectator)

    snap, update = asyncio.run(watch())
    assert update["type"] == "update" and update["seq"] == snap["seq"] + 1
    row = {r["code"]: r for r in update["events"][0]["rows"]}[entry.code]
    assert row["total"] == "16.50" and row["rank"] == 1


def test_concurrent_marks_through_both_processes_keep_one_gapless_seq(kit, two_servers):
    tokens = {judge.id: issue_token(user=judge)[0] for judge in kit.judges}
    plan = []  # (judge, entry, aspect, value, client_id)
    rng = random.Random(4)
    for entry in kit.entries:
        for judge in kit.free_judges(entry):
            for aspect in kit.judgement:
                plan.append((judge, entry, aspect, rng.randint(0, aspect.scale_max), str(uuid.uuid4())))
    streams, results, start = asyncio.run(run_plan(two_servers, kit.contest.id, tokens, plan))
    assert all(r.status_code == 200 and r.json()["results"][0]["status"] == 201 for r in results)
    assert streams[0] == streams[1] == list(range(start + 1, start + len(plan) + 1))  # every seq once, in order
    assert Mark.objects.filter(event=kit.event).count() == len(plan)  # resends created nothing
    # the final board equals an independent recomputation from the stored marks
    recomputed = {r["code"]: r["total"] for r in board.compute_event(kit.event)["public_rows"]}
    stored = json.loads(board.snapshot_text(kit.contest.id, jury=False))
    assert {r["code"]: r["total"] for r in stored["events"][0]["rows"]} == recomputed


async def run_plan(two_servers, contest_id, tokens, plan):
    spectators = []
    for host in two_servers:
        ws = await websockets.connect(f"ws://{host}/ws/competitions/{contest_id}/board/")
        spectators.append((ws, await next_json(ws)))
    start = spectators[0][1]["seq"]

    def send(i, item):
        judge, entry, aspect, value, client_id = item
        host = two_servers[i % 2]
        first = post_mark(host, tokens[judge.id], entry, aspect, value, client_id)
        if i % 5 == 0:  # a phone that did not see the answer resends, here to the other process
            again = post_mark(two_servers[(i + 1) % 2], tokens[judge.id], entry, aspect, value, client_id)
            assert again.status_code == 200 and again.json()["results"][0]["replayed"] is True, again.text
        return first

    sem = asyncio.Semaphore(6)

    async def limited(i, item):
        async with sem:
            return await asyncio.to_thread(send, i, item)

    results = await asyncio.gather(*[limited(i, item) for i, item in enumerate(plan)])
    end = start + len(plan)
    streams = []
    for ws, _ in spectators:
        seqs = []
        while not seqs or seqs[-1] < end:
            message = await next_json(ws)
            assert message["type"] == "update", message
            seqs.append(message["seq"])
        streams.append(seqs)
        await ws.close()
    return streams, results, start
