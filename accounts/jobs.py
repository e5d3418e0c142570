"""Periodic clean-ups of accounts (run by `manage.py run_scheduler`)."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .models import ApiToken


def purge_expired_tokens() -> dict:
    """Tokens expired or revoked more than RETENTION_DAYS["tokens"] days ago go (a few days keep "your
    session expired" answerable for a while)."""
    cutoff = timezone.now() - timedelta(days=int(settings.RETENTION_DAYS["tokens"]))
    tokens, _ = ApiToken.objects.filter(Q(expires_at__lt=cutoff) | Q(revoked_at__lt=cutoff)).delete()
    return {"tokens": tokens} if tokens else {}
