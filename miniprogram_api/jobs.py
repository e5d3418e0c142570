"""Periodic clean-ups of the API layer (run by `manage.py run_scheduler`)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import IdempotencyRecord


def purge_expired() -> dict:
    """Idempotency records older than RETENTION_DAYS["idempotency"] go (rows that carry their own
    client_id stay unique anyway). At least one day: a phone queues writes offline for hours."""
    keep = max(int(settings.RETENTION_DAYS["idempotency"]), 1)
    records, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - timedelta(days=keep)).delete()
    return {"idempotency_records": records} if records else {}
