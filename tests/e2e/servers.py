"""Start real server processes for end-to-end tests: the demo runner, uvicorn workers."""

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
