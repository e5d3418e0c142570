"""Writes of the privacy app."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from miniprogram_api.errors import ApiError

from . import guide
from .models import PrivacyAcceptance


def accept_privacy(*, user: User, version: str) -> tuple[PrivacyAcceptance, bool]:
    """Record that `user` agreed to the current guide; agreeing again returns the first record."""
    if version != guide.VERSION:
        raise ApiError("privacy_version_outdated", "隐私指引已更新，请阅读最新版本后再同意", status=409,
                       detail={"current_version": guide.VERSION})
    existing = PrivacyAcceptance.objects.filter(user=user, version=version).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return PrivacyAcceptance.objects.create(user=user, version=version, accepted_at=timezone.now()), True
    except IntegrityError:  # a concurrent duplicate won
        return PrivacyAcceptance.objects.get(user=user, version=version), False
