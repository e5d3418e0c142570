"""Shared plumbing for benchmarks: a throwaway database, the real uvicorn server, the load generator.

Benchmarks never touch the database named in DATABASE_URL: with PostgreSQL they use `<name>_bench` on
the same server (dropped and created afresh each run); without DATABASE_URL, a temporary SQLite file.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg
        from psycopg import sql

        parsed = urlparse(url)
        name = parsed.path.lstrip("/") + "_bench"
        with psycopg.connect(parsed._replace(path="/postgres").geturl(), autocommit=True) as conn:
            # A fresh database each run: every figure starts from the same (empty) tables.
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return parsed._replace(path="/" + name).geturl()
    return f"sqlite:///{tempfile.mkdtemp(prefix='shixun-bench-')}/bench.sqlite3"


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    env = os.environ.copy()
    env.update({
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-secret-key-not-for-production-0123456789abcdef",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "REDIS_KEY_PREFIX": f"shixun-bench-{os.getpid()}",
        "MEDIA_ROOT": tempfile.mkdtemp(prefix="shixun-bench-media-"),
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def run_python(env: dict[str, str], code: str) -> str:
    """Run Django code in a child process (with the bench environment); return its stdout."""
    prelude = "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'backend.settings'); django.setup()\n"
    result = subprocess.run([PYTHON, "-c", prelude + code], cwd=ROOT, env=env, check=True, capture_output=True,
                            text=True)
    return result.stdout


class Server:
    """A real server as a process group: by default uvicorn serving backend.asgi with N workers; `argv`
    gives any other command (miniprogram_api/serving.py builds them: the production layout's pools, the
    outside baselines). `{port}` in argv is replaced by a free port."""

    def __init__(self, env: dict[str, str], workers: int = 1, argv: list[str] | None = None,
                 health: str = "/healthz", name: str = "server", port: int | None = None):
        from miniprogram_api.serving import asgi_command

        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.name = name
        if argv is None:
            argv = asgi_command(host="127.0.0.1", port=self.port, workers=workers)
        argv = [a.replace("{port}", str(self.port)) for a in argv]
        # The log goes to a file: an undrained pipe fills up and blocks a chatty server.
        self.log = tempfile.NamedTemporaryFile(prefix=f"shixun-bench-{name}-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self.log,
                                     start_new_session=True)
        deadline = time.time() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{name} exited: {Path(self.log.name).read_text()[-2000:]}")
            try:
                if urlopen(self.base + health, timeout=1).status == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline:
                raise TimeoutError(f"{name} did not start")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _cpu_seconds(pids: list[str]) -> float:
    ticks = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime + stime
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def _pids(*pgrep_args: str) -> list[str]:
    try:
        return subprocess.run(["pgrep", *pgrep_args], capture_output=True, text=True).stdout.split()
    except FileNotFoundError:
        return []


class CpuMeter:
    """CPU seconds used by the server's processes and by local PostgreSQL and Redis processes (Linux
    /proc), to say where a request's cost goes. Services on other hosts count as zero."""

    def __init__(self, server: Server):
        self.groups = {
            "server": _pids("-g", str(os.getpgid(server.proc.pid))),
            "postgres": _pids("-x", "postgres"),  # the postmaster and every backend
            "redis": _pids("-x", "redis-server"),
        }

    def sample(self) -> dict[str, float]:
        return {name: _cpu_seconds(pids) for name, pids in self.groups.items()}


def load(url: str | list[str], token: str = "", connections: int = 16, requests: int = 3000, seconds: float = 15,
         body: str | None = None) -> dict:
    """One load run from a separate process (bench/load.py); a POST when `body` is given."""
    urls = [url] if isinstance(url, str) else url
    argv = [PYTHON, str(ROOT / "bench" / "load.py"), *(f"--url={u}" for u in urls), f"--token={token}",
            "--connections", str(connections), "--requests", str(requests), "--seconds", str(seconds)]
    if body is not None:
        argv.append(f"--body={body}")
    result = subprocess.run(argv, check=True, capture_output=True, text=True)
    return json.loads(result.stdout)


def median_run(runs: list[dict]) -> dict:
    """The run with the median throughput (its latencies come with it)."""
    ordered = sorted(runs, key=lambda r: r["rps"])
    middle = ordered[len(ordered) // 2]
    return {**middle, "rps_all": [r["rps"] for r in runs], "rps_median": statistics.median(r["rps"] for r in runs)}


def write_result(name: str, data: dict) -> Path:
    folder = ROOT / "bench" / "results"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2))
    return path
