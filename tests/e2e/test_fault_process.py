"""One machine killed mid-contest (every process of its production layout at once: nginx, the HTTP and
websocket pools): its spectators reconnect to the other machine and resync to the right board; phones
that were talking to it resend to the other and nothing is lost or doubled."""

from __future__ import annotations

import asyncio
import random

import pytest

from competitions import board
from competitions.models import Mark

from .contest_day import (
    contest_day_kit,
    marking_plan,
    recompute_totals,
    send_batches,
    submit_every_sheet_over_http,
    tokens_for,
)
from .servers import kill_layout, live_database_url, server_env, start_layout, stop
from .spectator import Spectator, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.serial, pytest.mark.redis]


def test_killed_process_clients_move_to_the_other(api, org, make_user, postgres, redis_url):
    kit = contest_day_kit(api, org, make_user, entries=8)
    tokens = tokens_for(kit)
    plan = marking_plan(kit, random.Random(5))
    env = server_env(DATABASE_URL=live_database_url(), REDIS_URL=redis_url, LOG_LEVEL="WARNING")
    procs = [start_layout(env), start_layout(env)]
    hosts = [f"127.0.0.1:{proc.port}" for proc in procs]
    victim, survivor = procs
    rng = random.Random(9)
    stats = {"sent": 0, "resent": 0, "dropped": 0}

    def mark(batches):
        send_batches(hosts, tokens, batches, rng, stats)

    async def scenario():
        # Half the spectators start on the victim, half on the survivor; each knows both addresses.
        spectators = [Spectator(hosts, kit.contest.id) for _ in range(3)] + \
                     [Spectator(hosts[::-1], kit.contest.id) for _ in range(3)]
        for spectator in spectators:
            spectator.start()
        assert await wait_for(lambda: all(s.seq >= 0 for s in spectators), 20)
        await asyncio.to_thread(mark, plan[:15])
        kill_layout(victim)  # no graceful shutdown: the machine's processes are simply gone
        await asyncio.to_thread(mark, plan[15:])
        # blind judging: the public board shows an entry's totals once its panel has submitted
        await asyncio.to_thread(submit_every_sheet_over_http, f"127.0.0.1:{survivor.port}", kit, tokens)
        final = await asyncio.to_thread(board.current_seq, kit.contest.id)
        settled = await wait_for(lambda: all(s.seq == final for s in spectators), 30)
        result = (final, settled, [s.seq for s in spectators], [s.totals() for s in spectators],
                  [s.reconnects for s in spectators])
        for spectator in spectators:
            await spectator.stop()
        return result

    try:
        final, settled, seqs, boards, reconnects = asyncio.run(scenario())
    finally:
        stop(survivor)
    assert settled, f"spectators at {seqs}, board at {final}"
    assert all(count >= 1 for count in reconnects[:3])  # the victim's spectators did move
    assert Mark.objects.filter(event=kit.event).count() == sum(len(m) for _, m in plan)
    recomputed = recompute_totals(kit)
    assert all(totals == recomputed for totals in boards)
