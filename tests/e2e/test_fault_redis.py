"""Redis restarted mid-contest: marking keeps working (the database is the truth), spectators reconnect
and resync to the right board. A Redis server of the test's own is started and killed, so the suite's
shared Redis is never touched."""

from __future__ import annotations

import asyncio
import random
import shutil
import subprocess
import time

import pytest
import redis
import requests

from competitions import board

from .contest_day import (
    contest_day_kit,
    marking_plan,
    recompute_totals,
    send_batches,
    submit_every_sheet_over_http,
    tokens_for,
)
from .servers import free_port, live_database_url, server_env, start_layout, stop
from .spectator import Spectator, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.serial, pytest.mark.redis]


class OwnRedis:
    def __init__(self, tmp_path):
        self.port = free_port()
        self.dir = tmp_path
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                if redis.Redis.from_url(self.url, socket_connect_timeout=0.2).ping():
                    return
            except redis.RedisError:
                time.sleep(0.05)
        raise TimeoutError("redis-server did not start")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def own_redis(redis_url, tmp_path):
    if not shutil.which("redis-server"):
        pytest.fail("redis-server is not installed")
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.kill()


def test_redis_restart_mid_contest(api, org, make_user, postgres, own_redis):
    kit = contest_day_kit(api, org, make_user, entries=8)
    tokens = tokens_for(kit)
    plan = marking_plan(kit, random.Random(11))  # 40 batches
    env = server_env(DATABASE_URL=live_database_url(), REDIS_URL=own_redis.url, LOG_LEVEL="ERROR",
                     BOARD_HEARTBEAT_SECONDS="1")
    procs = [start_layout(env), start_layout(env)]  # two machines, each the production layout
    hosts = [f"127.0.0.1:{proc.port}" for proc in procs]
    rng = random.Random(3)
    stats = {"sent": 0, "resent": 0, "dropped": 0}

    def mark(batches):
        send_batches(hosts, tokens, batches, rng, stats)

    async def scenario():
        spectators = [Spectator([host], kit.contest.id) for host in hosts for _ in range(2)]
        for spectator in spectators:
            spectator.start()
        assert await wait_for(lambda: all(s.seq >= 0 for s in spectators), 20)
        await asyncio.to_thread(mark, plan[:15])

        own_redis.kill()  # Redis dies in the middle of the contest
        await asyncio.to_thread(mark, plan[15:30])  # marking goes on: every batch answered 200
        readyz = await asyncio.to_thread(requests.get, f"http://{hosts[0]}/readyz", timeout=10)
        assert readyz.status_code == 503 and readyz.json()["checks"]["redis"] == "unavailable"

        own_redis.start()  # back, empty: no groups, no queued messages
        await asyncio.to_thread(mark, plan[30:])
        # blind judging: the public board shows an entry's totals once its panel has submitted
        await asyncio.to_thread(submit_every_sheet_over_http, hosts[0], kit, tokens)
        final = await asyncio.to_thread(board.current_seq, kit.contest.id)
        settled = await wait_for(lambda: all(s.seq == final for s in spectators), 30)
        result = (final, settled, [s.seq for s in spectators], [s.totals() for s in spectators])
        for spectator in spectators:
            await spectator.stop()
        return result

    try:
        final, settled, seqs, boards = asyncio.run(scenario())
    finally:
        for proc in procs:
            stop(proc)
    assert stats["sent"] == len(plan)
    recomputed = recompute_totals(kit)
    assert settled, f"spectators at {seqs}, board at {final}"
    assert all(totals == recomputed for totals in boards)
