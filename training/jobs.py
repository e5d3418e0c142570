"""Periodic jobs of training (settings.SCHEDULED_JOBS, run by `manage.py run_scheduler`)."""

from . import services


def auto_submit_expired() -> dict:
    """Exam attempts left open past their deadline (and its grace) are graded as they stand."""
    return services.auto_submit_expired()


def remind_due() -> dict:
    """Learners are reminded before a course is due, and told once when it is overdue."""
    return services.remind_due()
