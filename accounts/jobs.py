"""Periodic clean-ups of accounts (run by `manage.py run_scheduler`)."""

from datetime import timedelta

from django.utils import timezone

from .models import ApiToken


def purge_expired_tokens() -> dict:
    """Tokens expired for a week go (a week keeps "your session expired" answerable for a while)."""
    tokens, _ = ApiToken.objects.filter(expires_at__lt=timezone.now() - timedelta(days=7)).delete()
    return {"tokens": tokens} if tokens else {}
