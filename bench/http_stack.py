#!/usr/bin/env python
"""Which server and middleware chain serve Shixun's HTTP fastest (issue 13): every candidate started
side by side on one worker each, measured with wrk in interleaved rounds (the order alternates), against
the outside baselines (a minimal Django JSON view, a raw ASGI hello world) in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shixun REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/http_stack.py [--rounds 3] [--seconds 5] [--connections 16]

Prints one markdown table: req/s (median of the rounds, and every round), p50 / p99 ms of the median
round, CPU ms per request of the server's processes, and each figure ÷ minimal Django on the best WSGI
server of the run. Writes bench/results/http_stack-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import wrk  # noqa: E402
from common import CpuMeter, Server, bench_database_url, manage, run_python, server_env, write_result  # noqa: E402
from scan import PREPARE as SCAN_PREPARE  # noqa: E402

from miniprogram_api.serving import asgi_command, http_command  # noqa: E402

P = "127.0.0.1"


def candidates(workers: int) -> dict[str, tuple[list[str], dict, list[str]]]:
    """name -> (argv with {port}, extra env, endpoints)."""
    port = "{port}"  # common.Server fills in a free port

    def http(server, app="backend.wsgi:application", **kw):
        return http_command(host=P, port=port, workers=workers, server=server, app=app, **kw)  # type: ignore[arg-type]

    def asgi(app):
        return asgi_command(host=P, port=port, workers=workers, app=app)  # type: ignore[arg-type]

    shixun = ["healthz", "ping", "scan"]
    minimal = ["minimal"]
    per_hook = {"DJANGO_SETTINGS_MODULE": "bench.settings_chain_per_hook"}
    return {
        "minimal Django · gunicorn sync": (http("gunicorn-sync", "bench.minimal_django:wsgi"), {}, minimal),
        "minimal Django · gunicorn gthread": (http("gunicorn-gthread", "bench.minimal_django:wsgi"), {}, minimal),
        "minimal Django · granian WSGI": (http("granian-wsgi", "bench.minimal_django:wsgi"), {}, minimal),
        "minimal Django · uvicorn ASGI": (asgi("bench.minimal_django:asgi"), {}, minimal),
        "raw ASGI hello · uvicorn": (asgi("bench.raw_asgi:app"), {}, minimal),
        "Shixun · uvicorn, hop per hook (before)": (asgi("backend.asgi:application"), per_hook, shixun),
        "Shixun · uvicorn, OneThreadHop": (asgi("backend.asgi:application"), {}, shixun),
        "Shixun · granian ASGI, OneThreadHop": (http("granian-asgi", "backend.asgi:application"), {}, shixun),
        "Shixun · gunicorn sync": (http("gunicorn-sync"), {}, shixun),
        "Shixun · gunicorn gthread ×4": (http("gunicorn-gthread"), {}, shixun),
        "Shixun · granian WSGI": (http("granian-wsgi"), {}, shixun),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated substrings of candidate names")
    args = parser.parse_args()
    if not wrk.available():
        print("needs wrk (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    database_url = bench_database_url()
    env = server_env(database_url, RATE_LIMIT_SCAN="100000000/60", LOG_LEVEL="ERROR")
    manage(env, "migrate", "--noinput", "-v", "0")
    data = json.loads(run_python(env, "PROCEDURES, STEPS = 3, 12\n" + SCAN_PREPARE))
    paths = {"healthz": "/healthz", "ping": "/api/v1/ping", "scan": f"/api/v1/scan/{data['code']}",
             "minimal": "/hello"}
    chosen = {name: spec for name, spec in candidates(args.workers).items()
              if not args.only or any(part in name for part in args.only.split(","))}
    servers: dict[str, Server] = {}
    load_before = os.getloadavg()
    try:
        for name, (argv, extra, endpoints) in chosen.items():
            health = "/hello" if endpoints == ["minimal"] else "/healthz"
            servers[name] = Server({**env, **extra}, argv=argv, health=health, name=name.split(" ")[0])
        targets = [(name, endpoint) for name, (_, _, endpoints) in chosen.items() for endpoint in endpoints]
        meters = {name: CpuMeter(server) for name, server in servers.items()}
        for name, endpoint in targets:  # warm-up: pools, caches, lazy imports
            wrk.run(servers[name].base + paths[endpoint], data["token"], args.connections, 2)
        runs: dict[tuple[str, str], list[dict]] = {t: [] for t in targets}
        for number in range(args.rounds):
            for name, endpoint in (targets if number % 2 == 0 else targets[::-1]):
                before = meters[name].sample()["server"]
                result = wrk.run(servers[name].base + paths[endpoint], data["token"], args.connections,
                                 args.seconds)
                result["cpu_ms"] = (meters[name].sample()["server"] - before) * 1000 / max(result["requests"], 1)
                runs[(name, endpoint)].append(result)
    finally:
        for server in servers.values():
            server.stop()
    load_after = os.getloadavg()

    def median(target, key):
        return statistics.median(r[key] for r in runs[target])

    minimal_wsgi = [t for t in targets if t[0].startswith("minimal Django") and "uvicorn" not in t[0]]
    best = max(minimal_wsgi, key=lambda t: median(t, "rps")) if minimal_wsgi else targets[0]
    base = median(best, "rps")
    print(f"\nHTTP stack, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs, {args.workers} worker(s) each, "
          f"wrk -t{args.connections} -c{args.connections} -d{args.seconds:g}s × {args.rounds} interleaved rounds; "
          f"load average {load_before[0]:.1f} → {load_after[0]:.1f}. Baseline: {best[0]} ({base:.0f} req/s)\n")
    print("| target | endpoint | req/s (median) | rounds | p50 ms | p99 ms | CPU ms/req | ÷ baseline |")
    print("| --- | --- | ---: | --- | ---: | ---: | ---: | ---: |")
    for target in targets:
        rs = runs[target]
        mid = sorted(rs, key=lambda r: r["rps"])[len(rs) // 2]
        errors = sum(r["errors"] for r in rs)
        each = ", ".join(f"{r['rps']:.0f}" for r in rs)
        print(f"| {target[0]} | {target[1]} | {median(target, 'rps'):.0f} | {each} | "
              f"{mid['p50_ms']:.2f} | {mid['p99_ms']:.2f} | {median(target, 'cpu_ms'):.2f} | "
              f"{median(target, 'rps') / base:.2f}{f' ({errors} errors)' if errors else ''} |")
    path = write_result("http_stack", {"args": vars(args), "load": [load_before, load_after],
                                       "runs": {f"{n} | {e}": r for (n, e), r in runs.items()}})
    print(f"\nraw results: {path.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
