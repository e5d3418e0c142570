"""`make serve-prod`'s command: nginx in front of an HTTP pool of several WSGI workers and a websocket
pool, metrics summed over every worker, the client address seen through nginx."""

import subprocess
import sys

import pytest
import requests

from .servers import ROOT, free_port, live_database_url, server_env, start_layout, stop, wait_until_up

pytestmark = [pytest.mark.e2e, pytest.mark.serial]


def test_serve_prod_runs_workers_and_aggregates_metrics(postgres, redis_url, tmp_path):
    port = free_port()
    env = server_env(DATABASE_URL=live_database_url(), PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"))
    proc = subprocess.Popen([sys.executable, "manage.py", "serve_prod", "--host", "127.0.0.1", "--port", str(port),
                             "--http-port", str(free_port()), "--ws-port", str(free_port()),
                             "--workers", "2", "--ws-workers", "1", "--no-background"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    proc.layout = True  # type: ignore[attr-defined]
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


def test_behind_nginx_the_phone_s_address_is_what_the_server_sees(postgres, redis_url):
    """Rate limits before login count per client address and /metrics is open only to private
    addresses: through nginx the HTTP pool must see the phone's address, not nginx's loopback."""
    env = server_env(DATABASE_URL=live_database_url(), RATE_LIMIT_LOGIN="2/60")
    proc = start_layout(env)
    base = f"http://127.0.0.1:{proc.port}"
    try:
        # nginx sets X-Forwarded-For to the peer it saw (loopback here): /metrics stays open to it.
        assert requests.get(f"{base}/metrics", timeout=5).status_code == 200
        # A forged X-Forwarded-For from the phone is not believed: nginx replaces it with the real peer.
        forged = {"X-Forwarded-For": "8.8.8.8"}
        assert requests.get(f"{base}/metrics", headers=forged, timeout=5).status_code == 200
        statuses = [requests.post(f"{base}/api/v1/auth/wechat-login", json={"code": f"c{n}"}, timeout=10,
                                  headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code for n in range(3)]
        assert statuses[-1] == 429, statuses  # one address for all three: the peer's, whatever they claim
    finally:
        stop(proc)
