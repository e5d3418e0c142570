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

import os
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ratio  # noqa: E402
from common import Server, write_result  # noqa: E402

PREPARE = """
import json
from accounts.services import issue_token
from tests.supervision.bulk import populate

data = populate(units=UNITS, days=DAYS, runs_per_unit=RUNS, tag="bench")
token, _ = issue_token(user=data["supervisor"])
print(json.dumps({"token": token, "unit_id": data["bureau"].pk}))
"""


def main() -> None:
    parser = ratio.parser("overview throughput ÷ trivial endpoint throughput", requests=30)
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs-per-unit", type=int, default=300)
    args = parser.parse_args()

    database_url, env, data = ratio.setup(f"UNITS, DAYS, RUNS = {args.units}, {args.days}, {args.runs_per_unit}\n"
                                          + PREPARE)
    since = (date.today() - timedelta(days=args.days - 1)).isoformat()
    path = f"/api/v1/supervision/overview?unit={data['unit_id']}&from={since}"
    measured = ratio.measure(env, path, data["token"],
                             '{"rows": len(body["units"]), "runs": body["total"]["practice"]["runs"]}')
    if measured["status"] != 200 or measured["rows"] < args.units:
        raise SystemExit(f"unexpected overview answer: {measured}")

    with Server(env, args.workers) as server:
        urls = {"ping": f"{server.base}/api/v1/ping", "overview": server.base + path}
        runs = ratio.alternate(server, urls, data["token"], budgets={"ping": args.ping_requests, "overview": args.requests},
                               connections=args.connections, seconds=args.seconds, rounds=args.rounds,
                               warmup={"ping": min(args.ping_requests, 400), "overview": min(args.requests, 10)})

    result, per_round = ratio.ratios(runs, "overview")
    database = ratio.database_of(database_url)
    print(f"\nSupervision overview benchmark: uvicorn × {args.workers} workers, {database}, {ratio.cache_of()} cache, "
          f"{args.connections} connections, {args.rounds} rounds (≤{args.requests} overviews, ≤{args.ping_requests} "
          f"pings), {args.units} units × {args.days} days ({measured['runs']} runs), CPUs: {os.cpu_count()}\n")
    ratio.print_table(runs, ("ping", "overview"))
    ratio.print_ratio("overview ÷ ping", result, per_round)
    print(f"one overview: {measured['queries']} SQL queries, {measured['bytes'] / 1024:.0f} KiB of JSON, "
          f"{measured['rows']} units")
    written = write_result("supervision", {"args": vars(args), "database": database, "cache": ratio.cache_of(),
                                           "runs": runs, "ratio": result, "measured": measured})
    print(f"raw results: {ratio.shown(written)}")


if __name__ == "__main__":
    main()
