"""Work-order reads as ratios of a trivial JSON endpoint on the same server and workers.

Starts the real ASGI server (uvicorn, N workers) on a throwaway database holding ORDERS work orders
across every state (each with its history), then — from a separate load-generator process, bounded in
requests and time — alternates rounds of:
  GET /api/v1/ping                           the cheapest authenticated API call: the baseline
  GET /api/v1/workorders?scope=pool          a worker's grab pool, 20 per page (count + page)
  GET /api/v1/workorders?scope=all&overdue=true   a dispatcher's overdue list, 20 per page
  GET /api/v1/workorders/{id}                one order with a 9-event history
and prints the median throughput of each and the ratios to ping.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shixun REDIS_URL=redis://127.0.0.1:6379/0 python bench/workorder_lists.py
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Server, bench_database_url, load, manage, median_run, run_python, server_env, write_result  # noqa: E402

PREPARE = """
import json, secrets, uuid
from datetime import timedelta
from django.utils import timezone
from accounts.models import OrgUnit, Role, User
from accounts.services import ensure_org_unit, grant_role, issue_token
from workorders import services as order_services
from workorders.models import WorkOrderCategory

suffix = secrets.token_hex(3)
bureau = ensure_org_unit(name="基准测试管理局", kind=OrgUnit.Kind.BUREAU)
studio = ensure_org_unit(name="基准测试工作室", kind=OrgUnit.Kind.STUDIO, parent=bureau)
def person(name, role):
    user = User.objects.create(username=f"{name}-{suffix}", display_name=name)
    if role:
        grant_role(user=user, role=role, org_unit=studio)
    return user
requester, dispatcher, worker = person("报修人", None), person("调度员", Role.DISPATCHER), person("维修工", Role.WORKER)
category = WorkOrderCategory.objects.create(name=f"空调漏水{suffix}", studio=studio)
start = timezone.now() - timedelta(days=2)
path = [("dispatch", dispatcher, {"assignee_id": worker.pk}), ("accept", worker, {}), ("arrive", worker, {}),
        ("start", worker, {}), ("hold", worker, {"reason": "等待配件"}), ("resume", worker, {}),
        ("complete", worker, {}), ("confirm", requester, {"rating": 5})]
detail_id = None
for n in range(ORDERS):
    at = start + timedelta(minutes=n)
    order, _ = order_services.report(requester=requester, client_id=str(uuid.uuid4()), category_id=category.pk,
                                     description="会议室空调漏水", urgency=["urgent", "normal", "low"][n % 3],
                                     location_text="2号楼305会议室", now=at)
    for step, (action, user, params) in enumerate(path[: n % (len(path) + 1)]):
        order_services.transition(user=user, order_id=order.pk, action=action, now=at + timedelta(minutes=step + 1),
                                  **params)
    if n % (len(path) + 1) == len(path):
        detail_id = order.pk
order_services.escalate_overdue()
print(json.dumps({"worker": issue_token(user=worker)[0], "dispatcher": issue_token(user=dispatcher)[0],
                  "detail_id": detail_id}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description="work-order reads ÷ trivial endpoint throughput")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--requests", type=int, default=1000, help="requests per round (bounded)")
    parser.add_argument("--seconds", type=float, default=10, help="time limit per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--orders", type=int, default=900, help="work orders in the database")
    args = parser.parse_args()

    database_url = bench_database_url()
    env = server_env(database_url)
    manage(env, "migrate", "--noinput", "-v", "0")
    data = json.loads(run_python(env, f"ORDERS = {args.orders}\n" + PREPARE).strip().splitlines()[-1])
    with Server(env, args.workers) as server:
        api = f"{server.base}/api/v1"
        targets = {
            "ping": (f"{api}/ping", data["worker"]),
            "pool": (f"{api}/workorders?scope=pool", data["worker"]),
            "overdue": (f"{api}/workorders?scope=all&overdue=true", data["dispatcher"]),
            "detail": (f"{api}/workorders/{data['detail_id']}", data["dispatcher"]),
        }
        for url, token in targets.values():  # warm up
            load(url, token, args.connections, 300, 10)
        runs: dict[str, list[dict]] = {name: [] for name in targets}
        for round_number in range(args.rounds):
            order = list(targets) if round_number % 2 == 0 else list(reversed(targets))
            for name in order:
                url, token = targets[name]
                result = load(url, token, args.connections, args.requests, args.seconds)
                if result["errors"]:
                    raise SystemExit(f"{name}: {result['errors']} errors {result['error_statuses']}")
                runs[name].append(result)

    summary = {name: median_run(results) for name, results in runs.items()}
    ratios = {name: statistics.median(r["rps"] / p["rps"] for r, p in zip(runs[name], runs["ping"], strict=True))
              for name in ("pool", "overdue", "detail")}
    database = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    cache = "Redis" if os.environ.get("REDIS_URL") else "local memory"
    print(f"\nWork-order benchmark: uvicorn × {args.workers} workers, {database}, {cache}, {args.connections} "
          f"connections, {args.rounds} rounds × ≤{args.requests} requests, {args.orders} orders, CPUs: {os.cpu_count()}\n")
    print("| endpoint | req/s (median) | rounds | p50 ms | p99 ms | ÷ ping |")
    print("| --- | ---: | --- | ---: | ---: | ---: |")
    for name in targets:
        row = summary[name]
        ratio = f"{ratios[name]:.2f}" if name in ratios else "1"
        print(f"| {name} | {row['rps_median']:.0f} | {', '.join(f'{v:.0f}' for v in row['rps_all'])} | "
              f"{row['p50_ms']} | {row['p99_ms']} | {ratio} |")
    path = write_result("workorders", {"args": vars(args), "database": database, "cache": cache, "runs": runs,
                                       "ratios": ratios})
    print(f"raw results: {path}")


if __name__ == "__main__":
    main()
