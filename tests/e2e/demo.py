"""A demo server as `make run` starts it (fresh SQLite database, every demo seeded, the fake WeChat), for
tests that walk it from outside: the mini-program client's node test, `make tour`."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .servers import ROOT, free_port, server_env, stop, wait_until_up


@contextmanager
def demo_server(tmp: Path) -> Iterator[str]:
    port, wechat_port = free_port(), free_port()
    env = server_env(DATABASE_URL=f"sqlite:///{tmp}/demo.sqlite3", DEBUG="1", PORT=str(port))
    for key in ("REDIS_URL", "WECHAT_API_BASE"):
        env.pop(key, None)
    log = (tmp / "demo.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "run_demo", "--port", str(port), "--wechat-port", str(wechat_port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        # Migrating a fresh database and seeding every demo take ~25 s of CPU, minutes on a loaded machine.
        wait_until_up(f"{base}/healthz", proc, timeout=480)
        yield base
    finally:
        stop(proc)
        log.close()
