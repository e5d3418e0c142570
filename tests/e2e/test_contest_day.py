"""Contest day through two machines, each the production layout (nginx, HTTP pool, websocket pool), sharing PostgreSQL and Redis: 5 judges × 40 entries ×
10 aspects marked concurrently by flaky phones (10% of requests resent, 5% of connections dropped
mid-request), spectators on both processes. The final board equals an independent recomputation from
the stored marks, no mark is duplicated or lost, and every spectator ends on the same seq and board."""

from __future__ import annotations

import asyncio
import os
import random
import threading
import uuid
from collections import Counter

import pytest
import requests

from competitions import board
from competitions.models import Mark

from .contest_day import contest_day_kit, marking_plan, recompute_totals, send_batch, tokens_for
from .servers import live_database_url, server_env, start_layout, stop
from .spectator import Spectator, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.serial, pytest.mark.redis]


@pytest.fixture
def two_servers(postgres, redis_url):
    env = server_env(DATABASE_URL=live_database_url(), REDIS_URL=redis_url, LOG_LEVEL="WARNING",
                     REDIS_KEY_PREFIX=f"shixun-e2e-{os.getpid()}-{uuid.uuid4().hex[:6]}")
    procs = []
    try:
        for _ in range(2):  # two machines, each the production layout (nginx, HTTP pool, websocket pool)
            procs.append(start_layout(env))
        yield [f"127.0.0.1:{proc.port}" for proc in procs]
    finally:
        for proc in procs:
            stop(proc)


def mark_concurrently(hosts, tokens, plan, seed) -> dict:
    stats = Counter()
    lock = threading.Lock()
    by_judge: dict[int, list] = {}
    for judge_id, marks in plan:
        by_judge.setdefault(judge_id, []).append(marks)
    errors = []

    def judge_phone(judge_id, batches):
        rng = random.Random(seed + judge_id)
        local = Counter()
        try:
            with requests.Session() as session:
                for marks in batches:
                    send_batch(session, hosts, tokens[judge_id], marks, rng, local)
        except BaseException as exc:  # reported in the main thread
            errors.append(exc)
        with lock:
            stats.update(local)

    threads = [threading.Thread(target=judge_phone, args=item) for item in by_judge.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return stats


def submit_every_sheet(kit) -> None:
    from competitions import services

    for entry in kit.entries:
        for judge in kit.free_judges(entry):
            services.submit_sheet(judge=judge, entry_id=entry.id)


def test_contest_day(api, org, make_user, two_servers):
    kit = contest_day_kit(api, org, make_user)
    tokens = tokens_for(kit)
    plan = marking_plan(kit, random.Random(2026))
    expected_marks = sum(len(marks) for _, marks in plan)
    assert expected_marks == 40 * (4 + 5 * 6)

    async def scenario():
        spectators = [Spectator([host], kit.contest.id) for host in two_servers for _ in range(3)]
        for spectator in spectators:
            spectator.start()
        assert await wait_for(lambda: all(s.seq >= 0 for s in spectators), 20)
        stats = await asyncio.to_thread(mark_concurrently, two_servers, tokens, plan, 7)
        # blind judging: an entry's figures reach the public board once its whole panel has submitted
        await asyncio.to_thread(submit_every_sheet, kit)
        final = await asyncio.to_thread(board.current_seq, kit.contest.id)
        settled = await wait_for(lambda: all(s.seq == final for s in spectators), 30)
        boards = [s.totals() for s in spectators]
        seqs = [s.seq for s in spectators]
        for spectator in spectators:
            await spectator.stop()
        return stats, final, settled, seqs, boards

    stats, final, settled, seqs, boards = asyncio.run(scenario())
    assert stats["sent"] == len(plan) and stats["resent"] >= 5 and stats["dropped"] >= 2, stats

    marks = list(Mark.objects.filter(event=kit.event).values_list("judge_id", "entry_id", "aspect_id", "revision"))
    assert len(marks) == expected_marks  # nothing lost, nothing duplicated by resends or dropped connections
    assert len(set(marks)) == expected_marks and {m[3] for m in marks} == {1}

    recomputed = recompute_totals(kit)
    served = requests.get(f"http://{two_servers[0]}/api/v1/competitions/{kit.contest.id}/board", timeout=10).json()
    assert {row["code"]: row["total"] for row in served["events"][0]["rows"]} == recomputed
    assert served["seq"] == final
    assert settled, f"spectators stopped at {seqs}, the board is at {final}"
    assert all(seq == final for seq in seqs)
    assert all(totals == recomputed for totals in boards)
