"""Periodic jobs (settings.SCHEDULED_JOBS: name → (dotted callable, interval seconds)).

A job's run takes a cache lock that lasts just under its interval, so several scheduler processes
(one per server, say) run each job at most once per interval between them; jobs are idempotent anyway.
"""

import signal
import time

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = "Run the periodic jobs (overdue escalation, clean-ups) forever, or once with --once."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run every job once and exit (for cron)")

    def handle(self, *args, once, **options):
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        last_run: dict[str, float] = {}
        while not stopping:
            if not once:
                close_old_connections()  # a long-lived process must not keep a dead connection
            for name, (dotted, interval) in settings.SCHEDULED_JOBS.items():
                now = time.time()
                if not once and now - last_run.get(name, 0) < interval:
                    continue
                last_run[name] = now
                self.run_job(name, dotted, interval)
            if once:
                return
            time.sleep(1)

    def run_job(self, name: str, dotted: str, interval: int) -> None:
        if not cache.add(f"scheduler:{name}", "1", timeout=max(int(interval) - 1, 1)):
            return
        try:
            result = import_string(dotted)()
            if result:
                self.stdout.write(f"{name}: {result}")
        except Exception as exc:  # one failing job must not stop the others
            self.stderr.write(f"{name} failed: {type(exc).__name__}: {exc}")
