"""`make serve-prod`'s command: several uvicorn workers on one port, metrics summed over workers."""

import subprocess
import sys

import pytest
import requests

from .servers import ROOT, free_port, live_database_url, server_env, stop, wait_until_up

pytestmark = pytest.mark.e2e


def test_serve_prod_runs_workers_and_aggregates_metrics(postgres, redis_url, tmp_path):
    port = free_port()
    env = server_env(DATABASE_URL=live_database_url(), PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"))
    proc = subprocess.Popen([sys.executable, "manage.py", "serve_prod", "--host", "127.0.0.1", "--port", str(port),
                             "--workers", "2", "--no-background"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/healthz", proc, timeout=60)
        for _ in range(40):
            with requests.Session() as session:  # a new connection each time spreads over the workers
                assert session.get(f"{base}/api/v1/me", timeout=5).status_code == 401
        text = requests.get(f"{base}/metrics", timeout=5).text
        total = sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                    if line.startswith("shixun_http_request_duration_seconds_count")
                    and 'route="/api/v1/me"' in line)
        assert total == 40  # counted across both workers, whichever one answered the scrape
        assert requests.get(f"{base}/readyz", timeout=5).json()["checks"] == {"database": "ok", "redis": "ok"}
    finally:
        stop(proc)
