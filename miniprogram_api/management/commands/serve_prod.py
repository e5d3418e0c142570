"""Production: N uvicorn workers on one port (uvicorn's own process manager), the WeChat outbox sender
and the scheduler, supervised together. Refuses to start with unapplied migrations."""

import os
import shutil
import sys
import tempfile

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from miniprogram_api.supervise import run_together


class Command(BaseCommand):
    help = "Serve in production: uvicorn workers + outbox sender + scheduler."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "4")))
        parser.add_argument("--no-background", action="store_true",
                            help="only the web workers (run the outbox sender and scheduler elsewhere)")

    def handle(self, *args, host, port, workers, no_background, **options):
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            raise CommandError(f"{len(pending)} migration(s) not applied: run `python manage.py migrate` first")
        connection.close()

        env = os.environ.copy()
        metrics_dir = env.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(prefix="shixun-metrics-")
        shutil.rmtree(metrics_dir, ignore_errors=True)  # stale files from a previous run would be summed
        os.makedirs(metrics_dir, exist_ok=True)
        env["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir

        commands = [("web", [
            sys.executable, "-m", "uvicorn", "backend.asgi:application", "--host", host, "--port", str(port),
            "--workers", str(workers), "--proxy-headers", "--forwarded-allow-ips", env.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
            "--no-access-log", "--timeout-graceful-shutdown", "20"])]
        if not no_background:
            commands += [("outbox", [sys.executable, "manage.py", "run_outbox"]),
                         ("scheduler", [sys.executable, "manage.py", "run_scheduler"])]
        self.stdout.write(f"serving on {host}:{port} with {workers} workers (metrics in {metrics_dir})")
        status = run_together(commands, env)
        if status:
            raise CommandError(f"a process exited with status {status}")
