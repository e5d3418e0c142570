"""Reads about standards and points, shared by the API and the admin."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from accounts.models import OrgUnit, Role, User
from accounts.selectors import has_role, scope_q
from miniprogram_api.errors import ApiError, forbidden, not_found

from .labels import LabelData
from .models import PracticePoint, Procedure, QRCode, Standard

# Who manages points (lists them, prints labels, rotates codes): admins hold every role.
POINT_MANAGERS = (Role.WORKSHOP_LEADER, Role.DISPATCHER)


def require_point_manager(user: User) -> None:
    if not has_role(user, POINT_MANAGERS):
        raise forbidden("只有管理员、调度员和工作室负责人可以管理实操点")


def managed_points(user: User, *, studio_id: int | None = None, active: bool | None = None) -> QuerySet:
    """Points in the user's scope (403 for people who manage none), with codes and procedures."""
    require_point_manager(user)
    points = PracticePoint.objects.filter(scope_q(user, POINT_MANAGERS, "studio__path")).select_related("studio")
    if studio_id is not None:
        studio = OrgUnit.objects.filter(pk=studio_id).first()
        if studio is None:
            return points.none()
        points = points.filter(studio__path__startswith=studio.path)
    if active is not None:
        points = points.filter(is_active=active)
    return points.prefetch_related(
        Prefetch("qr_codes", queryset=QRCode.objects.filter(revoked_at__isnull=True).only("id", "code", "point_id"),
                 to_attr="active_codes"),
        Prefetch("procedures", queryset=Procedure.objects.select_related("standard").order_by("code")),
    ).order_by("code")


def managed_point(user: User, point_id: int) -> PracticePoint:
    point = managed_points(user).filter(pk=point_id).first()
    if point is None:
        raise not_found("实操点")
    return point


def active_code_of(point: PracticePoint) -> QRCode | None:
    codes = getattr(point, "active_codes", None)
    if codes is not None:
        return codes[0] if codes else None
    return QRCode.objects.filter(point=point, revoked_at__isnull=True).first()


def label_data(point: PracticePoint) -> LabelData:
    qr = active_code_of(point)
    if qr is None:
        raise ApiError("qr_no_active_code", f"实操点 {point.code} 没有有效的二维码，请先生成新码", status=409,
                       detail={"point_id": point.pk})
    return LabelData(name=point.name, code=point.code, studio=point.studio.name, link=qr.link)


def standards(*, category: str | None = None, level: str | None = None, status: str | None = None) -> QuerySet:
    queryset = Standard.objects.prefetch_related(
        Prefetch("procedures", queryset=Procedure.objects.order_by("code"))
    ).order_by("category", "code")
    if category:
        queryset = queryset.filter(category=category)
    if level:
        queryset = queryset.filter(level=level)
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def get_standard(standard_id: int) -> Standard:
    standard = Standard.objects.filter(pk=standard_id).first()
    if standard is None:
        raise not_found("标准")
    return standard


def standard_footprint(*, standard_id: int, path: str) -> dict:
    """What the standard became at the studios under `path`: its procedures (and those published) and the
    active practice points that carry one of them. Two queries."""
    procedures = Procedure.objects.filter(standard_id=standard_id).aggregate(
        procedures=Count("id"), published=Count("id", filter=Q(current_version__isnull=False)))
    points = (PracticePoint.objects.filter(is_active=True, studio__path__startswith=path,
                                           procedures__standard_id=standard_id).values("id").distinct().count())
    return {"procedures": procedures["procedures"], "published_procedures": procedures["published"],
            "points": points}


def catalogue_counts() -> dict:
    """Effective standards: {id: (level, category)}, and counts by level and by category (every choice
    present). One query."""
    by_level = dict.fromkeys(Standard.Level.values, 0)
    by_category = dict.fromkeys(Standard.Category.values, 0)
    found = {}
    for pk, level, category in Standard.objects.filter(status=Standard.Status.EFFECTIVE).values_list(
            "id", "level", "category"):
        found[pk] = (level, category)
        by_level[level] = by_level.get(level, 0) + 1
        by_category[category] = by_category.get(category, 0) + 1
    return {"standards": found, "by_level": by_level, "by_category": by_category}
