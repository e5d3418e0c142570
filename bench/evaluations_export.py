"""The results export of a big survey (30 questions × 700 responses, every question kind) as a ratio of a
trivial JSON endpoint on the same server.

Starts the real ASGI server (uvicorn, N workers) on a throwaway database (or, with --in-place, on
DATABASE_URL as it is), fills one closed anonymous campaign (tests/evaluations/bulk.py, bulk inserts), then
— from a separate load-generator process on loopback — alternates rounds of
  GET /api/v1/ping                              the cheapest authenticated API call: the baseline
  GET /api/v1/surveys/{id}/results.xlsx         overview, distributions, cross-tab by unit, 700 answer rows
and prints the median throughput of each, the ratio export ÷ ping, the size of the workbook and the number
of SQL queries one export runs (counted in a separate process).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shixun REDIS_URL=redis://127.0.0.1:6379/0 python bench/evaluations_export.py
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
import json, uuid
from accounts.services import issue_token
from tests.evaluations.bulk import populate

data = populate(questions=QUESTIONS, responses=RESPONSES, tag="bench-" + uuid.uuid4().hex[:6])
token, _ = issue_token(user=data["organiser"])
print(json.dumps({"token": token, "campaign_id": data["campaign"].pk}))
"""

MEASURE = """
import json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

client = Client(HTTP_HOST="127.0.0.1")
with CaptureQueriesContext(connection) as queries:
    response = client.get(f"/api/v1/surveys/{CAMPAIGN}/results.xlsx", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
print(json.dumps({"status": response.status_code, "queries": len(queries), "bytes": len(response.content)}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description="survey xlsx export throughput ÷ ping throughput")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--requests", type=int, default=20, help="exports per round (bounded)")
    parser.add_argument("--ping-requests", type=int, default=1000, help="pings per round (bounded)")
    parser.add_argument("--seconds", type=float, default=60, help="time limit per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--questions", type=int, default=30)
    parser.add_argument("--responses", type=int, default=700)
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--in-place", action="store_true", help="use DATABASE_URL itself, not a fresh copy")
    args = parser.parse_args()

    database_url = os.environ["DATABASE_URL"] if args.in_place else bench_database_url()
    env = server_env(database_url)
    manage(env, "migrate", "--noinput", "-v", "0")
    data = json.loads(run_python(env, f"QUESTIONS, RESPONSES = {args.questions}, {args.responses}\n" + PREPARE))
    measured = json.loads(run_python(env, f"CAMPAIGN, TOKEN = {data['campaign_id']}, {data['token']!r}\n" + MEASURE))
    if measured["status"] != 200:
        raise SystemExit(f"unexpected export answer: {measured}")

    with Server(env, args.workers, port=args.port) as server:
        urls = {"ping": f"{server.base}/api/v1/ping",
                "export": f"{server.base}/api/v1/surveys/{data['campaign_id']}/results.xlsx"}
        budgets = {"ping": args.ping_requests, "export": args.requests}
        for name, url in urls.items():
            load(url, data["token"], args.connections, min(budgets[name], 4 if name == "export" else 200), 30)
        runs: dict[str, list[dict]] = {name: [] for name in urls}
        for round_number in range(args.rounds):
            for name in (list(urls) if round_number % 2 == 0 else list(reversed(urls))):
                result = load(urls[name], data["token"], args.connections, budgets[name], args.seconds)
                if result["errors"]:
                    raise SystemExit(f"{name}: {result['errors']} errors {result['error_statuses']}")
                runs[name].append(result)

    summary = {name: median_run(results) for name, results in runs.items()}
    ratios = [e["rps"] / p["rps"] for e, p in zip(runs["export"], runs["ping"], strict=True)]
    ratio = statistics.median(ratios)
    database = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    print(f"\nSurvey export: uvicorn × {args.workers}, {database}, {args.connections} connections, {args.rounds} "
          f"rounds, {args.questions} questions × {args.responses} responses, CPUs: {os.cpu_count()}\n")
    print("| endpoint | req/s (median) | rounds | p50 ms | p99 ms |")
    print("| --- | ---: | --- | ---: | ---: |")
    for name in ("ping", "export"):
        row = summary[name]
        print(f"| {name} | {row['rps_median']:.2f} | {', '.join(f'{v:.2f}' for v in row['rps_all'])} | "
              f"{row['p50_ms']} | {row['p99_ms']} |")
    print(f"\nexport ÷ ping: **{ratio:.4f}** (1 : {1 / ratio:.0f}; rounds {', '.join(f'{r:.4f}' for r in ratios)})")
    print(f"one export: {measured['queries']} SQL queries, {measured['bytes'] / 1024:.0f} KiB")
    path = write_result("evaluations-export", {"args": vars(args), "database": database, "runs": runs,
                                               "ratio": ratio, "measured": measured})
    print(f"raw results: {path}")


if __name__ == "__main__":
    main()
