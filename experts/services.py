"""Writes of the roster: applications and their review, expert codes, draws and their answers,
engagements and ratings that higher apps push in. Every write checks its own permission."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import PurePath

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import OrgUnit, User
from miniprogram_api.clock import local_today
from miniprogram_api.errors import ApiError, conflict, forbidden, not_found, unprocessable
from miniprogram_api.idempotency import run_once
from miniprogram_api.signed_urls import private_path, store_private
from notifications.services import notify

from . import selectors
from .models import (
    Application,
    Category,
    Certification,
    CodeCounter,
    Draw,
    Engagement,
    Expert,
    ExpertCategory,
    Rating,
    Seat,
    Speciality,
)
from .signals import seat_confirmed

CODE_PREFIX = "ZJ"
CV_TYPES = {".pdf": "application/pdf", ".doc": "application/msword",
            ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
CV_MAX_BYTES = 10 * 1024 * 1024

def _require_manager(actor: User) -> None:
    if not selectors.can_manage(actor):
        raise forbidden("只有专家库管理员可以执行此操作", code="not_roster_manager")


def _check_categories(categories: list[str]) -> list[str]:
    wrong = [c for c in categories if c not in Category.values]
    if wrong:
        raise unprocessable("unknown_category", "专家类别不存在", detail={"categories": wrong,
                                                                      "allowed": list(Category.values)})
    return sorted(set(categories))


def _check_specialities(ids: list[int]) -> list[int]:
    found = set(Speciality.objects.filter(pk__in=ids).values_list("id", flat=True))
    wrong = sorted(set(ids) - found)
    if wrong:
        raise unprocessable("unknown_speciality", "专业不存在", detail={"speciality_ids": wrong})
    return sorted(found)


def _unit(unit_id: int | None) -> OrgUnit | None:
    if unit_id is None:
        return None
    unit = OrgUnit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise unprocessable("unknown_org_unit", "单位不存在", detail={"org_unit_id": unit_id})
    return unit


# --- codes -------------------------------------------------------------------------------------------
def next_code(prefix: str = CODE_PREFIX) -> str:
    """The next code (ZJ-0001, ZJ-0002 …) under the counter's row lock, in the caller's transaction: two
    approvals at once wait for each other, and a rolled-back one gives its number back."""
    CodeCounter.objects.get_or_create(prefix=prefix)
    counter = CodeCounter.objects.select_for_update().get(prefix=prefix)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{prefix}-{counter.last:04d}"


@transaction.atomic
def create_expert(*, name: str, user: User | None = None, org_unit: OrgUnit | None = None, unit_name: str = "",
                  title: str = "", skill_level: str = "", phone: str = "", speciality_ids: list[int] = (),  # type: ignore[assignment]
                  categories: list[str] = (), status: str = Expert.Status.ACTIVE) -> Expert:  # type: ignore[assignment]
    """Put someone on the roster with the next code (approval, the admin, the demo)."""
    if user is not None and Expert.objects.filter(user=user).exists():
        raise conflict("already_expert", "该用户已在专家库中")
    expert = Expert.objects.create(code=next_code(), user=user, name=name, org_unit=org_unit, unit_name=unit_name,
                                   title=title, skill_level=skill_level, phone=phone, status=status)
    expert.specialities.set(_check_specialities(list(speciality_ids)))
    ExpertCategory.objects.bulk_create([ExpertCategory(expert=expert, category=c)
                                        for c in _check_categories(list(categories))])
    return expert


# --- my certifications ----------------------------------------------------------------------------------
MAX_CERTIFICATIONS = 50


def certification_row(c: Certification, today: date) -> dict:
    """A certification as JSON (dates in ISO form: the row is also a replayed answer)."""
    return {"id": c.pk, "name": c.name, "number": c.number,
            "issued_on": c.issued_on.isoformat() if c.issued_on else None,
            "expires_on": c.expires_on.isoformat() if c.expires_on else None,
            "expired": c.expires_on is not None and c.expires_on < today}


def _my_expert(actor: User) -> Expert:
    expert = Expert.objects.select_for_update().filter(user=actor).first()
    if expert is None:
        raise not_found("专家档案", code="not_an_expert")
    return expert


def add_certification(*, actor: User, client_id: str | None, name: str, number: str = "",
                      issued_on: date | None = None, expires_on: date | None = None) -> tuple[dict, bool]:
    """An expert records one of their own certifications (with its expiry). A resend with the same
    client_id answers the first one. Returns (row, created)."""
    name, number = name.strip(), number.strip()
    payload = {"name": name, "number": number, "issued_on": str(issued_on), "expires_on": str(expires_on)}

    def write() -> tuple[int, dict]:
        expert = _my_expert(actor)
        if not name:
            raise unprocessable("name_required", "请填写证书名称")
        if issued_on and expires_on and expires_on < issued_on:
            raise unprocessable("expiry_before_issue", "有效期至不能早于发证日期")
        if expert.certifications.count() >= MAX_CERTIFICATIONS:
            raise unprocessable("too_many_certifications", f"资格证书最多登记 {MAX_CERTIFICATIONS} 本")
        made = expert.certifications.create(name=name, number=number, issued_on=issued_on, expires_on=expires_on)
        return 201, certification_row(made, local_today())

    if not client_id:
        with transaction.atomic():
            return write()[1], True
    result = run_once(user=actor, scope="experts.certification", key=client_id, payload=payload, write=write)
    return result.body, not result.replayed


@transaction.atomic
def remove_certification(*, actor: User, certification_id: int) -> None:
    """An expert removes one of their own certifications; anybody else's is not found."""
    expert = _my_expert(actor)
    deleted, _ = Certification.objects.filter(pk=certification_id, expert=expert).delete()
    if not deleted:
        raise not_found("资格证书", code="certification_not_found")


# --- accounts for outside experts ------------------------------------------------------------------
@transaction.atomic
def ensure_account(expert: Expert) -> User:
    """The expert's user account, made when an outside expert (no account) is seated somewhere they act
    from the mini-program (a contest panel): named, in the expert's unit when it is one of ours, with
    the roster's phone, no WeChat identity yet. The expert binds it on first login with a code from
    `issue_binding_code`."""
    from accounts.services import create_unbound_user

    locked = Expert.objects.select_for_update(of=("self",)).select_related("user", "org_unit").get(pk=expert.pk)
    if locked.user is not None:
        return locked.user
    user = create_unbound_user(name=locked.name, org_unit=locked.org_unit, phone=locked.phone)
    locked.user = user
    locked.save(update_fields=["user"])
    expert.user = user
    return user


def issue_binding_code(*, actor: User, expert_id: int) -> dict:
    """A manager hands an outside expert the one-time code that binds their account to their WeChat on
    first login (read out or sent by SMS outside Shixun). An expert without an account gets one now.
    409 account_already_bound once they have logged in."""
    from accounts.services import issue_binding_code as issue

    _require_manager(actor)
    expert = Expert.objects.filter(pk=expert_id).first()
    if expert is None:
        raise not_found("专家", code="expert_not_found")
    user = ensure_account(expert)
    code, expires_at = issue(user=user)
    return {"expert_id": expert.pk, "user_id": user.pk, "binding_code": code, "expires_at": expires_at}


# --- applications ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ApplicationInput:
    name: str
    categories: list[str]
    speciality_ids: list[int]
    org_unit_id: int | None = None
    unit_name: str = ""
    title: str = ""
    skill_level: str = ""
    phone: str = ""
    statement: str = ""


@transaction.atomic
def submit_application(*, applicant: User, client_id: str, data: ApplicationInput) -> tuple[Application, bool]:
    """A user applies to join (for themself). A resend with the same client_id returns the first
    application; one open application per person; someone already on the roster cannot apply."""
    if client_id:
        existing = Application.objects.filter(applicant=applicant, client_id=client_id).first()
        if existing is not None:
            return existing, False
    if Expert.objects.filter(user=applicant).exists():
        raise conflict("already_expert", "您已在专家库中，无需再次申请")
    if Application.objects.filter(applicant=applicant, status=Application.Status.SUBMITTED).exists():
        raise conflict("application_open", "您已有一份待审核的申请")
    if not data.categories:
        raise unprocessable("categories_required", "请至少选择一个专家类别")
    if not data.speciality_ids:
        raise unprocessable("specialities_required", "请至少选择一个专业")
    categories = _check_categories(data.categories)
    specialities = _check_specialities(data.speciality_ids)
    unit = _unit(data.org_unit_id) if data.org_unit_id is not None else applicant.primary_org_unit
    try:
        with transaction.atomic():
            application = Application.objects.create(
                applicant=applicant, client_id=client_id, name=data.name.strip() or applicant.name, org_unit=unit,
                unit_name=data.unit_name, title=data.title, skill_level=data.skill_level,
                phone=data.phone or applicant.phone, categories=categories, statement=data.statement)
    except IntegrityError:  # a concurrent copy (same client_id) or a second open application
        existing = Application.objects.filter(applicant=applicant, client_id=client_id).first() if client_id else None
        if existing is not None:
            return existing, False
        raise conflict("application_open", "您已有一份待审核的申请") from None
    application.specialities.set(specialities)
    return application, True


def _visible_application(actor: User, application_id: int, *, lock: bool = False) -> Application:
    query = Application.objects.select_for_update() if lock else Application.objects
    application = query.filter(pk=application_id).first()
    if application is None or not (selectors.can_manage(actor) or application.applicant_id == actor.pk):
        raise not_found("入库申请", code="application_not_found")
    return application


@transaction.atomic
def attach_cv(*, actor: User, application_id: int, content: bytes, name: str) -> Application:
    """The applicant's CV (PDF or Word), stored privately and served through signed links."""
    application = _visible_application(actor, application_id, lock=True)
    if application.applicant_id != actor.pk:
        raise forbidden("只能为自己的申请上传简历", code="not_applicant")
    if application.status != Application.Status.SUBMITTED:
        raise conflict("application_reviewed", "申请已审核，不能再修改")
    suffix = PurePath(name).suffix.lower()
    if suffix not in CV_TYPES or not _looks_like(suffix, content):
        raise ApiError("unsupported_cv", "简历只支持 PDF 或 Word（doc/docx）文件", status=415)
    if len(content) > CV_MAX_BYTES:
        raise ApiError("cv_too_large", f"简历文件不能超过 {CV_MAX_BYTES // (1024 * 1024)} MB", status=413)
    relative = f"experts/cv/{application.pk}-{secrets.token_hex(8)}{suffix}"
    store_private(relative, content)
    application.cv_path, application.cv_name = relative, PurePath(name).name[:120]
    application.save(update_fields=["cv_path", "cv_name"])
    return application


def _looks_like(suffix: str, content: bytes) -> bool:
    if suffix == ".pdf":
        return content.startswith(b"%PDF-")
    if suffix == ".docx":
        return content.startswith(b"PK\x03\x04")
    return content.startswith(b"\xd0\xcf\x11\xe0")  # .doc: OLE2


@transaction.atomic
def approve_application(*, actor: User, application_id: int) -> Expert:
    """Approve: the applicant joins the roster with the next code (gap-free: the counter's row lock)."""
    _require_manager(actor)
    application = _visible_application(actor, application_id, lock=True)
    if application.status != Application.Status.SUBMITTED:
        raise conflict("application_reviewed", "该申请已审核", detail={"status": application.status})
    expert = create_expert(name=application.name, user=application.applicant, org_unit=application.org_unit,
                           unit_name=application.unit_name, title=application.title,
                           skill_level=application.skill_level, phone=application.phone,
                           speciality_ids=list(application.specialities.values_list("id", flat=True)),
                           categories=list(application.categories))
    application.status, application.expert = Application.Status.APPROVED, expert
    application.reviewed_by, application.reviewed_at = actor, timezone.now()
    application.save(update_fields=["status", "expert", "reviewed_by", "reviewed_at"])
    if application.applicant is not None:
        notify(recipients=[application.applicant], kind="expert_application", title="专家入库申请已通过",
               body=f"您的专家编号为 {expert.code}", data={"application_id": application.pk, "expert_id": expert.pk},
               dedupe_key=f"expert-application:{application.pk}:approved")
    return expert


@transaction.atomic
def reject_application(*, actor: User, application_id: int, reason: str) -> Application:
    _require_manager(actor)
    reason = reason.strip()
    if not reason:
        raise unprocessable("reason_required", "请填写不通过的原因")
    application = _visible_application(actor, application_id, lock=True)
    if application.status != Application.Status.SUBMITTED:
        raise conflict("application_reviewed", "该申请已审核", detail={"status": application.status})
    application.status, application.reason = Application.Status.REJECTED, reason[:300]
    application.reviewed_by, application.reviewed_at = actor, timezone.now()
    application.save(update_fields=["status", "reason", "reviewed_by", "reviewed_at"])
    if application.applicant is not None:
        notify(recipients=[application.applicant], kind="expert_application", title="专家入库申请未通过",
               body=reason[:200], data={"application_id": application.pk},
               dedupe_key=f"expert-application:{application.pk}:rejected")
    return application


# --- draws -------------------------------------------------------------------------------------------
@transaction.atomic
def draw(*, actor: User | None, purpose: str, count: int, backups: int = 0, speciality_ids: list[int] = (),  # type: ignore[assignment]
         categories: list[str] = (), avoid_unit_ids: list[int] = (), avoid_person_ids: list[int] = (),  # type: ignore[assignment]
         subject: str = "", seed: str | None = None, drawn_by: User | None = None) -> Draw:
    """Draw `count` experts and `backups` backups at random from the qualified, recorded so anyone can
    re-run it (the candidate list and the seed; selectors.draw_order). Members are invited through
    notifications at once; backups wait. Too few qualified: 422 with how many qualify, nothing written.

    `actor` None is a draw by another app's service (it checked its own permission; `drawn_by` is then
    whom to record and tell when the backups run out)."""
    if actor is not None:
        _require_manager(actor)
    purpose = purpose.strip()
    if not purpose:
        raise unprocessable("purpose_required", "请填写抽取用途")
    if count < 1 or backups < 0:
        raise unprocessable("invalid_count", "抽取人数至少为 1，备选人数不能为负")
    specialities = _check_specialities(list(speciality_ids))
    cats = _check_categories(list(categories))
    units = list(OrgUnit.objects.filter(pk__in=list(avoid_unit_ids)).values_list("id", flat=True))
    missing = sorted(set(avoid_unit_ids) - set(units))
    if missing:
        raise unprocessable("unknown_org_unit", "回避单位不存在", detail={"avoid_units": missing})
    conflicts = selectors.Conflicts.of(unit_ids=units, person_ids=avoid_person_ids)
    candidates = selectors.qualified(speciality_ids=specialities, categories=cats, conflicts=conflicts)
    if len(candidates) < count + backups:
        raise unprocessable("not_enough_experts",
                            f"符合条件的专家只有 {len(candidates)} 人，不足抽取 {count} 人"
                            + (f"及备选 {backups} 人" if backups else ""),
                            detail={"qualified": len(candidates), "requested": count + backups})
    seed = seed or secrets.token_hex(16)
    record = Draw.objects.create(
        purpose=purpose[:200], subject=subject, specialities=specialities, categories=cats, count=count,
        backups=backups, avoid_units=sorted(units), avoid_persons=sorted(set(avoid_person_ids)),
        candidates=[{"id": e.pk, "code": e.code} for e in candidates], seed=seed,
        drawn_by=actor or drawn_by)
    by_code = {e.code: e for e in candidates}
    order = selectors.draw_order(seed, list(by_code))[:count + backups]
    now = timezone.now()
    seats = [Seat(draw=record, expert=by_code[code], position=i + 1, is_backup=i >= count,
                  status=Seat.Status.STANDBY if i >= count else Seat.Status.INVITED,
                  invited_at=None if i >= count else now) for i, code in enumerate(order)]
    Seat.objects.bulk_create(seats)
    for seat in Seat.objects.filter(draw=record, is_backup=False).select_related("expert__user"):
        _invite(seat, record)
    return record


def _invite(seat: Seat, record: Draw) -> None:
    user = seat.expert.user
    if user is None:
        return  # an outside expert is invited by phone; the manager records the answer in the admin
    notify(recipients=[user], kind="expert_draw", title="您被抽选为专家", body=f"{record.purpose}：请确认是否参加",
           data={"seat_id": seat.pk, "draw_id": record.pk},
           values={"purpose": record.purpose}, dedupe_key=f"expert-draw:{record.pk}:seat:{seat.pk}")


@transaction.atomic
def answer(*, actor: User, seat_id: int, accept: bool, reason: str = "", on_behalf: bool = False) -> Seat:
    """The drawn expert confirms or declines (`on_behalf`: a manager records an outside expert's answer
    given by phone). A decline invites the next backup in draw order; an answer already given is kept
    (the same answer again returns the seat, a different one is 409)."""
    draw_id = Seat.objects.filter(pk=seat_id).values_list("draw_id", flat=True).first()
    if draw_id is None:
        raise not_found("抽取邀请", code="seat_not_found")
    # Lock the draw's seats in position order before reading this one: two declines at once then queue
    # (no deadlock) and call two different backups.
    list(Seat.objects.select_for_update().filter(draw_id=draw_id).order_by("position").values_list("id"))
    seat = Seat.objects.select_related("expert", "draw").filter(pk=seat_id).first()
    if seat is None:
        raise not_found("抽取邀请", code="seat_not_found")
    if on_behalf:
        _require_manager(actor)
    elif seat.expert.user_id != actor.pk:
        raise not_found("抽取邀请", code="seat_not_found")
    wanted = Seat.Status.CONFIRMED if accept else Seat.Status.DECLINED
    if seat.status == wanted:
        return seat
    if seat.status != Seat.Status.INVITED:
        raise conflict("seat_answered" if seat.status != Seat.Status.STANDBY else "seat_not_invited",
                       "您已答复过该邀请" if seat.status != Seat.Status.STANDBY else "您是备选专家，尚未被递补",
                       detail={"status": seat.status})
    if not accept and not reason.strip():
        raise unprocessable("reason_required", "请填写谢绝原因")
    seat.status, seat.answered_at, seat.reason = wanted, timezone.now(), reason.strip()[:200]
    seat.save(update_fields=["status", "answered_at", "reason"])
    if accept:
        seat_confirmed.send(sender=Seat, seat=seat, draw=seat.draw)
    else:
        _call_next_backup(seat.draw)
    return seat


def _call_next_backup(record: Draw) -> Seat | None:
    backup = (Seat.objects.filter(draw=record, status=Seat.Status.STANDBY).select_related("expert__user")
              .order_by("position").first())
    if backup is None:
        if record.drawn_by is not None:
            notify(recipients=[record.drawn_by], kind="expert_draw_short", title="备选专家已用完",
                   body=f"{record.purpose}：有专家谢绝且已无备选，请重新抽取",
                   data={"draw_id": record.pk}, dedupe_key=f"expert-draw:{record.pk}:short")
        return None
    backup.status, backup.invited_at = Seat.Status.INVITED, timezone.now()
    backup.save(update_fields=["status", "invited_at"])
    _invite(backup, record)
    return backup


# --- the record: engagements and ratings, pushed in by higher apps ---------------------------------------
def _expert_for(*, expert_id: int | None, user: User | None) -> Expert | None:
    if expert_id is not None:
        return Expert.objects.filter(pk=expert_id).first()
    if user is not None:
        return Expert.objects.filter(user=user).first()
    return None


@transaction.atomic
def anonymise_person(*, user: User, pseudonym: str) -> int:
    """A person's deletion (PIPL, privacy app): their roster entry keeps its code, engagements and ratings
    (draws and panels others rely on point at it) but no longer names or reaches them; CVs they sent with
    an application are deleted. Returns how many roster entries changed (0 or 1)."""
    changed = Expert.objects.filter(user=user).update(name=pseudonym, phone="")
    for application in Application.objects.filter(applicant=user).exclude(cv_path=""):
        private_path(application.cv_path).unlink(missing_ok=True)
    Application.objects.filter(applicant=user).exclude(cv_path="").update(cv_path="", cv_name="")
    return changed


@transaction.atomic
def record_engagement(*, kind: str, ref: str, title: str, occurred_on: date, expert_id: int | None = None,
                      user: User | None = None, role: str = "") -> Engagement | None:
    """Once per (expert, kind, ref): a contest judged (competitions when a panel is set), a course taught,
    an evaluation done. A user who is not on the roster has no record: returns None."""
    expert = _expert_for(expert_id=expert_id, user=user)
    if expert is None:
        return None
    engagement, _ = Engagement.objects.get_or_create(
        expert=expert, kind=kind, ref=ref[:80],
        defaults={"title": title[:200], "role": role[:40], "occurred_on": occurred_on})
    return engagement


@transaction.atomic
def record_rating(*, source: str, title: str, score: Decimal, rated_on: date, expert_id: int | None = None,
                  user: User | None = None, scale_max: Decimal = Decimal(5), responses: int = 0) -> Rating | None:
    """A trainer rating from a survey (evaluations): once per (expert, source); a later call with the same
    source updates it (a campaign's results grow until it closes)."""
    expert = _expert_for(expert_id=expert_id, user=user)
    if expert is None:
        return None
    if not (Decimal(0) <= score <= scale_max):
        raise unprocessable("invalid_score", "评分超出范围")
    rating, _ = Rating.objects.update_or_create(
        expert=expert, source=source[:80],
        defaults={"title": title[:200], "score": score, "scale_max": scale_max, "responses": responses,
                  "rated_on": rated_on})
    return rating
