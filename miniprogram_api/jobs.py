"""Periodic clean-ups of the API layer (run by `manage.py run_scheduler`)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import IdempotencyRecord


def purge_expired() -> dict:
    """Idempotency records past their TTL go (rows that carry their own client_id stay unique anyway)."""
    records, _ = IdempotencyRecord.objects.filter(
        created_at__lt=timezone.now() - timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)).delete()
    return {"idempotency_records": records} if records else {}
