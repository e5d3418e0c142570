"""The shape every "endpoint ÷ ping" benchmark shares (dashboard, scan, supervision, evaluations_export):
the common arguments, a throwaway database migrated and filled by a child process, one request measured
in a separate process (status, SQL queries, bytes), alternating bounded rounds against the real server
with the CPU each part used, and the summary table with the median of the per-round ratios.

A benchmark script keeps only what is its own: the data it prepares, the URL it loads, what it checks in
the answer and the lines it prints about it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from collections.abc import Callable
from pathlib import Path

from common import CpuMeter, Server, bench_database_url, load, manage, median_run, run_python, server_env

PARTS = ("server", "postgres", "redis")

# Child-process code: GET PATH as TOKEN once, counting SQL queries; EXTRA is a dict expression over `body`
# (the parsed JSON answer) or `response`, merged into what is printed.
MEASURE = """
import json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

client = Client(HTTP_HOST="127.0.0.1")
with CaptureQueriesContext(connection) as queries:
    response = client.get(PATH, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
body = response.json() if response.get("Content-Type", "").startswith("application/json") else None
print(json.dumps({"status": response.status_code, "queries": len(queries), "bytes": len(response.content),
                  **(EXTRA)}))
"""


def parser(description: str, *, requests: int, ping_requests: int | None = 1500, seconds: float = 30,
           rounds: int = 5, connections: int = 4) -> argparse.ArgumentParser:
    """The arguments every ratio benchmark takes (a script adds its own data-size arguments)."""
    out = argparse.ArgumentParser(description=description)
    out.add_argument("--workers", type=int, default=1,
                     help="uvicorn worker processes (default 1: leaves a core to PostgreSQL, Redis and the load)")
    out.add_argument("--connections", type=int, default=connections, help="concurrent keep-alive connections")
    out.add_argument("--requests", type=int, default=requests, help="requests of the measured endpoint per round")
    if ping_requests is not None:
        out.add_argument("--ping-requests", type=int, default=ping_requests, help="ping requests per round (bounded)")
    out.add_argument("--seconds", type=float, default=seconds, help="time limit per round")
    out.add_argument("--rounds", type=int, default=rounds, help="alternating rounds per endpoint")
    return out


def setup(prepare: str, *, in_place: bool = False, **extra_env: str) -> tuple[str, dict[str, str], dict]:
    """A fresh bench database (or DATABASE_URL itself with `in_place`), migrated, filled by `prepare`
    (child-process code printing one JSON object): (database_url, env, that object)."""
    database_url = os.environ["DATABASE_URL"] if in_place else bench_database_url()
    env = server_env(database_url, **extra_env)
    manage(env, "migrate", "--noinput", "-v", "0")
    return database_url, env, json.loads(run_python(env, prepare))


def measure(env: dict[str, str], path: str, token: str, extra: str = "{}") -> dict:
    """One request in a separate process: status, SQL queries, bytes, and `extra` (see MEASURE)."""
    code = f"PATH, TOKEN = {path!r}, {token!r}\n" + MEASURE.replace("EXTRA", extra)
    return json.loads(run_python(env, code))


def alternate(server: Server, urls: dict[str, str], token: str, *, budgets: dict[str, int], connections: int,
              seconds: float, rounds: int, warmup: dict[str, int], cpu: bool = True,
              warmed: Callable[[], None] | None = None) -> dict[str, list[dict]]:
    """Warm every URL up (then call `warmed`), then `rounds` rounds of every URL, alternating the order (a
    drift in the machine's load favours none), each bounded in requests and time; with `cpu`, each run's CPU
    ms per request."""
    for name, url in urls.items():  # warm up every worker, the connection pool and the caches
        load(url, token, connections, warmup[name], 30)
    if warmed is not None:
        warmed()
    meter = CpuMeter(server) if cpu else None  # after the warm-up: the pool's database connections exist now
    runs: dict[str, list[dict]] = {name: [] for name in urls}
    for round_number in range(rounds):
        for name in (list(urls) if round_number % 2 == 0 else list(reversed(urls))):
            before = meter.sample() if meter else None
            result = load(urls[name], token, connections, budgets[name], seconds)
            if result["errors"]:
                raise SystemExit(f"{name}: {result['errors']} errors {result['error_statuses']}")
            if meter and before is not None:
                after = meter.sample()
                result["cpu_ms_per_request"] = {
                    part: round((after[part] - before[part]) * 1000 / max(result["requests"], 1), 2) for part in after}
            runs[name].append(result)
    return runs


def ratios(runs: dict[str, list[dict]], name: str, baseline: str = "ping") -> tuple[float, list[float]]:
    """Each round's throughput ratio (runs made side by side) and their median, the headline."""
    per_round = [r["rps"] / b["rps"] for r, b in zip(runs[name], runs[baseline], strict=True)]
    return statistics.median(per_round), per_round


def database_of(database_url: str) -> str:
    return "PostgreSQL" if database_url.startswith("postgres") else "SQLite"


def cache_of() -> str:
    return "Redis" if os.environ.get("REDIS_URL") else "local memory"


def print_table(runs: dict[str, list[dict]], names: tuple[str, ...], *, digits: int = 1) -> dict[str, dict]:
    """The markdown table of median throughput, latencies and (when measured) CPU per request."""
    summary = {name: median_run(results) for name, results in runs.items()}
    with_cpu = all("cpu_ms_per_request" in r for name in names for r in runs[name])
    print("| endpoint | req/s (median) | rounds | p50 ms | p99 ms |"
          + (" CPU ms/request: server · PostgreSQL · Redis |" if with_cpu else ""))
    print("| --- | ---: | --- | ---: | ---: |" + (" --- |" if with_cpu else ""))
    for name in names:
        row = summary[name]
        line = (f"| {name} | {row['rps_median']:.{digits}f} | {', '.join(f'{v:.{digits}f}' for v in row['rps_all'])} | "
                f"{row['p50_ms']} | {row['p99_ms']} |")
        if with_cpu:
            cpu = {part: statistics.median(r["cpu_ms_per_request"][part] for r in runs[name]) for part in PARTS}
            line += f" {cpu['server']:.2f} · {cpu['postgres']:.2f} · {cpu['redis']:.2f} |"
        print(line)
    return summary


def print_ratio(label: str, ratio: float, per_round: list[float]) -> None:
    print(f"\n{label}: **{ratio:.4f}** (1 : {1 / ratio:.0f}; median of the rounds "
          f"{', '.join(f'{r:.4f}' for r in per_round)})")


def shown(path: Path) -> str:
    return str(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)
