"""Scan-resolve throughput as a ratio of a trivial JSON endpoint on the same server and workers.

Starts the real ASGI server (uvicorn, N workers) on a throwaway database, creates a point with
several published procedures, then — from a separate load-generator process on loopback, bounded in
requests and time — alternates rounds of:
  GET /api/v1/ping          the cheapest authenticated API call (token lookup, ninja, JSON): the baseline
  GET /api/v1/scan/{code}   resolve, rate limit, open-run lookup, scan log insert
  GET /healthz              a bare Django view (no auth, no database), for reference
and prints the median throughput of each and the ratio scan ÷ ping (aim ≥ 0.6). Every scan is logged:
the script checks that the scan log grew by exactly the number of scans answered.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shixun REDIS_URL=redis://127.0.0.1:6379/0 python bench/scan.py
"""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ratio  # noqa: E402
from common import Server, run_python, write_result  # noqa: E402

PREPARE = """
import json, secrets
from decimal import Decimal
from accounts.models import OrgUnit, Role
from accounts.services import ensure_org_unit, grant_role, issue_token
from accounts.models import User
from standards import services
from standards.models import Procedure, Standard, Step

suffix = secrets.token_hex(3)
bureau = ensure_org_unit(name="基准测试管理局", kind=OrgUnit.Kind.BUREAU)
studio = ensure_org_unit(name="基准测试工作室", kind=OrgUnit.Kind.STUDIO, parent=bureau)
user = User.objects.create(username=f"bench-{suffix}", display_name="基准测试")
grant_role(user=user, role=Role.WORKER, org_unit=studio)
token, _ = issue_token(user=user)
standard, _ = Standard.objects.get_or_create(code="GB 50365-2019", defaults={
    "title": "空调通风系统运行管理标准", "level": "national", "category": "operations"})
types = [Step.Type.CHECK, Step.Type.NUMBER, Step.Type.CHOICE, Step.Type.METER, Step.Type.TEXT, Step.Type.PHOTO,
         Step.Type.SIGNATURE]
procedures = []
for n in range(PROCEDURES):
    procedure = Procedure.objects.create(standard=standard, code=f"BENCH-{suffix}-{n}", title=f"基准规程{n}",
                                         studio=studio)
    draft = services.create_draft(procedure=procedure)
    for s in range(STEPS):
        kind = types[s % len(types)]
        extra = {}
        if kind == Step.Type.NUMBER:
            extra = {"unit": "℃", "lower_limit": Decimal("6"), "upper_limit": Decimal("8")}
        elif kind == Step.Type.CHOICE:
            extra = {"options": [{"value": "ok", "label": "正常"}, {"value": "bad", "label": "异常", "verdict": "fail"}]}
        services.add_step(version=draft, title=f"步骤{s}", type=kind, instructions="按标准操作并记录。", **extra)
    services.publish_version(version=draft)
    procedures.append(procedure)
point = services.create_point(name="基准测试实操点", code=f"BENCH-{suffix}", studio=studio,
                              location_text="实训基地", procedures=procedures)
print(json.dumps({"token": token, "code": services.active_code(point).code, "point_id": point.pk,
                  "user_id": user.pk}))
"""

COUNT_SCANS = """
from practice.models import ScanLog
print(ScanLog.objects.filter(point_id=POINT, user_id=USER).count())
"""


def main() -> None:
    parser = ratio.parser("scan throughput ÷ trivial endpoint throughput", requests=1500, ping_requests=None,
                          seconds=15, connections=16)
    parser.add_argument("--procedures", type=int, default=3, help="procedures at the scanned point")
    parser.add_argument("--steps", type=int, default=12, help="steps per procedure")
    args = parser.parse_args()

    # Rate limits stay on (their cost is part of a scan) but high enough not to refuse the benchmark.
    database_url, env, data = ratio.setup(f"PROCEDURES, STEPS = {args.procedures}, {args.steps}\n" + PREPARE,
                                          RATE_LIMIT_SCAN="100000000/60")
    count = COUNT_SCANS.replace("POINT", str(data["point_id"])).replace("USER", str(data["user_id"]))

    with Server(env, args.workers) as server:
        urls = {
            "ping": f"{server.base}/api/v1/ping",
            "scan": f"{server.base}/api/v1/scan/{data['code']}",
            "healthz": f"{server.base}/healthz",
        }
        before: list[int] = []  # the scans logged once warmed up (the warm-up's scans are logged too)
        runs = ratio.alternate(server, urls, data["token"], budgets=dict.fromkeys(urls, args.requests),
                               connections=args.connections, seconds=args.seconds, rounds=args.rounds,
                               warmup=dict.fromkeys(urls, 400), warmed=lambda: before.append(int(run_python(env, count))))
        scans_logged = int(run_python(env, count)) - before[0]

    scans_sent = sum(r["requests"] for r in runs["scan"])
    result, round_ratios = ratio.ratios(runs, "scan")
    ratio_bare = statistics.median(s["rps"] / h["rps"] for s, h in zip(runs["scan"], runs["healthz"], strict=True))
    database = ratio.database_of(database_url)

    print(f"\nScan benchmark: uvicorn × {args.workers} workers, {database}, {ratio.cache_of()} cache, "
          f"{args.connections} connections, {args.rounds} rounds × ≤{args.requests} requests, {args.procedures} "
          f"procedures × {args.steps} steps at the point, CPUs: {os.cpu_count()}\n")
    ratio.print_table(runs, ("ping", "scan", "healthz"), digits=0)
    print(f"\nscan ÷ ping (authenticated JSON baseline): **{result:.2f}** (aim ≥ 0.6; median of the rounds "
          f"{', '.join(f'{r:.2f}' for r in round_ratios)})")
    print(f"scan ÷ healthz (bare view, no auth):        {ratio_bare:.2f}")
    print(f"scans answered {scans_sent}, scans logged {scans_logged}"
          f"{'' if scans_logged == scans_sent else '  <-- MISMATCH'}")
    written = write_result("scan", {"args": vars(args), "database": database, "cache": ratio.cache_of(), "runs": runs,
                                    "ratio": result, "ratio_healthz": ratio_bare, "scans_sent": scans_sent,
                                    "scans_logged": scans_logged})
    print(f"raw results: {ratio.shown(written)}")
    if scans_logged != scans_sent:
        raise SystemExit("not every scan was logged")


if __name__ == "__main__":
    main()
