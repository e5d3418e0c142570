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

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ratio  # noqa: E402
from common import Server, write_result  # noqa: E402

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


def main() -> None:
    parser = ratio.parser("dashboard throughput ÷ trivial endpoint throughput", requests=60)
    parser.add_argument("--apprentices", type=int, default=500)
    parser.add_argument("--competencies", type=int, default=40)
    args = parser.parse_args()

    database_url, env, data = ratio.setup(f"APPRENTICES, COMPETENCIES = {args.apprentices}, {args.competencies}\n"
                                          + PREPARE)
    path = f"/api/v1/studios/{data['studio_id']}/dashboard"
    measured = ratio.measure(env, path, data["token"], '{"rows": body["count"], "counts": body["counts"]}')
    if measured["status"] != 200 or measured["rows"] != args.apprentices:
        raise SystemExit(f"unexpected dashboard answer: {measured}")

    with Server(env, args.workers) as server:
        urls = {"ping": f"{server.base}/api/v1/ping", "dashboard": server.base + path}
        runs = ratio.alternate(server, urls, data["token"],
                               budgets={"ping": args.ping_requests, "dashboard": args.requests},
                               connections=args.connections, seconds=args.seconds, rounds=args.rounds,
                               warmup={"ping": min(args.ping_requests, 400), "dashboard": min(args.requests, 20)})

    result, per_round = ratio.ratios(runs, "dashboard")
    database = ratio.database_of(database_url)
    print(f"\nDashboard benchmark: uvicorn × {args.workers} workers, {database}, {ratio.cache_of()} cache, "
          f"{args.connections} connections, {args.rounds} rounds (≤{args.requests} dashboards, ≤{args.ping_requests} "
          f"pings), {args.apprentices} apprentices × {args.competencies} competencies, CPUs: {os.cpu_count()}\n")
    ratio.print_table(runs, ("ping", "dashboard"))
    ratio.print_ratio("dashboard ÷ ping", result, per_round)
    print(f"one dashboard: {measured['queries']} SQL queries, {measured['bytes'] / 1024:.0f} KiB of JSON, "
          f"{measured['rows']} rows, RAG counts {measured['counts']}")
    written = write_result("dashboard", {"args": vars(args), "database": database, "cache": ratio.cache_of(),
                                         "runs": runs, "ratio": result, "measured": measured})
    print(f"raw results: {ratio.shown(written)}")


if __name__ == "__main__":
    main()
