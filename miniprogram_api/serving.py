"""How Shixun is served: the one place that builds server command lines, used by `serve_prod`, the demo
(`run_demo`), the end-to-end tests and the benchmarks, so that what is measured and tested is what runs.

Production layout (docs/OPERATIONS.md, ADR 0050), chosen by measurement (docs/PERFORMANCE.md):
- **HTTP pool**: the WSGI application (backend/wsgi.py) on granian's WSGI server (`--http-server` picks
  another), one worker per core. Sync Django under WSGI pays no sync/async bridge at all.
- **Websocket pool**: the ASGI application (backend/asgi.py, channels) on uvicorn, run `nice`d so that a
  broadcast storm yields the CPU to the API (the board fan-out is latency-tolerant, a scan is not).
- **nginx** in front routes `/ws/` to the websocket pool and everything else to the HTTP pool
  (`nginx_config()` renders the documented file; `serve_prod --proxy nginx` runs it).

The demo runs the ASGI application alone on one address (one process, HTTP and websockets): with
`backend.middleware.OneThreadHop` its HTTP is within reach of the WSGI pool and nothing is installed.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

HTTP_SERVERS = ("granian-wsgi", "gunicorn-gthread", "gunicorn-sync", "granian-asgi", "uvicorn")
DEFAULT_HTTP_SERVER = "granian-wsgi"
DEFAULT_HTTP_THREADS = 16  # per worker (granian's blocking threads, gthread's threads): requests waiting
# on PostgreSQL or Redis let others run
WS_NICE = 10  # the websocket pool's scheduling niceness (≈ 1/10 of the API's CPU weight when both want it)


def http_command(*, host: str, port: int, workers: int, server: str = DEFAULT_HTTP_SERVER,
                 threads: int = DEFAULT_HTTP_THREADS, app: str = "backend.wsgi:application",
                 forwarded_allow_ips: str = "127.0.0.1") -> list[str]:
    """argv of the HTTP pool. `app` is a WSGI callable for the WSGI servers, an ASGI one for uvicorn."""
    if server.startswith("gunicorn"):
        kind = server.split("-", 1)[1]
        argv = [sys.executable, "-m", "gunicorn", app, "--bind", f"{host}:{port}", "--workers", str(workers),
                "--worker-class", kind, "--graceful-timeout", "20", "--keep-alive", "75",
                "--forwarded-allow-ips", forwarded_allow_ips, "--log-level", "warning",
                "--worker-tmp-dir", "/dev/shm" if os.path.isdir("/dev/shm") else "/tmp"]
        if kind == "gthread":
            argv += ["--threads", str(threads)]
        return argv
    if server == "granian-wsgi":
        return [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", host, "--port", str(port),
                "--workers", str(workers), "--blocking-threads", str(threads), "--no-ws", "--log-level",
                "warning", "--workers-kill-timeout", "20", app]
    if server == "granian-asgi":
        return [sys.executable, "-m", "granian", "--interface", "asgi", "--host", host, "--port", str(port),
                "--workers", str(workers), "--log-level", "warning", app]
    if server == "uvicorn":
        return asgi_command(host=host, port=port, workers=workers, app=app, forwarded_allow_ips=forwarded_allow_ips)
    raise ValueError(f"unknown HTTP server {server!r} (one of {', '.join(HTTP_SERVERS)})")


def asgi_command(*, host: str, port: int, workers: int = 1, app: str = "backend.asgi:application",
                 forwarded_allow_ips: str = "127.0.0.1", nice: int = 0) -> list[str]:
    """argv of uvicorn serving the ASGI application (the websocket pool; the whole demo)."""
    argv = [sys.executable, "-m", "uvicorn", app, "--host", host, "--port", str(port), "--workers", str(workers),
            "--proxy-headers", "--forwarded-allow-ips", forwarded_allow_ips, "--no-access-log",
            "--timeout-graceful-shutdown", "20", "--log-level", "warning"]
    if nice and shutil.which("nice"):
        argv = ["nice", "-n", str(nice), *argv]
    return argv


NGINX_TEMPLATE = ROOT / "deploy" / "nginx.conf"


def nginx_config(*, listen: str, http_upstream: str, ws_upstream: str, prefix: str | None = None,
                 static_root: str | None = None) -> str:
    """The documented nginx site (deploy/nginx.conf) with its addresses filled in. With `prefix`, a whole
    nginx.conf that runs unprivileged in the foreground with every path under `prefix` (what
    `serve_prod --proxy nginx` and the end-to-end tests run)."""
    site = (NGINX_TEMPLATE.read_text().replace("@LISTEN@", listen).replace("@HTTP_UPSTREAM@", http_upstream)
            .replace("@WS_UPSTREAM@", ws_upstream))
    if prefix is None:
        return site
    body = "\n".join("    " + line if line else "" for line in site.splitlines())
    return f"""daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
{body}
}}
"""


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)


def nginx_command(prefix: str, config: str) -> list[str]:
    """Write the full config under `prefix` and return the argv that runs nginx on it in the foreground."""
    binary = nginx_binary()
    if binary is None:
        raise FileNotFoundError("nginx is not installed (Debian: apt-get install nginx-light)")
    os.makedirs(prefix, exist_ok=True)
    path = os.path.join(prefix, "nginx.conf")
    with open(path, "w") as handle:
        handle.write(config)
    return [binary, "-p", prefix, "-c", path, "-e", "stderr"]


def layout(*, host: str, port: int, workers: int, ws_workers: int, http_port: int, ws_port: int,
           proxy: str = "nginx", http_server: str = DEFAULT_HTTP_SERVER, threads: int = DEFAULT_HTTP_THREADS,
           forwarded_allow_ips: str = "127.0.0.1", prefix: str | None = None,
           ws_nice: int = WS_NICE) -> list[tuple[str, list[str]]]:
    """The production layout as (name, argv) pairs for miniprogram_api.supervise.run_together.

    proxy="nginx": nginx on host:port, the pools on 127.0.0.1:http_port and 127.0.0.1:ws_port.
    proxy="none": the HTTP pool on host:port and the websocket pool on host:ws_port (a proxy of your own
    routes /ws/ there, as deploy/nginx.conf does)."""
    if proxy == "nginx":
        pool_host, http_at = "127.0.0.1", http_port
        trusted = ",".join(sorted({"127.0.0.1", *forwarded_allow_ips.split(",")} - {""}))
    elif proxy == "none":
        pool_host, http_at, trusted = host, port, forwarded_allow_ips
    else:
        raise ValueError(f"proxy must be nginx or none, not {proxy!r}")
    commands = [
        ("http", http_command(host=pool_host, port=http_at, workers=workers, server=http_server, threads=threads,
                              forwarded_allow_ips=trusted)),
        ("ws", asgi_command(host=pool_host, port=ws_port, workers=ws_workers, forwarded_allow_ips=trusted,
                            nice=ws_nice)),
    ]
    if proxy == "nginx":
        prefix = prefix or os.path.join(os.environ.get("TMPDIR", "/tmp"), f"shixun-nginx-{port}")
        config = nginx_config(listen=f"{host}:{port}", http_upstream=f"127.0.0.1:{http_port}",
                              ws_upstream=f"127.0.0.1:{ws_port}", prefix=prefix)
        commands.insert(0, ("nginx", nginx_command(prefix, config)))
    return commands
