"""Reads of the privacy app."""

from __future__ import annotations

from accounts.models import User

from . import guide
from .models import PrivacyAcceptance


def current_guide() -> dict:
    return {"version": guide.VERSION, "title": guide.TITLE, "text": guide.TEXT}


def acceptances(user: User) -> list[dict]:
    return [{"version": a.version, "accepted_at": a.accepted_at}
            for a in PrivacyAcceptance.objects.filter(user=user).order_by("accepted_at")]
