"""Start real server processes for end-to-end tests: the production layout as `serve_prod` runs it
(nginx, the HTTP pool, the websocket pool), single uvicorn processes (the demo's layout)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen | None = None, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


def server_env(**extra: str) -> dict[str, str]:
    """The test process's environment for a child server (same database and Redis), plus extras."""
    env = os.environ.copy()
    env.setdefault("SECRET_KEY", "e2e-test-secret-key-not-for-production-0123456789")
    # Production settings otherwise, but plain HTTP on loopback (no TLS proxy in front in tests).
    env.setdefault("SECURE_SSL_REDIRECT", "0")
    env.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    # Share the test process's cache and channel-layer namespace, so news crosses between them.
    from django.conf import settings

    env.setdefault("REDIS_KEY_PREFIX", settings.REDIS_KEY_PREFIX)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def stop(proc: subprocess.Popen, timeout: float = 15) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if getattr(proc, "layout", False):
        kill_layout(proc)  # whatever of the layout outlived its supervisor


def kill_layout(proc: subprocess.Popen) -> None:
    """SIGKILL every process of a layout at once (its own session): a machine that simply dies."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def start_layout(env: dict[str, str], *, workers: int = 1, ws_workers: int = 1) -> subprocess.Popen:
    """The production layout, started the way `make serve-prod` starts it (`manage.py serve_prod`, which
    builds it with miniprogram_api/serving.py): nginx on `.port` routing /ws/ to uvicorn and the rest to the
    WSGI pool. Needs Debian's nginx (in .ci/run's DEB_PACKAGES)."""
    from miniprogram_api.serving import nginx_binary

    if nginx_binary() is None:
        import pytest

        pytest.fail("nginx is not installed (Debian nginx-light; .ci/run installs it)")
    port, http_port, ws_port = free_port(), free_port(), free_port()
    env = {**env, "PROMETHEUS_MULTIPROC_DIR": tempfile.mkdtemp(prefix="shixun-e2e-metrics-")}
    log = tempfile.NamedTemporaryFile(prefix=f"layout-{port}-", suffix=".log", delete=False)
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "serve_prod", "--host", "127.0.0.1", "--port", str(port), "--http-port",
         str(http_port), "--ws-port", str(ws_port), "--workers", str(workers), "--ws-workers", str(ws_workers),
         "--no-background"],
        cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
    proc.layout, proc.port, proc.log_path = True, port, log.name  # type: ignore[attr-defined]
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", proc)
        wait_until_up(f"http://127.0.0.1:{ws_port}/healthz", proc)  # the websocket pool is up too
    except BaseException:
        stop(proc)
        raise
    return proc


def start_uvicorn(port: int, env: dict[str, str], workers: int = 1) -> subprocess.Popen:
    # The server's log goes to a file, never to an undrained pipe: a server that logs a lot (an outage
    # test) would block on a full pipe and look hung.
    log = tempfile.NamedTemporaryFile(prefix=f"uvicorn-{port}-", suffix=".log", delete=False)
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "backend.asgi:application", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers), "--no-access-log"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log,
    )
    wait_until_up(f"http://127.0.0.1:{port}/healthz", proc)
    return proc


def live_database_url() -> str:
    """The URL of the database the test process uses, for child servers that must share its data."""
    from django.db import connection

    conf = connection.settings_dict
    if conf["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{conf['NAME']}" if conf["NAME"].startswith("/") else f"sqlite:///{ROOT / conf['NAME']}"
    auth = conf["USER"] + (f":{conf['PASSWORD']}" if conf["PASSWORD"] else "")
    return f"postgres://{auth}@{conf['HOST'] or '127.0.0.1'}:{conf['PORT'] or 5432}/{conf['NAME']}"
