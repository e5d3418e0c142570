"""The leader's 师徒带教 dashboard for a big studio, as a ratio of a trivial JSON endpoint on the same server.

Starts the real ASGI server (uvicorn, N workers) on a throwaway database, fills one studio with
APPRENTICES active agreements × COMPETENCIES competencies each (ratings, countersigns, hours, notes,
reviews; tests/apprenticeships/bulk.py), then — from a separate load-generator process on loopback,
bounded in requests and time — alternates rounds of:
  GET /api/v1/ping                     the cheapest authenticated API call: the baseline
  GET /api/v1/studios/{id}/dashboard   every apprentice's progress, hours, RAG and reasons, next review
and prints the median throughput of each, the ratio dashboard ÷ ping, the size of the answer and the
number of SQL queries one dashboard runs (counted in a separate process; constant in the data size).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shixun REDIS_URL=redis://127.0.0.1:6379/0 python bench/dashboard.py
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    CpuMeter,
    Server,
    bench_database_url,
    load,
    manage,
    median_run,
    run_python,
    server_env,
    write_result,
)

PREPARE = """
import json
from accounts.models import OrgUnit
from accounts.services import ensure_org_unit, issue_token
from tests.apprenticeships.bulk import populate

bureau = ensure_org_unit(name="基准测试管理局", kind=OrgUnit.Kind.BUREAU)
studio = ensure_org_unit(name="基准测试工作室", kind=OrgUnit.Kind.STUDIO, parent=bureau)
data = populate(studio=studio, apprentices=APPRENTICES, competencies=COMPETENCIES, tag="bench")
token, _ = issue_token(user=data["leader"])
print(json.dumps({"token": token, "studio_id": studio.pk}))
"""

MEASURE = """
import json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

client = Client(HTTP_HOST="127.0.0.1")
with CaptureQueriesContext(connection) as queries:
    response = client.get(f"/api/v1/studios/{STUDIO}/dashboard", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
body = response.json()
print(json.dumps({"status": response.status_code, "queries": len(queries), "bytes": len(response.content),
                  "rows": body["count"], "counts": body["counts"]}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description="dashboard throughput ÷ trivial endpoint throughput")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1)")
    parser.add_argument("--connections", type=int, default=4, help="concurrent keep-alive connections")
    parser.add_argument("--requests", type=int, default=60, help="dashboard requests per round (bounded)")
    parser.add_argument("--ping-requests", type=int, default=1500, help="ping requests per round (bounded)")
    parser.add_argument("--seconds", type=float, default=30, help="time limit per round")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per endpoint")
    parser.add_argument("--apprentices", type=int, default=500)
    parser.add_argument("--competencies", type=int, default=40)
    args = parser.parse_args()

    database_url = bench_database_url()
    env = server_env(database_url)
    manage(env, "migrate", "--noinput", "-v", "0")
    data = json.loads(run_python(env, f"APPRENTICES, COMPETENCIES = {args.apprentices}, {args.competencies}\n"
                                      + PREPARE))
    measured = json.loads(run_python(env, f"STUDIO, TOKEN = {data['studio_id']}, {data['token']!r}\n" + MEASURE))
    if measured["status"] != 200 or measured["rows"] != args.apprentices:
        raise SystemExit(f"unexpected dashboard answer: {measured}")

    with Server(env, args.workers) as server:
        urls = {"ping": f"{server.base}/api/v1/ping",
                "dashboard": f"{server.base}/api/v1/studios/{data['studio_id']}/dashboard"}
        budgets = {"ping": args.ping_requests, "dashboard": args.requests}
        for name, url in urls.items():  # warm up every worker and the connection pool
            load(url, data["token"], args.connections, min(budgets[name], 20 if name == "dashboard" else 400), 30)
        meter = CpuMeter(server)
        runs: dict[str, list[dict]] = {name: [] for name in urls}
        for round_number in range(args.rounds):
            order = list(urls) if round_number % 2 == 0 else list(reversed(urls))
            for name in order:
                before = meter.sample()
                result = load(urls[name], data["token"], args.connections, budgets[name], args.seconds)
                after = meter.sample()
                if result["errors"]:
                    raise SystemExit(f"{name}: {result['errors']} errors {result['error_statuses']}")
                result["cpu_ms_per_request"] = {
                    part: round((after[part] - before[part]) * 1000 / max(result["requests"], 1), 2)
                    for part in after
                }
                runs[name].append(result)

    summary = {name: median_run(results) for name, results in runs.items()}
    round_ratios = [d["rps"] / p["rps"] for d, p in zip(runs["dashboard"], runs["ping"], strict=True)]
    ratio = statistics.median(round_ratios)
    database = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    cache = "Redis" if os.environ.get("REDIS_URL") else "local memory"
    print(f"\nDashboard benchmark: uvicorn × {args.workers} workers, {database}, {cache} cache, {args.connections} "
          f"connections, {args.rounds} rounds (≤{args.requests} dashboards, ≤{args.ping_requests} pings), "
          f"{args.apprentices} apprentices × {args.competencies} competencies, CPUs: {os.cpu_count()}\n")
    print("| endpoint | req/s (median) | rounds | p50 ms | p99 ms | CPU ms/request: server · PostgreSQL · Redis |")
    print("| --- | ---: | --- | ---: | ---: | --- |")
    for name in ("ping", "dashboard"):
        row = summary[name]
        cpu = {part: statistics.median(r["cpu_ms_per_request"][part] for r in runs[name])
               for part in ("server", "postgres", "redis")}
        print(f"| {name} | {row['rps_median']:.1f} | {', '.join(f'{v:.1f}' for v in row['rps_all'])} | "
              f"{row['p50_ms']} | {row['p99_ms']} | {cpu['server']:.2f} · {cpu['postgres']:.2f} · "
              f"{cpu['redis']:.2f} |")
    print(f"\ndashboard ÷ ping: **{ratio:.4f}** (1 : {1 / ratio:.0f}; median of the rounds "
          f"{', '.join(f'{r:.4f}' for r in round_ratios)})")
    print(f"one dashboard: {measured['queries']} SQL queries, {measured['bytes'] / 1024:.0f} KiB of JSON, "
          f"{measured['rows']} rows, RAG counts {measured['counts']}")
    path = write_result("dashboard", {"args": vars(args), "database": database, "cache": cache, "runs": runs,
                                      "ratio": ratio, "measured": measured})
    print(f"raw results: {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")


if __name__ == "__main__":
    main()
