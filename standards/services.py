"""Writes about standards, procedures, points and their QR codes."""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import OrgUnit, User
from miniprogram_api.errors import ApiError
from wechat import client as wechat
from wechat import errors as wechat_errors

from . import scan_cache
from .models import PracticePoint, Procedure, ProcedureVersion, QRCode, Step, step_problems

# Letters and digits only: a subset of WeChat's scene alphabet that needs no escaping in a URL path.
CODE_ALPHABET = string.ascii_letters + string.digits


def new_code() -> str:
    length = min(max(settings.QR_CODE_LENGTH, 8), 32)
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


# --- QR codes ---------------------------------------------------------------------------------------
@transaction.atomic
def issue_code(*, point: PracticePoint, actor: User | None = None, reason: str = "") -> QRCode:
    """A fresh code for the point; the previous active code (if any) is revoked."""
    PracticePoint.objects.select_for_update().filter(pk=point.pk).first()
    QRCode.objects.filter(point=point, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor, revoke_reason=(reason or "更换二维码")[:200]
    )
    for _ in range(5):
        try:
            with transaction.atomic():
                qr = QRCode.objects.create(point=point, code=new_code(), created_by=actor)
            break
        except IntegrityError:  # a collision of random codes: astronomically rare, but never a 500
            continue
    else:
        raise ApiError("qr_generation_failed", "生成二维码失败，请重试", status=503)
    scan_cache.invalidate_points([point.pk])
    return qr


def rotate_code(*, point: PracticePoint, actor: User | None = None, reason: str = "") -> QRCode:
    return issue_code(point=point, actor=actor, reason=reason or "更换二维码")


@transaction.atomic
def revoke_code(*, point: PracticePoint, actor: User | None = None, reason: str = "") -> int:
    """Revoke the point's active code without a replacement (a lost or copied label)."""
    count = QRCode.objects.filter(point=point, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor, revoke_reason=(reason or "作废")[:200]
    )
    scan_cache.invalidate_points([point.pk])
    return count


def active_code(point: PracticePoint) -> QRCode | None:
    return QRCode.objects.filter(point=point, revoked_at__isnull=True).first()


def mini_program_code(*, qr: QRCode) -> bytes:
    """The WeChat mini-program code (getUnlimited, scene = the code), fetched once and cached."""
    if qr.revoked_at is not None:
        raise ApiError("qr_revoked", "该二维码已作废", status=410)
    if qr.wxacode_png:
        return bytes(qr.wxacode_png)
    try:
        image = wechat.client().wxacode_unlimited(
            scene=qr.code, page=settings.WECHAT_SCAN_PAGE, width=settings.WECHAT_CODE_WIDTH,
            env_version=settings.WECHAT_ENV_VERSION,
        )
    except wechat.WeChatError as exc:
        raise wechat_errors.api_error(exc, wechat_errors.WXACODE) from None
    QRCode.objects.filter(pk=qr.pk).update(wxacode_png=image, wxacode_fetched_at=timezone.now())
    qr.wxacode_png = image
    return image


# --- points -----------------------------------------------------------------------------------------
@transaction.atomic
def create_point(*, name: str, code: str, studio: OrgUnit, location_text: str = "",
                 latitude=None, longitude=None, radius_m: int | None = None,
                 procedures: Iterable[Procedure] = (), is_active: bool = True,
                 actor: User | None = None) -> PracticePoint:
    point = PracticePoint.objects.create(
        name=name, code=code, studio=studio, location_text=location_text, latitude=latitude,
        longitude=longitude, radius_m=radius_m, is_active=is_active,
    )
    if procedures:
        point.procedures.set(list(procedures))
    issue_code(point=point, actor=actor)
    return point


def ensure_code(*, point: PracticePoint, actor: User | None = None) -> QRCode | None:
    """Give a point its first code (a point saved in the admin). A point whose code was revoked
    on purpose keeps having none until someone rotates it."""
    if QRCode.objects.filter(point=point).exists():
        return active_code(point)
    return issue_code(point=point, actor=actor, reason="")


@transaction.atomic
def attach_procedures(*, point: PracticePoint, procedures: Iterable[Procedure]) -> None:
    point.procedures.add(*procedures)


@transaction.atomic
def detach_procedures(*, point: PracticePoint, procedures: Iterable[Procedure]) -> None:
    point.procedures.remove(*procedures)


# --- procedures and versions ------------------------------------------------------------------------
def version_not_editable(version: ProcedureVersion) -> ApiError:
    return ApiError("version_published", f"{version} 已发布，不可修改；请新建草稿", status=409)


@transaction.atomic
def create_draft(*, procedure: Procedure, actor: User | None = None, change_note: str = "") -> ProcedureVersion:
    """The procedure's draft: the existing one, or a copy of the current published version's steps."""
    Procedure.objects.select_for_update().filter(pk=procedure.pk).first()
    draft = procedure.versions.filter(status=ProcedureVersion.Status.DRAFT).first()
    if draft is not None:
        return draft
    number = (procedure.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    draft = ProcedureVersion.objects.create(procedure=procedure, number=number, created_by=actor,
                                            change_note=change_note)
    source = procedure.versions.filter(status=ProcedureVersion.Status.PUBLISHED).order_by("-number").first()
    if source is not None:
        copies: dict[int, Step] = {}
        for step in source.steps.order_by("position"):
            old_pk, condition = step.pk, step.condition_step_id
            step.pk = None
            step.version = draft
            step.condition_step = copies.get(condition) if condition else None
            step.save()
            copies[old_pk] = step
    return draft


def add_step(*, version: ProcedureVersion, title: str, type: str, position: int | None = None,  # noqa: A002
             **fields) -> Step:
    if version.is_published:
        raise version_not_editable(version)
    if position is None:
        position = (version.steps.aggregate(p=Max("position"))["p"] or 0) + 1
    step = Step(version=version, position=position, title=title, type=type, **fields)
    problems = step_problems(step, {s.pk: s for s in version.steps.all()})
    if problems:
        raise ApiError("step_invalid", problems[0], status=422, detail=problems)
    step.save()
    return step


def version_problems(version: ProcedureVersion) -> list[str]:
    steps = list(version.steps.order_by("position"))
    if not steps:
        return ["版本中没有任何步骤"]
    by_pk = {s.pk: s for s in steps}
    problems = []
    for step in steps:
        problems.extend(step_problems(step, by_pk))
    return problems


@transaction.atomic
def publish_version(*, version: ProcedureVersion, actor: User | None = None) -> ProcedureVersion:
    """Publish a draft: from now on it is immutable and it is what a scan offers."""
    version = ProcedureVersion.objects.select_for_update().select_related("procedure").get(pk=version.pk)
    if version.is_published:
        raise ApiError("version_published", f"{version} 已经发布", status=409)
    problems = version_problems(version)
    if problems:
        raise ApiError("version_invalid", "版本不能发布：" + "；".join(problems[:3]), status=422, detail=problems)
    now = timezone.now()
    # QuerySet.update: the model's save() refuses to touch a published row, and this is the one
    # transition into that state.
    ProcedureVersion.objects.filter(pk=version.pk).update(
        status=ProcedureVersion.Status.PUBLISHED, published_at=now, published_by=actor
    )
    version.refresh_from_db()
    procedure = version.procedure
    procedure.current_version = version
    procedure.save(update_fields=["current_version"])  # its post_save drops the affected scan entries
    return version
