#!/usr/bin/env python
"""The benchmark suite (`make bench`): every figure is a ratio against a baseline measured in the same
run, on the same machine, with the load generated from separate processes on loopback.

HTTP (the production HTTP pool, miniprogram_api/serving.py: granian WSGI, --workers each), measured with wrk at 16
connections in interleaved rounds, each figure ÷ the outside baseline — a minimal Django JSON view
(bench/minimal_django.py) on the same WSGI server and worker count — and ÷ ping; a raw ASGI hello world
(bench/raw_asgi.py, uvicorn, same workers) shows the floor:
  A1 ping ÷ minimal Django ≥ 0.4 · A2 /healthz ÷ it ≥ 0.9 · A3 scan ÷ it ≥ 0.25 · A4 step POST ÷ it ≥ 0.15
  A5 ping p99 ≤ 2 × the minimal baseline's p99
Marks and boards:
  A6 mark POST ≤ 12 queries, constant in contest size
  A7 judge's POST sent → spectator received p99 ≤ 2 × ping p99 (through the documented layout)
  A8 scan p99 during a broadcast storm (1,000 spectators, marks back to back) ÷ scan p99 idle ≤ 1.5, in the
     documented layout (nginx, HTTP pool, niced websocket pool of 2)
  A9 3,000 spectators over 2 processes: 0 dropped; commit → last spectator p99 ÷ the raw fan-out p99 ≤ 1.5
     (raw: Redis subscribe + a plain websockets send loop, no Django, the same clients)
Recorded as before: mark commit → 1 spectator ÷ raw Redis PUBLISH→SUBSCRIBE; memory per idle websocket;
query counts of the hot paths at two data sizes; the leader's dashboard (500 × 40) ÷ ping.
Training (bench/training.py): 300 learners posting progress every 15 s, 200 candidates starting and
submitting one exam within a minute; p99 ÷ ping p99 on the same schedule (aim ≤ 3 for start and submit).

Needs PostgreSQL, Redis, wrk and nginx (Debian: wrk nginx-light). DATABASE_URL names a database whose
server gets a throwaway `<name>_bench`. Prints a markdown table and writes bench/results/suite-<time>.json.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shixun REDIS_URL=redis://127.0.0.1:6379/0 make bench
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import live_board  # noqa: E402
import wrk  # noqa: E402
from common import (  # noqa: E402
    PYTHON,
    ROOT,
    CpuMeter,
    Server,
    bench_database_url,
    free_port,
    load,
    manage,
    run_python,
    server_env,
)
from dashboard import MEASURE as DASHBOARD_MEASURE  # noqa: E402
from dashboard import PREPARE as DASHBOARD_PREPARE  # noqa: E402
from scan import PREPARE as SCAN_PREPARE  # noqa: E402

from miniprogram_api import serving  # noqa: E402

LOOPBACK = "127.0.0.1"


def _training_bench():
    """bench/training.py, loaded by path: the name `training` belongs to the Django app."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("training_bench", HERE / "training.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

RUNS_PREPARE = """
import json
from django.utils import timezone
from accounts.models import Role, User
from accounts.services import grant_role, issue_token
from standards.models import PracticePoint, Step
from practice import services
scanner = User.objects.get(pk=USER)
# Another person records the steps: the scanner keeps no open run, so the two figures stay independent.
user = User.objects.create(username=f"{scanner.username}-steps", display_name="基准记录")
grant_role(user=user, role=Role.WORKER, org_unit=scanner.grants.first().org_unit)
point = PracticePoint.objects.get(pk=POINT)
procedure = point.procedures.order_by("id").first()
version = procedure.current_version
step = Step.objects.filter(version=version, type="check").order_by("position", "id").first()
runs = [services.create_run(user=user, client_id=f"bench-run-{n}", point_code=CODE, procedure_version_id=version.pk,
                            started_at=timezone.now())[0].pk for n in range(CONNECTIONS)]
print(json.dumps({"runs": runs, "step_id": step.pk, "token": issue_token(user=user)[0]}))
"""

QUERY_COUNTS = """
import json, uuid
from decimal import Decimal
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.core.cache import cache
from accounts.models import OrgUnit, Role, User
from accounts.services import ensure_org_unit, grant_role, issue_token
from standards import services as std
from standards.models import Procedure, Standard, Step
from competitions import services as cs
from competitions.models import Aspect, Contest, Event, PanelMember, Section

def count(method, path, token=None, body=None):
    client = Client(HTTP_HOST="127.0.0.1")
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    with CaptureQueriesContext(connection) as ctx:
        if body is None:
            response = client.get(path, **extra)
        else:
            response = client.post(path, json.dumps(body), content_type="application/json", **extra)
    assert response.status_code < 300, (path, response.status_code, response.content[:300])
    return len(ctx.captured_queries)

tag = uuid.uuid4().hex[:6]
bureau = ensure_org_unit(name="查询计数局", kind=OrgUnit.Kind.BUREAU)
studio = ensure_org_unit(name="查询计数工作室", kind=OrgUnit.Kind.STUDIO, parent=bureau)
worker = User.objects.create(username=f"qc-{tag}", display_name="计数")
grant_role(user=worker, role=Role.WORKER, org_unit=studio)
token = issue_token(user=worker)[0]
standard = Standard.objects.create(code=f"QC-{tag}", title="计数标准", level="internal", category="operations")

def point(procedures, steps, n):
    procs = []
    for p in range(procedures):
        proc = Procedure.objects.create(standard=standard, code=f"QC-{tag}-{n}-{p}", title=f"规程{p}", studio=studio)
        draft = std.create_draft(procedure=proc)
        for s in range(steps):
            std.add_step(version=draft, title=f"步骤{s}", type=Step.Type.CHECK)
        std.publish_version(version=draft)
        procs.append(proc)
    pt = std.create_point(name=f"计数点{n}", code=f"QC-{tag}-{n}", studio=studio, location_text="", procedures=procs)
    return std.active_code(pt).code

result = {}
small, large = point(1, 3, "s"), point(12, 25, "l")
result["scan (cold cache)"] = []
result["scan (warm cache)"] = []
for code in (small, large):
    cache.clear()
    result["scan (cold cache)"].append(count("GET", f"/api/v1/scan/{code}", token))
    result["scan (warm cache)"].append(count("GET", f"/api/v1/scan/{code}", token))

result["mark POST"], result["board snapshot"] = [], []
for entries in (8, 40):
    base = ensure_org_unit(name=f"计数基地{entries}", kind=OrgUnit.Kind.BASE, parent=bureau)
    contest = Contest.objects.create(name=f"计数比武 {tag} {entries}", org_unit=base)
    event = Event.objects.create(contest=contest, name="项目")
    section = Section.objects.create(event=event, name="测量", order=1, weight=Decimal(100))
    aspect = Aspect.objects.create(section=section, name="读数", kind="measurement", max_mark=Decimal(100))
    chief = User.objects.create(username=f"qc-chief-{tag}-{entries}")
    grant_role(user=chief, role=Role.CHIEF_JUDGE, org_unit=base)
    judge = User.objects.create(username=f"qc-judge-{tag}-{entries}", primary_org_unit=bureau)
    PanelMember.objects.create(event=event, judge=judge)
    for n in range(entries):
        cs.add_entry(event=event, contestant=User.objects.create(username=f"qc-c-{tag}-{entries}-{n}",
                                                                 primary_org_unit=base))
    cs.open_event(actor=chief, event_id=event.id)
    entry = event.entries.first()
    jt = issue_token(user=judge)[0]
    mark = {"marks": [{"client_id": str(uuid.uuid4()), "entry_id": entry.id, "aspect_id": aspect.id, "value": "50"}]}
    result["mark POST"].append(count("POST", "/api/v1/judging/marks", jt, mark))
    result["board snapshot"].append(count("GET", f"/api/v1/competitions/{contest.id}/board"))
print(json.dumps(result))
"""


def dashboard_studio(env: dict, apprentices: int, competencies: int, name: str) -> dict:
    code = (DASHBOARD_PREPARE.replace("APPRENTICES", str(apprentices)).replace("COMPETENCIES", str(competencies))
            .replace('"基准测试工作室"', repr(name)).replace('tag="bench"', f'tag={name!r}'))
    studio = json.loads(run_python(env, code))
    measured = json.loads(run_python(env, DASHBOARD_MEASURE.replace("STUDIO", str(studio["studio_id"]))
                                     .replace("TOKEN", repr(studio["token"]))))
    assert measured["status"] == 200 and measured["rows"] == apprentices, measured
    return {**studio, **measured}


def pct(values: list[float], p: float) -> float:
    return live_board.percentile(values, p)


def alternate(rounds: int, tasks: dict) -> dict[str, list[dict]]:
    """Run each named load in turn, `rounds` times, alternating the order (drift favours none)."""
    runs: dict[str, list[dict]] = {name: [] for name in tasks}
    for number in range(rounds):
        order = list(tasks) if number % 2 == 0 else list(reversed(tasks))
        for name in order:
            result = tasks[name]()
            if result["errors"]:
                raise SystemExit(f"{name}: {result['errors']} errors {result.get('error_statuses', '')}")
            runs[name].append(result)
    return runs


def ratio_of(runs: dict, name: str, base: str) -> float:
    return statistics.median(a["rps"] / b["rps"] for a, b in zip(runs[name], runs[base], strict=True))


def dashboard_figure(env: dict, studio: dict, args) -> dict:
    with Server(env, argv=serving.http_command(host=LOOPBACK, port="{port}", workers=args.workers),  # type: ignore[arg-type]
                name="http-pool") as server:
        tasks = {
            "ping": lambda: load(f"{server.base}/api/v1/ping", studio["token"], 4, 600, 20),
            "dashboard": lambda: load(f"{server.base}/api/v1/studios/{studio['studio_id']}/dashboard",
                                      studio["token"], 4, args.dashboard_requests, 30),
        }
        for task in tasks.values():
            task()
        runs = alternate(args.rounds, tasks)
    return {"runs": runs, "ratio": ratio_of(runs, "dashboard", "ping"),
            "rps": {name: statistics.median(r["rps"] for r in rs) for name, rs in runs.items()}}


def http_figures(env: dict, data: dict, args) -> dict:
    """A1-A5: the production HTTP pool beside the outside baselines, same server kind and worker count."""
    prepared = json.loads(run_python(env, RUNS_PREPARE.replace("USER", str(data["user_id"]))
                                     .replace("POINT", str(data["point_id"])).replace("CODE", repr(data["code"]))
                                     .replace("CONNECTIONS", str(args.connections))))
    port = "{port}"  # common.Server fills in a free port
    servers = {
        "shixun": Server(env, argv=serving.http_command(host=LOOPBACK, port=port, workers=args.workers),  # type: ignore[arg-type]
                         name="http-pool"),
        "minimal": Server(env, argv=serving.http_command(host=LOOPBACK, port=port, workers=args.workers,  # type: ignore[arg-type]
                                                         app="bench.minimal_django:wsgi"),
                          health="/hello", name="minimal-django"),
        "raw": Server(env, argv=serving.asgi_command(host=LOOPBACK, port=port, workers=args.workers,  # type: ignore[arg-type]
                                                     app="bench.raw_asgi:app"), health="/hello", name="raw-asgi"),
    }
    try:
        shixun, c, secs = servers["shixun"].base, args.connections, args.seconds
        step_urls = [f"{shixun}/api/v1/runs/{run}/steps" for run in prepared["runs"]]
        step_body = json.dumps({"client_id": "{uuid}", "step_id": prepared["step_id"], "value": "pass",
                                "note": "", "photo_ids": []})
        owner = {"ping": "shixun", "healthz": "shixun", "scan": "shixun", "step": "shixun", "minimal": "minimal",
                 "raw": "raw"}
        tasks = {
            "ping": lambda: wrk.run(f"{shixun}/api/v1/ping", data["token"], c, secs),
            "healthz": lambda: wrk.run(f"{shixun}/healthz", "", c, secs),
            "scan": lambda: wrk.run(f"{shixun}/api/v1/scan/{data['code']}", data["token"], c, secs),
            "step": lambda: wrk.run(step_urls, prepared["token"], c, secs, body=step_body),
            "minimal": lambda: wrk.run(f"{servers['minimal'].base}/hello", "", c, secs),
            "raw": lambda: wrk.run(f"{servers['raw'].base}/hello", "", c, secs),
        }
        for task in tasks.values():
            task()  # warm-up: every worker, pool and cache
        meters = {name: CpuMeter(server) for name, server in servers.items()}

        def measured(name):
            def run():
                before = meters[owner[name]].sample()["server"]
                result = tasks[name]()
                result["cpu_ms"] = (meters[owner[name]].sample()["server"] - before) * 1000 / max(result["requests"], 1)
                return result
            return run

        runs = alternate(args.rounds, {name: measured(name) for name in tasks})
    finally:
        for server in servers.values():
            server.stop()
    return {"runs": runs, "rps": {name: statistics.median(r["rps"] for r in rs) for name, rs in runs.items()},
            "p99": {name: statistics.median(r["p99_ms"] for r in rs) for name, rs in runs.items()},
            "p50": {name: statistics.median(r["p50_ms"] for r in rs) for name, rs in runs.items()},
            "cpu": {name: statistics.median(r["cpu_ms"] for r in rs) for name, rs in runs.items()},
            "ratio": {(name, base): ratio_of(runs, name, base) for name in runs for base in ("minimal", "ping")}}


class Layout:
    """The documented production layout, started from miniprogram_api/serving.py as serve_prod starts it:
    nginx on `.base`, the HTTP pool and the (niced) websocket pool behind it."""

    def __init__(self, env: dict, workers: int, ws_workers: int):
        import tempfile

        self.port, http_port, ws_port = free_port(), free_port(), free_port()
        self.base = f"http://{LOOPBACK}:{self.port}"
        commands = dict(serving.layout(host=LOOPBACK, port=self.port, workers=workers, ws_workers=ws_workers,
                                       http_port=http_port, ws_port=ws_port,
                                       prefix=tempfile.mkdtemp(prefix="shixun-bench-nginx-")))
        self.http = Server(env, argv=commands["http"], name="layout-http", port=http_port)
        self.ws = Server(env, argv=commands["ws"], name="layout-ws", port=ws_port)
        self.nginx = Server(env, argv=commands["nginx"], name="layout-nginx", port=self.port)
        self.ws_base = self.ws.base

    def stop(self) -> None:
        for server in (self.nginx, self.http, self.ws):
            server.stop()


def start_raw_fanout(port: int, redis_url: str, channel: str) -> subprocess.Popen:
    proc = subprocess.Popen([PYTHON, str(HERE / "raw_fanout.py"), "--port", str(port), "--redis", redis_url,
                             "--channel", channel], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    if proc.stdout.readline().strip() != "ready":
        raise RuntimeError("raw fan-out server did not start")
    return proc


def live_figures(env: dict, data: dict, contest: dict, args) -> dict:
    import redis

    redis_url = os.environ["REDIS_URL"]
    out: dict = {"redis_ms": asyncio.run(live_board.redis_round_trips(redis_url, args.marks))}

    # A9 (baseline): the same spectator clients against two raw fan-out processes.
    channel = f"bench-raw-{uuid.uuid4().hex[:6]}"
    raw_ports = [free_port(), free_port()]
    raw = [start_raw_fanout(port, redis_url, channel) for port in raw_ports]
    publisher = redis.Redis.from_url(redis_url)
    counter = [0]

    def publish(i):
        counter[0] += 1
        publisher.publish(channel, json.dumps({"type": "update", "seq": counter[0], "ts": time.time() * 1000}))
        return counter[0]

    try:
        out["raw_many"] = live_board.many_spectators([f"127.0.0.1:{p}" for p in raw_ports], raw, contest,
                                                     args.spectators, args.board_rounds, trigger=publish,
                                                     compression=None)
    finally:
        for proc in raw:
            proc.terminate()
            proc.wait()

    # A9: N spectators over two websocket processes (the websocket pool's command, one worker each, no
    # proxy: the raw baseline has none either); marks POSTed to the HTTP pool.
    http = Server(env, argv=serving.http_command(host=LOOPBACK, port="{port}", workers=args.workers),  # type: ignore[arg-type]
                  name="http-pool")
    servers = [Server(env, 1), Server(env, 1)]
    try:
        hosts = [server.base.removeprefix("http://") for server in servers]
        post = http.base.removeprefix("http://")
        out["many"] = live_board.many_spectators(hosts, [s.proc for s in servers], contest, args.spectators,
                                                 args.board_rounds, compression=None, post_hosts=[post])
    finally:
        for server in (http, *servers):
            server.stop()

    # A7, A8 and figure 3 in the documented layout: nginx → HTTP pool + niced websocket pool of 2.
    layout = Layout(env, args.workers, 2)
    try:
        front = layout.base.removeprefix("http://")
        out["commit_ms"], out["post_ms"] = asyncio.run(live_board.one_spectator([front, front], contest, args.marks))
        scan_url = f"{layout.base}/api/v1/scan/{data['code']}"
        idle = [load(scan_url, data["token"], 4, args.storm_requests, 20) for _ in range(2)]
        storm_scans: list[dict] = []

        def start_scan_load():
            thread = threading.Thread(target=lambda: storm_scans.append(
                load(scan_url, data["token"], 4, args.storm_requests, 20)))
            thread.start()
            return thread.join

        out["storm"] = live_board.many_spectators([front, front], [layout.ws.proc], contest, args.storm_spectators,
                                                  args.storm_marks, gap=0.0, on_ready=start_scan_load,
                                                  compression=None, client_nice=args.client_nice)
        # The control: the same marks back to back with nobody watching, to tell the fan-out's share of
        # the storm from the marks' own work on the HTTP pool.
        import requests

        join = start_scan_load()
        with requests.Session() as session:
            for _ in range(args.storm_marks):
                live_board.post_mark(session, front, contest, f"{random.randint(0, 5999) / 100:.2f}")
        join()
        out["scan_idle"], out["scan_storm"], out["scan_marks_only"] = idle, storm_scans[:1], storm_scans[1:]
    finally:
        layout.stop()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=1, help="workers of the HTTP pool and of each baseline")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5, help="seconds per wrk round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating throughput rounds")
    parser.add_argument("--spectators", type=int, default=3000, help="spectators of the fan-out figure (A9)")
    parser.add_argument("--storm-spectators", type=int, default=1000, help="spectators of the storm (A8)")
    parser.add_argument("--marks", type=int, default=200, help="marks for the single-spectator figure")
    parser.add_argument("--board-rounds", type=int, default=20, help="updates for the N-spectator figure")
    parser.add_argument("--storm-marks", type=int, default=150, help="marks sent back to back in the storm")
    parser.add_argument("--storm-requests", type=int, default=800, help="scan requests measured per load")
    parser.add_argument("--client-nice", type=int, default=19,
                        help="niceness of the storm's spectator clients (they stand for phones elsewhere)")
    parser.add_argument("--apprentices", type=int, default=500)
    parser.add_argument("--competencies", type=int, default=40)
    parser.add_argument("--dashboard-requests", type=int, default=40, help="dashboards per round")
    parser.add_argument("--learners", type=int, default=300, help="training: learners posting progress")
    parser.add_argument("--candidates", type=int, default=200, help="training: candidates of one exam")
    parser.add_argument("--skip-training", action="store_true", help="leave out the training figures (~10 min)")
    parser.add_argument("--layer", choices=["core", "pubsub"], default=None,
                        help="channel layer of the servers (default: the settings' default)")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
        print("make bench needs DATABASE_URL (PostgreSQL) and REDIS_URL", file=sys.stderr)
        return 2
    if not wrk.available() or serving.nginx_binary() is None:
        print("make bench needs wrk and nginx (Debian: apt-get install wrk nginx-light)", file=sys.stderr)
        return 2

    started, load_before = time.time(), os.getloadavg()
    database_url = bench_database_url()
    env = server_env(database_url, RATE_LIMIT_SCAN="100000000/60", LOG_LEVEL="ERROR",
                     **({"CHANNEL_LAYER": args.layer} if args.layer else {}))
    manage(env, "migrate", "--noinput", "-v", "0")
    data = json.loads(run_python(env, "PROCEDURES, STEPS = 3, 12\n" + SCAN_PREPARE))
    queries = json.loads(run_python(env, QUERY_COUNTS))
    small_studio = dashboard_studio(env, 10, 6, "基准测试工作室（小）")
    big_studio = dashboard_studio(env, args.apprentices, args.competencies, "基准测试工作室（大）")
    queries["leader dashboard"] = [small_studio["queries"], big_studio["queries"]]
    os.environ.update({key: env[key] for key in ("DATABASE_URL", "SECRET_KEY", "REDIS_KEY_PREFIX")})
    contest = live_board.prepare(40)

    http = http_figures(env, data, args)
    live = live_figures(env, data, contest, args)
    dashboard = dashboard_figure(env, big_studio, args)
    training_out = None
    if not args.skip_training:
        bench = _training_bench()
        training_args = argparse.Namespace(workers=args.workers, learners=args.learners, candidates=args.candidates,
                                           period=15.0, periods=4, rounds=2, exam_seconds=60)
        training_env = {**env, "RATE_LIMIT_PROGRESS": "100000/60", "PRIVATE_MEDIA_ROOT": env["MEDIA_ROOT"] + "-private"}
        training_out = bench.measure(training_env, training_args)
    load_after = os.getloadavg()

    rows = figure_rows(http, live, dashboard, queries, big_studio, args)
    if training_out is not None:
        rows += [(f"training: {name}", measured, ratio, aim, met_mark(measured if aim == "0" else ratio, aim))
                 for name, measured, ratio, aim in _training_bench().summary(training_out)]
    print(f"\nShixun benchmark suite, {time.strftime('%Y-%m-%d %H:%M %Z')}, {os.cpu_count()} CPUs, PostgreSQL + Redis, "
          f"HTTP pool {serving.DEFAULT_HTTP_SERVER} × {args.workers}, channel layer {env.get('CHANNEL_LAYER', 'core')}, "
          f"load average {load_before[0]:.1f} → {load_after[0]:.1f}, {time.time() - started:.0f} s\n")
    print("| figure | measured | ratio | aim | met |")
    print("| --- | --- | ---: | --- | --- |")
    for name, measured, ratio, aim, met in rows:
        print(f"| {name} | {measured} | {ratio} | {aim} | {met} |")
    print("\nHTTP detail (wrk, 16 connections, median of the rounds; each round's figure ÷ that round's baseline):\n")
    print("| target | req/s | rounds | p50 ms | p99 ms | CPU ms/req | ÷ minimal Django | ÷ ping |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for name in http["runs"]:
        each = ", ".join(f"{r['rps']:.0f}" for r in http["runs"][name])
        print(f"| {HTTP_NAMES[name]} | {http['rps'][name]:.0f} | {each} | {http['p50'][name]:.2f} | {http['p99'][name]:.2f} | "
              f"{http['cpu'][name]:.2f} | {http['ratio'][(name, 'minimal')]:.2f} | {http['ratio'][(name, 'ping')]:.2f} |")
    folder = ROOT / "bench" / "results"
    folder.mkdir(exist_ok=True)
    path = folder / f"suite-{time.strftime('%Y%m%d-%H%M%S')}.json"
    http["ratio"] = {f"{a}/{b}": v for (a, b), v in http["ratio"].items()}
    path.write_text(json.dumps({"args": vars(args), "load": [load_before, load_after], "http": http, "live": live,
                                "queries": queries, "dashboard": dashboard, "training": training_out}, default=str))
    print(f"\nraw results: {path.relative_to(ROOT)}")
    dropped = live["many"]["dropped"] + live["storm"]["dropped"]
    return 0 if dropped == 0 else 1


HTTP_NAMES = {
    "ping": "Shixun GET /api/v1/ping (token)", "healthz": "Shixun GET /healthz", "scan": "Shixun GET /api/v1/scan/{code}",
    "step": "Shixun POST /api/v1/runs/{id}/steps", "minimal": "minimal Django JSON view (same WSGI server)",
    "raw": "raw ASGI hello world (uvicorn)",
}


def met_mark(ratio: str, aim: str) -> str:
    """✓/✗ for an aim written "≤ x" or "constant"; blank for figures that are only recorded."""
    if aim.startswith("≤"):
        return "✓" if float(ratio) <= float(aim[1:]) else "✗"
    if aim == "constant":
        return "✓" if ratio == "constant" else "✗"
    if aim == "0":  # a count (errors): the measured value is the count
        return "✓" if ratio == "0" else "✗"
    return ""


def figure_rows(http: dict, live: dict, dashboard: dict, queries: dict, big_studio: dict, args) -> list[tuple]:
    def check(ok: bool) -> str:
        return "✓" if ok else "✗"

    rows = []
    for key, label, aim in (("ping", "A1. ping ÷ minimal Django (WSGI) throughput", 0.4),
                            ("healthz", "A2. /healthz ÷ minimal Django", 0.9),
                            ("scan", "A3. scan ÷ minimal Django", 0.25),
                            ("step", "A4. step-record POST ÷ minimal Django", 0.15)):
        ratio = http["ratio"][(key, "minimal")]
        rows.append((label, f"{http['rps'][key]:.0f} ÷ {http['rps']['minimal']:.0f} req/s (÷ ping "
                            f"{http['ratio'][(key, 'ping')]:.2f})", f"{ratio:.2f}", f"≥ {aim}", check(ratio >= aim)))
    p99_ratio = http["p99"]["ping"] / http["p99"]["minimal"]
    rows.append(("A5. ping p99 ÷ minimal Django p99 (16 connections)",
                 f"{http['p99']['ping']:.1f} ÷ {http['p99']['minimal']:.1f} ms", f"{p99_ratio:.2f}", "≤ 2",
                 check(p99_ratio <= 2)))
    small, large = queries["mark POST"]
    rows.append(("A6. mark POST queries (8 vs 40 entries)", f"{small} vs {large}", str(large), "≤ 12, constant",
                 check(small == large <= 12)))
    post99, ping99 = pct(live["post_ms"], 99), http["p99"]["ping"]
    rows.append(("A7. judge's POST sent → spectator p99 ÷ ping p99", f"{post99:.1f} ÷ {ping99:.1f} ms",
                 f"{post99 / ping99:.2f}", "≤ 2", check(post99 / ping99 <= 2)))
    idle99 = statistics.median(r["p99_ms"] for r in live["scan_idle"])
    storm99 = live["scan_storm"][0]["p99_ms"] if live["scan_storm"] else float("nan")
    rows.append((f"A8. scan p99 in a storm ({args.storm_spectators} spectators) ÷ idle, documented layout",
                 f"{storm99:.1f} ÷ {idle99:.1f} ms", f"{storm99 / idle99:.2f}", "≤ 1.5", check(storm99 / idle99 <= 1.5)))
    if live.get("scan_marks_only"):
        marks99 = live["scan_marks_only"][0]["p99_ms"]
        rows.append(("A8 control: scan p99 with the same marks and no spectators ÷ idle", f"{marks99:.1f} ÷ {idle99:.1f} ms",
                     f"{marks99 / idle99:.2f}", "recorded", ""))
    many99, raw99 = pct(live["many"]["latency_ms"], 99), pct(live["raw_many"]["latency_ms"], 99)
    rows.append((f"A9. commit → last of {args.spectators} spectators p99 ÷ raw fan-out p99 (2 processes)",
                 f"{many99:.0f} ÷ {raw99:.0f} ms", f"{many99 / raw99:.2f}", "≤ 1.5", check(many99 / raw99 <= 1.5)))
    dropped = live["many"]["dropped"] + live["storm"]["dropped"]
    rows.append(("A9. messages dropped (fan-out and storm)",
                 f"{dropped} of {live['many']['expected'] + live['storm']['expected']}", str(dropped), "0",
                 check(dropped == 0)))
    r99, c99 = pct(live["redis_ms"], 99), pct(live["commit_ms"], 99)
    rows.append(("mark commit → 1 spectator p99 ÷ raw Redis PUBLISH→SUBSCRIBE p99", f"{c99:.2f} ÷ {r99:.2f} ms",
                 f"{c99 / r99:.1f}", "recorded", ""))
    half = [args.spectators // 2, args.spectators - args.spectators // 2]
    per_conn = [(a - b) / n for a, b, n in zip(live["many"]["rss_kb_after"], live["many"]["rss_kb_before"], half,
                                               strict=True)]
    rows.append(("memory per idle websocket", " and ".join(f"{k:.0f}" for k in per_conn) + " KB (2 processes)",
                 f"{max(per_conn):.0f} KB", "≤ 60 KB", check(max(per_conn) <= 60)))
    rows.append((f"dashboard ({args.apprentices} × {args.competencies}, {big_studio['bytes'] // 1024} KiB) ÷ ping",
                 f"{dashboard['rps']['dashboard']:.1f} ÷ {dashboard['rps']['ping']:.0f} req/s",
                 f"{dashboard['ratio']:.3f}", "recorded", ""))
    for name, (small, large) in queries.items():
        rows.append((f"queries: {name}", f"{small} (small) vs {large} (large)",
                     "constant" if small == large else "GROWS", "constant", check(small == large)))
    return rows


if __name__ == "__main__":
    random.seed(1)
    sys.exit(main())
