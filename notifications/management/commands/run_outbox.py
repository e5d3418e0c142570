import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from notifications.sender import send_due


class Command(BaseCommand):
    help = "Deliver the WeChat outbox: send due subscribe messages, retry with backoff (Ctrl-C to stop)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="send what is due once and exit (for timers)")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls when idle")

    def handle(self, *args, once, interval, **options):
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        while True:
            if not once:
                close_old_connections()  # a long-lived process must not keep a dead connection
            try:
                counts = send_due()
            except Exception as exc:  # database down: keep the worker alive and try again
                self.stderr.write(f"outbox: {type(exc).__name__}: {exc}")
                counts = {}
            if any(counts.values()):
                self.stdout.write(f"outbox: {counts}")
            if once or stopping:
                return
            if not any(counts.values()):
                time.sleep(interval)
