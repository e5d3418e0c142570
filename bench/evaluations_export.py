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

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ratio  # noqa: E402
from common import Server, write_result  # noqa: E402

PREPARE = """
import json, uuid
from accounts.services import issue_token
from tests.evaluations.bulk import populate

data = populate(questions=QUESTIONS, responses=RESPONSES, tag="bench-" + uuid.uuid4().hex[:6])
token, _ = issue_token(user=data["organiser"])
print(json.dumps({"token": token, "campaign_id": data["campaign"].pk}))
"""


def main() -> None:
    parser = ratio.parser("survey xlsx export throughput ÷ ping throughput", requests=20, ping_requests=1000,
                          seconds=60, rounds=3, connections=2)
    parser.add_argument("--questions", type=int, default=30)
    parser.add_argument("--responses", type=int, default=700)
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--in-place", action="store_true", help="use DATABASE_URL itself, not a fresh copy")
    args = parser.parse_args()

    database_url, env, data = ratio.setup(f"QUESTIONS, RESPONSES = {args.questions}, {args.responses}\n" + PREPARE,
                                          in_place=args.in_place)
    path = f"/api/v1/surveys/{data['campaign_id']}/results.xlsx"
    measured = ratio.measure(env, path, data["token"])
    if measured["status"] != 200:
        raise SystemExit(f"unexpected export answer: {measured}")

    with Server(env, args.workers, port=args.port) as server:
        urls = {"ping": f"{server.base}/api/v1/ping", "export": server.base + path}
        runs = ratio.alternate(server, urls, data["token"], budgets={"ping": args.ping_requests, "export": args.requests},
                               connections=args.connections, seconds=args.seconds, rounds=args.rounds,
                               warmup={"ping": min(args.ping_requests, 200), "export": min(args.requests, 4)}, cpu=False)

    result, per_round = ratio.ratios(runs, "export")
    database = ratio.database_of(database_url)
    print(f"\nSurvey export: uvicorn × {args.workers}, {database}, {args.connections} connections, {args.rounds} "
          f"rounds, {args.questions} questions × {args.responses} responses, CPUs: {os.cpu_count()}\n")
    ratio.print_table(runs, ("ping", "export"), digits=2)
    ratio.print_ratio("export ÷ ping", result, per_round)
    print(f"one export: {measured['queries']} SQL queries, {measured['bytes'] / 1024:.0f} KiB")
    written = write_result("evaluations-export", {"args": vars(args), "database": database, "runs": runs,
                                                  "ratio": result, "measured": measured})
    print(f"raw results: {ratio.shown(written)}")


if __name__ == "__main__":
    main()
