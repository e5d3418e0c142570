"""Periodic jobs of the work orders (run by `manage.py run_scheduler`, see settings.SCHEDULED_JOBS)."""

from __future__ import annotations

from datetime import datetime

from . import services


def escalate_overdue(now: datetime | None = None) -> dict:
    """Mark orders past an unmet deadline and tell the dispatchers, once per deadline. `now` lets a
    test (or a catch-up run) use a frozen clock."""
    counts = services.escalate_overdue(now=now)
    return {f"overdue_{kind}": n for kind, n in counts.items() if n}
