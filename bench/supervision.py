"""The bureau's supervision overview (issue 16) for 50 units × one year of data, as a ratio of a trivial
JSON endpoint on the same server.

Starts the real ASGI server (uvicorn, N workers) on a throwaway database, fills a bureau with UNITS studios
and DAYS of data (runs, scans, work orders, enrolments, exam attempts, contests, agreements;
tests/supervision/bulk.py), then — from a separate load-generator process on loopback, bounded in requests
and time — alternates rounds of:
  GET /api/v1/ping                         the cheapest authenticated API call: the baseline
  GET /api/v1/supervision/overview?from=…  the bureau and each of its 50 units over the last 365 days
and prints the median throughput of each, the ratio overview ÷ ping, the size of the answer and the
number of SQL queries one overview runs (counted in a separate process; constant in the data size).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shixun REDIS_URL=redis://127.0.0.1:6379/0 python bench/supervision.py
    python bench/supervision.py          # without DATABASE_URL: SQLite in a temporary folder
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from datetime import date, timedelta
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
from accounts.services import issue_token
from tests.supervision.bulk import populate

data = populate(units=UNITS, days=DAYS, runs_per_unit=RUNS, tag="bench")
token, _ = issue_token(user=data["supervisor"])
print(json.dumps({"token": token, "unit_id": data["bureau"].pk}))
"""

MEASURE = """
import json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

client = Client(HTTP_HOST="127.0.0.1")
with CaptureQueriesContext(connection) as queries:
    response = client.get(f"/api/v1/supervision/overview?unit={UNIT}&from={FROM}", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
body = response.json()
print(json.dumps({"status": response.status_code, "queries": len(queries), "bytes": len(response.content),
                  "rows": len(body["units"]), "runs": body["total"]["practice"]["runs"]}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description="overview throughput ÷ trivial endpoint throughput")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1)")
    parser.add_argument("--connections", type=int, default=4, help="concurrent keep-alive connections")
    parser.add_argument("--requests", type=int, default=30, help="overview requests per round (bounded)")
    parser.add_argument("--ping-requests", type=int, default=1500, help="ping requests per round (bounded)")
    parser.add_argument("--seconds", type=float, default=30, help="time limit per round")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per endpoint")
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs-per-unit", type=int, default=300)
    args = parser.parse_args()

    database_url = bench_database_url()
    env = server_env(database_url)
    manage(env, "migrate", "--noinput", "-v", "0")
    data = json.loads(run_python(env, f"UNITS, DAYS, RUNS = {args.units}, {args.days}, {args.runs_per_unit}\n"
                                      + PREPARE))
    since = (date.today() - timedelta(days=args.days - 1)).isoformat()
    measured = json.loads(run_python(env, f"UNIT, TOKEN, FROM = {data['unit_id']}, {data['token']!r}, {since!r}\n"
                                     + MEASURE))
    if measured["status"] != 200 or measured["rows"] < args.units:
        raise SystemExit(f"unexpected overview answer: {measured}")

    with Server(env, args.workers) as server:
        urls = {"ping": f"{server.base}/api/v1/ping",
                "overview": f"{server.base}/api/v1/supervision/overview?unit={data['unit_id']}&from={since}"}
        budgets = {"ping": args.ping_requests, "overview": args.requests}
        for name, url in urls.items():  # warm up every worker and the connection pool
            load(url, data["token"], args.connections, min(budgets[name], 10 if name == "overview" else 400), 30)
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
    round_ratios = [d["rps"] / p["rps"] for d, p in zip(runs["overview"], runs["ping"], strict=True)]
    ratio = statistics.median(round_ratios)
    database = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    cache = "Redis" if os.environ.get("REDIS_URL") else "local memory"
    print(f"\nSupervision overview benchmark: uvicorn × {args.workers} workers, {database}, {cache} cache, "
          f"{args.connections} connections, {args.rounds} rounds (≤{args.requests} overviews, ≤{args.ping_requests} "
          f"pings), {args.units} units × {args.days} days ({measured['runs']} runs), CPUs: {os.cpu_count()}\n")
    print("| endpoint | req/s (median) | rounds | p50 ms | p99 ms | CPU ms/request: server · PostgreSQL · Redis |")
    print("| --- | ---: | --- | ---: | ---: | --- |")
    for name in ("ping", "overview"):
        row = summary[name]
        cpu = {part: statistics.median(r["cpu_ms_per_request"][part] for r in runs[name])
               for part in ("server", "postgres", "redis")}
        print(f"| {name} | {row['rps_median']:.1f} | {', '.join(f'{v:.1f}' for v in row['rps_all'])} | "
              f"{row['p50_ms']} | {row['p99_ms']} | {cpu['server']:.2f} · {cpu['postgres']:.2f} · "
              f"{cpu['redis']:.2f} |")
    print(f"\noverview ÷ ping: **{ratio:.4f}** (1 : {1 / ratio:.0f}; median of the rounds "
          f"{', '.join(f'{r:.4f}' for r in round_ratios)})")
    print(f"one overview: {measured['queries']} SQL queries, {measured['bytes'] / 1024:.0f} KiB of JSON, "
          f"{measured['rows']} units")
    path = write_result("supervision", {"args": vars(args), "database": database, "cache": cache, "runs": runs,
                                      "ratio": ratio, "measured": measured})
    print(f"raw results: {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")


if __name__ == "__main__":
    main()
