"""What a scan resolves to, built in a constant number of queries and cached per QR code.

A scan is the hottest call. Its answer — the point and the published procedure tree — changes only
when an admin edits a point, rotates or revokes a code, attaches or detaches a procedure, publishes
a version or edits a standard; each of those drops the affected codes' entries (now, and again after
the commit, so a reader racing the write cannot keep an old tree for long; the TTL bounds the rest).
Published versions are immutable, so caching their steps is safe. The cache failing (Redis down)
only makes scans slower: every cache call falls back to the database.

The user-specific part of a scan (the caller's open run) and the scan log are never cached.
"""

from __future__ import annotations

import json
import logging
import re

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from accounts.models import OrgUnit

from .models import PracticePoint, Procedure, QRCode, Standard, Step
from .steps import options_of

logger = logging.getLogger(__name__)

# The characters our generated codes use (a subset of WeChat's scene alphabet that is also URL-safe).
CODE_RE = re.compile(r"^[A-Za-z0-9]{1,32}$")
KEY_PREFIX = "scan:qr:v3:"


def _key(code: str) -> str:
    return KEY_PREFIX + code


def _decimal(value):
    return float(value) if value is not None else None


def point_payload(point: PracticePoint) -> dict:
    return {
        "id": point.pk,
        "code": point.code,
        "name": point.name,
        "location_text": point.location_text,
        "studio": {"id": point.studio_id, "name": point.studio.name},
        "latitude": _decimal(point.latitude),
        "longitude": _decimal(point.longitude),
        "radius_m": point.radius_m,
        "is_active": point.is_active,
    }


def step_payload(step: Step) -> dict:
    return {
        "id": step.pk,
        "position": step.position,
        "title": step.title,
        "instructions": step.instructions,
        "type": step.type,
        "required": step.required,
        "unit": step.unit,
        "lower_limit": _decimal(step.lower_limit),
        "upper_limit": _decimal(step.upper_limit),
        "threshold": _decimal(step.threshold),
        "min_photos": step.min_photos if step.type == Step.Type.PHOTO else (1 if step.type == Step.Type.SIGNATURE else 0),
        "options": options_of(step) if step.type == Step.Type.CHOICE else [],
        "condition": step.condition,
    }


def procedures_payload(point_id: int) -> list[dict]:
    """The current published version of every procedure attached to the point: two queries."""
    procedures = list(
        Procedure.objects.filter(points=point_id, current_version__isnull=False)
        .select_related("standard", "current_version").order_by("code")
    )
    steps_by_version: dict[int, list[dict]] = {}
    for step in Step.objects.filter(version_id__in=[p.current_version_id for p in procedures]).order_by(
        "version_id", "position"
    ):
        steps_by_version.setdefault(step.version_id, []).append(step_payload(step))
    return [
        {
            "id": procedure.pk,
            "version_id": procedure.current_version_id,
            "version": procedure.current_version.number,
            "code": procedure.code,
            "title": procedure.title,
            "standard_code": procedure.standard.code,
            "standard_title": procedure.standard.title,
            "steps": steps_by_version.get(procedure.current_version_id, []),
        }
        for procedure in procedures
    ]


def _with_fragment(payload: dict) -> dict:
    """Serialise the point and its procedures once, as the JSON fragment a scan answer embeds
    (`"point":{…},"procedures":[…]`): the tree is the bulk of the answer and it rarely changes.
    The cached entry keeps the point (for the scan's checks) and the fragment, not the tree twice."""
    whole = json.dumps({"point": payload["point"], "procedures": payload.pop("procedures")}, ensure_ascii=False,
                       separators=(",", ":"))
    payload["fragment"] = whole[1:-1]
    return payload


def _build(code: str) -> dict | None:
    qr = QRCode.objects.select_related("point__studio").filter(code=code).first()
    if qr is None:
        return None
    return _with_fragment({
        "qr": {"id": qr.pk, "code": qr.code, "revoked": qr.revoked_at is not None},
        "point": point_payload(qr.point),
        "procedures": procedures_payload(qr.point_id),
    })


def resolve(code: str) -> dict | None:
    """The cached answer for a QR code, or None when no such code exists:
    `{"qr": {"id", "code", "revoked"}, "point": {…}, "fragment": '"point":{…},"procedures":[…]'}`."""
    if not CODE_RE.match(code or ""):
        return None
    key = _key(code)
    try:
        cached = cache.get(key)
    except Exception as exc:  # a scan must work while Redis restarts
        logger.warning("scan cache unavailable: %s", type(exc).__name__)
        return _build(code)
    if cached is not None:
        return cached
    payload = _build(code)
    if payload is not None:
        try:
            cache.set(key, payload, timeout=settings.SCAN_CACHE_SECONDS)
        except Exception as exc:
            logger.warning("scan cache unavailable: %s", type(exc).__name__)
    return payload


def resolve_human_code(code: str) -> dict | None:
    """Manual entry of the code printed on the label (uncached: rare, and flagged as suspicious)."""
    if not code or len(code) > 32:
        return None
    point = PracticePoint.objects.select_related("studio").filter(code__iexact=code).first()
    if point is None:
        return None
    return _with_fragment({"qr": None, "point": point_payload(point), "procedures": procedures_payload(point.pk)})


# --- invalidation ---------------------------------------------------------------------------------
def _delete(keys: list[str]) -> None:
    if not keys:
        return
    try:
        cache.delete_many(keys)
    except Exception as exc:
        logger.warning("scan cache invalidation failed: %s", type(exc).__name__)


def invalidate_points(point_ids) -> None:
    """Drop the cached answers of every code (active or revoked) of these points."""
    point_ids = [pk for pk in set(point_ids) if pk is not None]
    if not point_ids:
        return
    keys = [_key(code) for code in QRCode.objects.filter(point_id__in=point_ids).values_list("code", flat=True)]
    _delete(keys)
    transaction.on_commit(lambda: _delete(keys))


def invalidate_procedures(procedure_ids) -> None:
    point_ids = PracticePoint.procedures.through.objects.filter(procedure_id__in=list(procedure_ids)).values_list(
        "practicepoint_id", flat=True
    )
    invalidate_points(list(point_ids))


@receiver([post_save, post_delete], sender=PracticePoint)
def _point_changed(sender, instance, **kwargs):
    invalidate_points([instance.pk])


@receiver([post_save, post_delete], sender=QRCode)
def _code_changed(sender, instance, **kwargs):
    invalidate_points([instance.point_id])


@receiver(m2m_changed, sender=PracticePoint.procedures.through)
def _attachments_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in {"post_add", "post_remove", "pre_clear", "post_clear"}:
        return
    if not reverse:
        invalidate_points([instance.pk])
    elif action == "pre_clear":
        invalidate_procedures([instance.pk])
    else:
        invalidate_points(pk_set or [])


@receiver(post_save, sender=Procedure)
def _procedure_changed(sender, instance, **kwargs):
    invalidate_procedures([instance.pk])


@receiver(post_save, sender=Standard)
def _standard_changed(sender, instance, **kwargs):
    invalidate_procedures(Procedure.objects.filter(standard=instance).values_list("pk", flat=True))


@receiver(post_save, sender=OrgUnit)
def _studio_renamed(sender, instance, created, **kwargs):
    if not created:
        invalidate_points(PracticePoint.objects.filter(studio=instance).values_list("pk", flat=True))
