"""Production on one machine: the layout of miniprogram_api/serving.py (nginx → an HTTP pool on a WSGI server and
a websocket pool on uvicorn), the WeChat outbox sender and the scheduler, supervised together.
Refuses to start with unapplied migrations."""

import os
import shutil
import sys
import tempfile

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from miniprogram_api import serving
from miniprogram_api.supervise import run_together


class Command(BaseCommand):
    help = "Serve in production: nginx, the HTTP pool, the websocket pool, the outbox sender and the scheduler."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "0") or 0),
                            help="HTTP workers (default: one per CPU core)")
        parser.add_argument("--ws-workers", type=int, default=int(os.environ.get("WS_CONCURRENCY", "2")),
                            help="websocket (board, judge, notification) worker processes")
        parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "0") or 0)
                            or serving.DEFAULT_HTTP_THREADS, help="threads per HTTP worker")
        parser.add_argument("--http-server", choices=serving.HTTP_SERVERS,
                            default=os.environ.get("HTTP_SERVER", serving.DEFAULT_HTTP_SERVER))
        parser.add_argument("--proxy", choices=["nginx", "none"], default=os.environ.get("PROXY", "nginx"),
                            help="nginx: run nginx on host:port in front of both pools (needs nginx installed); "
                                 "none: the HTTP pool on host:port, websockets on --ws-port, your proxy routes /ws/")
        parser.add_argument("--http-port", type=int, default=0, help="the HTTP pool's port behind nginx (default port+1)")
        parser.add_argument("--ws-port", type=int, default=0, help="the websocket pool's port (default port+2)")
        parser.add_argument("--print-nginx", action="store_true", help="print the nginx site for these ports and exit")
        parser.add_argument("--no-background", action="store_true",
                            help="only the web processes (run the outbox sender and scheduler elsewhere)")

    def handle(self, *args, host, port, workers, ws_workers, threads, http_server, proxy, http_port, ws_port,
               print_nginx, no_background, **options):
        workers = workers or os.cpu_count() or 1
        http_port, ws_port = http_port or port + 1, ws_port or port + 2
        if print_nginx:
            self.stdout.write(serving.nginx_config(listen=f"{host}:{port}", http_upstream=f"127.0.0.1:{http_port}",
                                                   ws_upstream=f"127.0.0.1:{ws_port}"))
            return
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            raise CommandError(f"{len(pending)} migration(s) not applied: run `python manage.py migrate` first")
        connection.close()
        if proxy == "nginx" and serving.nginx_binary() is None:
            raise CommandError("nginx is not installed (Debian: apt-get install nginx-light); or run with "
                               "--proxy none behind a proxy of your own (deploy/nginx.conf)")

        env = os.environ.copy()
        metrics_dir = env.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(prefix="shixun-metrics-")
        shutil.rmtree(metrics_dir, ignore_errors=True)  # stale files from a previous run would be summed
        os.makedirs(metrics_dir, exist_ok=True)
        env["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
        trusted = env.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
        commands = serving.layout(host=host, port=port, workers=workers, ws_workers=ws_workers, http_port=http_port,
                                  ws_port=ws_port, proxy=proxy, http_server=http_server, threads=threads,
                                  forwarded_allow_ips=trusted, prefix=tempfile.mkdtemp(prefix="shixun-nginx-"))
        # The HTTP pool's WSGI wrapper reads the trusted proxies from the environment (backend/wsgi.py).
        env["FORWARDED_ALLOW_IPS"] = ",".join(sorted({"127.0.0.1", *trusted.split(",")} - {""})) \
            if proxy == "nginx" else trusted
        if not no_background:
            commands += [("outbox", [sys.executable, "manage.py", "run_outbox"]),
                         ("scheduler", [sys.executable, "manage.py", "run_scheduler"])]
        where = (f"nginx on {host}:{port} → HTTP ({http_server} × {workers}) on :{http_port}, websockets "
                 f"(uvicorn × {ws_workers}, nice {serving.WS_NICE}) on :{ws_port}") if proxy == "nginx" else \
            f"HTTP ({http_server} × {workers}) on {host}:{port}, websockets (uvicorn × {ws_workers}) on {host}:{ws_port}"
        self.stdout.write(f"serving: {where} (metrics in {metrics_dir})")
        status = run_together(commands, env)
        if status:
            raise CommandError(f"a process exited with status {status}")
