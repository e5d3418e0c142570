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


def profile(user: User) -> dict:
    """The person's own profile, unmasked (it is theirs)."""
    from accounts.models import RoleGrant

    return {
        "id": user.pk, "username": user.username, "name": user.display_name, "phone": user.phone,
        "org_unit": user.primary_org_unit.name if user.primary_org_unit is not None else "",
        "date_joined": user.date_joined.isoformat(), "last_login": user.last_login.isoformat() if user.last_login else None,
        "is_staff": user.is_staff,
        "roles": [{"role": g.role, "org_unit": g.org_unit.name}
                  for g in RoleGrant.objects.filter(user=user).select_related("org_unit").order_by("pk")],
    }
