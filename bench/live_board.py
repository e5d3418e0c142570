#!/usr/bin/env python
"""Live-board benchmark: how fast a committed mark reaches spectators, against raw Redis pub/sub.

Starts two real uvicorn processes on PostgreSQL + Redis (DATABASE_URL, REDIS_URL; use a scratch
database: it is migrated and a bench contest is added), then measures in the same run:

1. raw Redis PUBLISH -> SUBSCRIBE round trip (the baseline), p50/p99;
2. mark commit -> received by 1 spectator: marks POSTed to process A, the spectator on process B;
   latency = receive time - the update's `ts` (stamped as the board update is built, inside the
   mark's transaction just before COMMIT); also POST sent -> received, as the phone would see it;
3. commit -> received by the LAST of N spectators (default 1,000) split over the 2 processes, held
   by 2 client processes; every spectator's seq stream is checked: dropped = expected - received.

Prints a markdown table and writes bench/results/live_board-<time>.json. Bounded: a few minutes at most.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shixun_bench REDIS_URL=redis://127.0.0.1:6379/0 \
        .venv/bin/python bench/live_board.py [--spectators 1000] [--marks 200] [--rounds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


# --- setup (Django in this process only for preparing data) -----------------------------------------
def prepare(entries: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production-0123456789abcdef")
    import django

    django.setup()
    from decimal import Decimal

    from django.core.management import call_command

    from accounts.models import OrgUnit, Role, User
    from accounts.services import ensure_org_unit, grant_role, issue_token
    from competitions import services
    from competitions.models import Aspect, Contest, Event, PanelMember, Section

    call_command("migrate", verbosity=0, interactive=False)
    tag = uuid.uuid4().hex[:6]
    bureau = ensure_org_unit(name="基准测试局", kind=OrgUnit.Kind.BUREAU)
    base = ensure_org_unit(name="基准测试基地", kind=OrgUnit.Kind.BASE, parent=bureau)
    contest = Contest.objects.create(name=f"基准测试比武 {tag}", org_unit=base)
    event = Event.objects.create(contest=contest, name="基准项目")
    s1 = Section.objects.create(event=event, name="测量", order=1, weight=Decimal(60))
    s2 = Section.objects.create(event=event, name="评判", order=2, weight=Decimal(40))
    measurement = Aspect.objects.create(section=s1, name="读数", kind="measurement", max_mark=Decimal(60))
    Aspect.objects.create(section=s2, name="工艺", kind="judgement", max_mark=Decimal(40), scale_max=3)
    chief = User.objects.create(username=f"bench-chief-{tag}", display_name="基准裁判长", primary_org_unit=base)
    grant_role(user=chief, role=Role.CHIEF_JUDGE, org_unit=base)
    judges = []
    for n in range(5):
        judge = User.objects.create(username=f"bench-judge-{tag}-{n}", display_name=f"基准裁判{n}",
                                    primary_org_unit=bureau)
        PanelMember.objects.create(event=event, judge=judge)
        judges.append(judge)
    for n in range(entries):
        contestant = User.objects.create(username=f"bench-c-{tag}-{n}", display_name=f"选手{n}",
                                         primary_org_unit=base)
        services.add_entry(event=event, contestant=contestant)
    services.open_event(actor=chief, event_id=event.id)
    return {"contest_id": contest.id, "aspect_id": measurement.id,
            "entry_ids": list(event.entries.values_list("id", flat=True)),
            "token": issue_token(user=judges[0])[0]}


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# --- 1. raw Redis --------------------------------------------------------------------------------
async def redis_round_trips(url: str, n: int) -> list[float]:
    import redis.asyncio as aioredis

    client = aioredis.from_url(url)
    pubsub = client.pubsub()
    channel = f"bench-rtt-{uuid.uuid4().hex}"
    await pubsub.subscribe(channel)
    await pubsub.get_message(timeout=2)  # the subscribe confirmation
    out = []
    for i in range(n + 10):
        t0 = time.perf_counter()
        await client.publish(channel, str(i))
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5)
            if message:
                break
        if i >= 10:  # warm-up
            out.append((time.perf_counter() - t0) * 1000)
    await pubsub.aclose()
    await client.aclose()
    return out


# --- 2. one spectator ------------------------------------------------------------------------------
def post_mark(session, host: str, data: dict, value: str) -> dict:
    import random

    response = session.post(f"http://{host}/api/v1/judging/marks", timeout=15,
                            headers={"Authorization": f"Bearer {data['token']}"},
                            json={"marks": [{"client_id": str(uuid.uuid4()),
                                             "entry_id": random.choice(data["entry_ids"]),
                                             "aspect_id": data["aspect_id"], "value": value}]})
    response.raise_for_status()
    return response.json()


async def one_spectator(hosts: list[str], data: dict, n: int) -> tuple[list[float], list[float]]:
    import random

    import requests
    import websockets

    from tests.e2e.frames import PublishedFrames

    session = requests.Session()
    commit_lat, post_lat = [], []
    path = f"/ws/competitions/{data['contest_id']}/board/"
    texts = []  # checked against the published schema after the timed part
    async with websockets.connect(f"ws://{hosts[1]}{path}") as ws:
        texts.append(await ws.recv())
        last = json.loads(texts[0])["seq"]
        for i in range(n + 10):
            value = f"{random.randint(0, 5999) / 100:.2f}"
            t_post = time.time()
            posting = asyncio.create_task(asyncio.to_thread(post_mark, session, hosts[0], data, value))
            while True:
                texts.append(await asyncio.wait_for(ws.recv(), 15))
                message = json.loads(texts[-1])
                if message.get("type") == "update" and message["seq"] > last:
                    break
            t_recv = time.time()
            last = message["seq"]
            await posting
            if i >= 10:
                commit_lat.append(t_recv * 1000 - message["ts"])
                post_lat.append((t_recv - t_post) * 1000)
    frames = PublishedFrames.of(f"http://{hosts[1]}")
    for text in texts:
        frames.check(path, text)
    frames.assert_clean(at_least=n)
    return commit_lat, post_lat


# --- 3. many spectators, in client processes ---------------------------------------------------------
def spectator_process(host: str, contest_id: int, count: int, ready, control, results, compression="deflate",
                      nice: int = 0):
    if nice:
        os.nice(nice)  # these clients stand for phones elsewhere: they must not take the server's CPU
    asyncio.run(_spectators(host, contest_id, count, ready, control, results, compression))


async def _spectators(host, contest_id, count, ready, control, results, compression="deflate"):
    import websockets

    seen: list[dict[int, float]] = [dict() for _ in range(count)]
    ts_of: dict[int, float] = {}
    start_seq: list[int] = [0] * count
    order_errors = [0]
    sem = asyncio.Semaphore(50)
    sockets = [None] * count

    async def open_one(i):
        async with sem:
            ws = await websockets.connect(f"ws://{host}/ws/competitions/{contest_id}/board/", max_queue=None,
                                          open_timeout=30, compression=compression)
            start_seq[i] = json.loads(await ws.recv())["seq"]
            sockets[i] = ws

    await asyncio.gather(*[open_one(i) for i in range(count)])
    ready.put(min(start_seq))

    async def read(i):
        ws, last = sockets[i], start_seq[i]
        async for text in ws:
            now = time.time()
            message = json.loads(text)
            if message.get("type") != "update":
                continue
            seq = message["seq"]
            if seq != last + 1:
                order_errors[0] += 1
            last = seq
            seen[i][seq] = now
            ts_of[seq] = message["ts"]

    readers = [asyncio.create_task(read(i)) for i in range(count)]
    final = await asyncio.to_thread(control.get)  # the last seq the poster produced
    deadline = time.time() + 20
    while time.time() < deadline and not all(final in s for s in seen):
        await asyncio.sleep(0.05)
    for task in readers:
        task.cancel()
    for ws in sockets:
        ws.close_timeout = 1
    await asyncio.gather(*[ws.close() for ws in sockets], return_exceptions=True)
    last_recv: dict[int, float] = {}
    received = 0
    for i, s in enumerate(seen):
        for seq, at in s.items():
            if start_seq[i] < seq <= final:
                received += 1
                last_recv[seq] = max(last_recv.get(seq, 0.0), at)
    expected = sum(final - start for start in start_seq)
    results.put({"last_recv": last_recv, "ts": ts_of, "received": received, "expected": expected,
                 "order_errors": order_errors[0]})


def many_spectators(hosts, procs, data, spectators: int, rounds: int, *, trigger=None, gap: float = 0.3,
                    on_ready=None, compression="deflate", post_hosts=None, client_nice: int = 0) -> dict:
    """N spectators in 2 client processes; `rounds` updates made by `trigger(i)` (default: a mark POSTed
    to alternating servers), `gap` seconds apart; `on_ready()` runs once all are connected and may
    return a callable to run after the rounds (e.g. to join a load thread)."""
    import random

    import requests

    if trigger is None:
        session = requests.Session()

        def trigger(i):
            targets = post_hosts or hosts
            body = post_mark(session, targets[i % len(targets)], data, f"{random.randint(0, 5999) / 100:.2f}")
            return body["seq"][str(data["contest_id"])]

    ctx = mp.get_context("spawn")
    ready, results = ctx.Queue(), ctx.Queue()
    controls = [ctx.Queue() for _ in hosts]
    per = [spectators // 2, spectators - spectators // 2]
    before = [rss_kb(p.pid) for p in procs]
    clients = [ctx.Process(target=spectator_process,
                           args=(host, data["contest_id"], n, ready, control, results, compression, client_nice))
               for host, n, control in zip(hosts, per, controls, strict=True)]
    for client in clients:
        client.start()
    t_connect = time.time()
    for _ in clients:
        ready.get(timeout=180)
    connect_seconds = time.time() - t_connect
    time.sleep(1.0)
    after = [rss_kb(p.pid) for p in procs]
    finish = on_ready() if on_ready else None
    last_seq = 0
    for i in range(rounds):
        last_seq = trigger(i)
        time.sleep(gap)  # let each round finish on its own, so rounds measure one update at a time
    if finish:
        finish()
    for control in controls:
        control.put(last_seq)
    parts = [results.get(timeout=120) for _ in clients]
    for client in clients:
        client.join(timeout=30)
    ts = {}
    for part in parts:
        ts.update(part["ts"])
    seqs = sorted(ts)
    lat = []
    for seq in seqs:
        latest = max(part["last_recv"].get(seq, 0.0) for part in parts)
        lat.append(latest * 1000 - ts[seq])
    received = sum(p["received"] for p in parts)
    expected = sum(p["expected"] for p in parts)
    return {"spectators": spectators, "rounds": rounds, "updates_measured": len(lat), "latency_ms": lat,
            "received": received, "expected": expected, "dropped": expected - received,
            "order_errors": sum(p["order_errors"] for p in parts), "connect_seconds": connect_seconds,
            "rss_kb_before": before, "rss_kb_after": after}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spectators", type=int, default=1000)
    parser.add_argument("--marks", type=int, default=200, help="marks for the single-spectator figure")
    parser.add_argument("--rounds", type=int, default=30, help="marks for the many-spectator figure")
    parser.add_argument("--entries", type=int, default=40)
    parser.add_argument("--layer", choices=["core", "pubsub", "both"], default="both",
                        help="channel layer of the servers (CHANNEL_LAYER)")
    args = parser.parse_args()
    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres") or not redis_url:
        print("bench/live_board.py needs DATABASE_URL (PostgreSQL, a scratch database) and REDIS_URL", file=sys.stderr)
        return 2

    from tests.e2e.servers import free_port, server_env, start_uvicorn, stop

    data = prepare(args.entries)
    redis_ms = asyncio.run(redis_round_trips(redis_url, args.marks))
    r50, r99 = percentile(redis_ms, 50), percentile(redis_ms, 99)
    layers = ["core", "pubsub"] if args.layer == "both" else [args.layer]
    rows = [("raw Redis PUBLISH→SUBSCRIBE round trip (baseline)", r50, r99, "1.0 / 1.0")]
    notes, raw, ok = [], {"redis_ms": redis_ms}, True
    for layer in layers:
        env = server_env(DATABASE_URL=database_url, REDIS_URL=redis_url, SECURE_SSL_REDIRECT="0",
                         LOG_LEVEL="WARNING", CHANNEL_LAYER=layer,
                         REDIS_KEY_PREFIX=f"shixun-bench-{os.getpid()}-{layer}")
        ports = [free_port(), free_port()]
        procs = [start_uvicorn(port, env) for port in ports]
        hosts = [f"127.0.0.1:{port}" for port in ports]
        try:
            commit_ms, post_ms = asyncio.run(one_spectator(hosts, data, args.marks))
            many = many_spectators(hosts, procs, data, args.spectators, args.rounds)
        finally:
            for proc in procs:
                stop(proc)
        c50, c99 = percentile(commit_ms, 50), percentile(commit_ms, 99)
        p50, p99 = percentile(post_ms, 50), percentile(post_ms, 99)
        m50, m99 = percentile(many["latency_ms"], 50), percentile(many["latency_ms"], 99)
        halves = [args.spectators // 2, args.spectators - args.spectators // 2]
        per_conn = [(a - b) / (n or 1) for a, b, n in zip(many["rss_kb_after"], many["rss_kb_before"], halves,
                                                            strict=True)]
        rows += [
            (f"[{layer}] mark commit → 1 spectator (other process)", c50, c99, f"{c50 / r50:.1f} / {c99 / r99:.1f}"),
            (f"[{layer}] mark POST sent → 1 spectator (the phone's view)", p50, p99,
             f"{p50 / r50:.0f} / {p99 / r99:.0f}"),
            (f"[{layer}] mark commit → last of {args.spectators} spectators (2 processes)", m50, m99,
             f"{m50 / r50:.0f} / {m99 / r99:.0f}"),
        ]
        notes.append(f"[{layer}] {args.spectators} spectators × {many['updates_measured']} updates: expected "
                     f"{many['expected']}, received {many['received']}, dropped {many['dropped']}, out of order "
                     f"{many['order_errors']}; connecting took {many['connect_seconds']:.1f} s; server RSS grew "
                     f"{' and '.join(f'{k:.0f}' for k in per_conn)} KB per connection")
        raw[layer] = {"commit_ms": commit_ms, "post_ms": post_ms, "many": many}
        ok = ok and many["dropped"] == 0 and many["order_errors"] == 0

    print()
    print(f"live board, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs, {args.entries} entries, "
          f"{args.marks} marks for 1 spectator, {args.rounds} marks for {args.spectators} spectators")
    print()
    print("| figure | p50 ms | p99 ms | ÷ raw Redis (p50 / p99) |")
    print("| --- | ---: | ---: | ---: |")
    for name, a, b, ratio in rows:
        print(f"| {name} | {a:.2f} | {b:.2f} | {ratio} |")
    print()
    for note in notes:
        print(note)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"live_board-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps({**raw, "args": vars(args)}, indent=1))
    print(f"raw samples: {path.relative_to(ROOT)}")
    print("OK: no message dropped" if ok else "MESSAGES DROPPED OR OUT OF ORDER")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
