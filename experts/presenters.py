"""Rows of the roster as the mini-program sees them: phones masked for everyone but the person and
roster managers."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from accounts.models import User
from accounts.selectors import mask_phone, note_unmasked_phone
from miniprogram_api.clock import local_today
from miniprogram_api.signed_urls import url as signed_url

from . import selectors
from .models import Application, Category, Draw, Engagement, Expert, Seat
from .signals import engagement_details

CATEGORY_LABELS = dict(Category.choices)
PROCEDURE = ("候选名单为抽取时符合条件且无回避关系的在库专家（按专家编号排序）；对每位候选人计算 "
             "sha256(随机种子 + \":\" + 专家编号) 的十六进制值，按升序排列，前 count 位为抽中专家，"
             "其后 backups 位依次为备选。")


def _phone(phone: str, owner_id: int | None, viewer: User, target: str) -> str:
    """Whole for the person and roster managers (a manager's read is noted for the access log)."""
    if viewer.pk == owner_id:
        return phone
    if selectors.can_manage(viewer):
        if phone:
            note_unmasked_phone(target)
        return phone
    return mask_phone(phone)


def expert_row(expert: Expert, viewer: User) -> dict:
    categories = sorted(c.category for c in expert.categories.all())
    specialities = sorted(expert.specialities.all(), key=lambda s: (s.order, s.pk))
    return {
        "id": expert.pk, "code": expert.code, "name": expert.name, "user_id": expert.user_id,
        "org_unit_id": expert.org_unit_id, "unit": selectors.unit_label(expert), "title": expert.title,
        "skill_level": expert.skill_level, "phone": _phone(expert.phone, expert.user_id, viewer, f"expert:{expert.pk}"),
        "status": expert.status, "status_label": expert.get_status_display(), "categories": categories,
        "category_labels": [CATEGORY_LABELS[c] for c in categories],
        "speciality_ids": [s.pk for s in specialities], "specialities": [s.name for s in specialities],
    }


def expert_record(expert: Expert, viewer: User) -> dict:
    today = local_today()
    ratings = list(expert.ratings.all())
    mean = None
    if ratings:  # on a 5-point scale, weighted by responses (each rating at least 1)
        weights = [max(r.responses, 1) for r in ratings]
        total = sum(r.score / r.scale_max * 5 * w for r, w in zip(ratings, weights, strict=True))
        mean = (total / sum(weights)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return {
        **expert_row(expert, viewer),
        "certifications": [{"id": c.pk, "name": c.name, "number": c.number, "issued_on": c.issued_on,
                            "expires_on": c.expires_on, "expired": c.expires_on is not None and c.expires_on < today}
                           for c in expert.certifications.all()],
        "avoidances": [{"org_unit_id": a.org_unit_id, "unit_name": a.unit_name or (a.org_unit.name if a.org_unit else ""),
                        "person_id": a.person_id, "person_name": a.person.name if a.person else "", "reason": a.reason}
                       for a in expert.avoidances.all()],
        "engagements": _engagements_with_details(expert),
        "ratings": [{"source": r.source, "title": r.title, "score": r.score, "scale_max": r.scale_max,
                     "responses": r.responses, "rated_on": r.rated_on} for r in ratings],
        "rating_mean": mean,
    }


def _engagements_with_details(expert: Expert) -> list[dict]:
    """The record's engagements, each with what the app it happened in adds (signals.engagement_details)."""
    engagements = list(expert.engagements.all())
    details: dict[int, dict] = {}
    for _, answer in engagement_details.send(sender=Expert, expert=expert, engagements=engagements):
        details.update(answer or {})
    return [{**engagement_row(e), **details.get(e.pk, {})} for e in engagements]


def engagement_row(e: Engagement) -> dict:
    return {"kind": e.kind, "kind_label": e.get_kind_display(), "ref": e.ref, "title": e.title, "role": e.role,
            "occurred_on": e.occurred_on}


def application_row(application: Application, viewer: User) -> dict:
    cv_url = signed_url(application.cv_path)[0] if application.cv_path else None
    return {
        "id": application.pk, "name": application.name, "applicant_id": application.applicant_id,
        "org_unit_id": application.org_unit_id,
        "unit": application.unit_name or (application.org_unit.name if application.org_unit else ""),
        "title": application.title, "skill_level": application.skill_level,
        "phone": _phone(application.phone, application.applicant_id, viewer, f"expert_application:{application.pk}"),
        "categories": list(application.categories),
        "speciality_ids": sorted(s.pk for s in application.specialities.all()),
        "statement": application.statement, "cv_name": application.cv_name, "cv_url": cv_url,
        "status": application.status, "status_label": application.get_status_display(),
        "reason": application.reason, "expert_id": application.expert_id,
        "expert_code": application.expert.code if application.expert else None,
        "created_at": application.created_at, "reviewed_at": application.reviewed_at,
    }


def seat_row(seat: Seat) -> dict:
    return {"id": seat.pk, "position": seat.position, "is_backup": seat.is_backup, "status": seat.status,
            "status_label": seat.get_status_display(), "expert_id": seat.expert_id, "expert_code": seat.expert.code,
            "expert_name": seat.expert.name, "unit": seat.expert.unit_name, "invited_at": seat.invited_at,
            "answered_at": seat.answered_at, "reason": seat.reason}


def draw_row(draw: Draw) -> dict:
    seats = list(draw.seats.all())
    return {
        "id": draw.pk, "purpose": draw.purpose, "subject": draw.subject, "specialities": draw.specialities,
        "categories": draw.categories, "count": draw.count, "backups": draw.backups, "avoid_units": draw.avoid_units,
        "avoid_persons": draw.avoid_persons, "seed": draw.seed, "algorithm": draw.algorithm,
        "candidates": draw.candidates, "created_at": draw.created_at,
        "members": [seat_row(s) for s in seats if not s.is_backup],
        "backup_seats": [seat_row(s) for s in seats if s.is_backup],
    }
