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
    parser = argparse.ArgumentParser(description="scan throughput ÷ trivial endpoint throughput")
    parser.add_argument("--workers", type=int, default=1,
                        help="uvicorn worker processes (default 1: leaves a core to PostgreSQL, Redis and the load)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent keep-alive connections")
    parser.add_argument("--requests", type=int, default=1500, help="requests per round (bounded)")
    parser.add_argument("--seconds", type=float, default=15, help="time limit per round")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per endpoint")
    parser.add_argument("--procedures", type=int, default=3, help="procedures at the scanned point")
    parser.add_argument("--steps", type=int, default=12, help="steps per procedure")
    args = parser.parse_args()

    database_url = bench_database_url()
    # Rate limits stay on (their cost is part of a scan) but high enough not to refuse the benchmark.
    env = server_env(database_url, RATE_LIMIT_SCAN="100000000/60")
    manage(env, "migrate", "--noinput", "-v", "0")
    data = json.loads(run_python(env, f"PROCEDURES, STEPS = {args.procedures}, {args.steps}\n" + PREPARE))
    count = COUNT_SCANS.replace("POINT", str(data["point_id"])).replace("USER", str(data["user_id"]))

    with Server(env, args.workers) as server:
        urls = {
            "ping": f"{server.base}/api/v1/ping",
            "scan": f"{server.base}/api/v1/scan/{data['code']}",
            "healthz": f"{server.base}/healthz",
        }
        for url in urls.values():  # warm up every worker, connection pool and cache
            load(url, data["token"], args.connections, 400, 10)
        scans_before = int(run_python(env, count))
        meter = CpuMeter(server)  # after the warm-up: the pool's database connections exist now
        runs: dict[str, list[dict]] = {name: [] for name in urls}
        for round_number in range(args.rounds):
            # Alternate the order so that a drift in the machine's load favours neither endpoint.
            order = list(urls) if round_number % 2 == 0 else list(reversed(urls))
            for name in order:
                before = meter.sample()
                result = load(urls[name], data["token"], args.connections, args.requests, args.seconds)
                after = meter.sample()
                if result["errors"]:
                    raise SystemExit(f"{name}: {result['errors']} errors {result['error_statuses']}")
                result["cpu_ms_per_request"] = {
                    part: round((after[part] - before[part]) * 1000 / max(result["requests"], 1), 2)
                    for part in after
                }
                runs[name].append(result)
        scans_logged = int(run_python(env, count)) - scans_before

    summary = {name: median_run(results) for name, results in runs.items()}
    scans_sent = sum(r["requests"] for r in runs["scan"])
    # Each round's ratio compares runs made side by side; the headline is their median.
    round_ratios = [s["rps"] / p["rps"] for s, p in zip(runs["scan"], runs["ping"], strict=True)]
    ratio = statistics.median(round_ratios)
    ratio_bare = statistics.median(s["rps"] / h["rps"] for s, h in zip(runs["scan"], runs["healthz"], strict=True))
    database = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    cache = "Redis" if os.environ.get("REDIS_URL") else "local memory"

    print(f"\nScan benchmark: uvicorn × {args.workers} workers, {database}, {cache} cache, {args.connections} "
          f"connections, {args.rounds} rounds × ≤{args.requests} requests, {args.procedures} procedures × "
          f"{args.steps} steps at the point, CPUs: {os.cpu_count()}\n")
    print("| endpoint | req/s (median) | rounds | p50 ms | p99 ms | CPU ms/request: server · PostgreSQL · Redis |")
    print("| --- | ---: | --- | ---: | ---: | --- |")
    for name in ("ping", "scan", "healthz"):
        row = summary[name]
        cpu = {part: statistics.median(r["cpu_ms_per_request"][part] for r in runs[name])
               for part in ("server", "postgres", "redis")}
        print(f"| {name} | {row['rps_median']:.0f} | {', '.join(f'{v:.0f}' for v in row['rps_all'])} | "
              f"{row['p50_ms']} | {row['p99_ms']} | {cpu['server']:.2f} · {cpu['postgres']:.2f} · "
              f"{cpu['redis']:.2f} |")
    print(f"\nscan ÷ ping (authenticated JSON baseline): **{ratio:.2f}** (aim ≥ 0.6; median of the rounds "
          f"{', '.join(f'{r:.2f}' for r in round_ratios)})")
    print(f"scan ÷ healthz (bare view, no auth):        {ratio_bare:.2f}")
    print(f"scans answered {scans_sent}, scans logged {scans_logged}"
          f"{'' if scans_logged == scans_sent else '  <-- MISMATCH'}")
    path = write_result("scan", {"args": vars(args), "database": database, "cache": cache, "runs": runs,
                                 "ratio": ratio, "ratio_healthz": ratio_bare, "scans_sent": scans_sent,
                                 "scans_logged": scans_logged})
    print(f"raw results: {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    if scans_logged != scans_sent:
        raise SystemExit("not every scan was logged")


if __name__ == "__main__":
    main()
