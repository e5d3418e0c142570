"""Periodic clean-ups of the API layer (run by `manage.py run_scheduler`)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import ApiToken

from .models import IdempotencyRecord


def purge_expired() -> dict:
    """Idempotency records past their TTL and tokens expired for a week go; nothing else is deleted."""
    now = timezone.now()
    records, _ = IdempotencyRecord.objects.filter(
        created_at__lt=now - timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)).delete()
    tokens, _ = ApiToken.objects.filter(expires_at__lt=now - timedelta(days=7)).delete()
    return {"idempotency_records": records, "tokens": tokens} if records or tokens else {}
