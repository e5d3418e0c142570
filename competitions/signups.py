"""Sign-up (报名) and the lot draw (抽签) of an event (issue 17; docs/SCORING.md "Sign-up and the lot draw").

A contestant (a team's captain, naming the members) applies while the event is in draft and no lots are
drawn. Eligibility is the declared national skill level (at least the event's `min_skill_level`) and the
per-unit quota (`unit_quota` pending or approved sign-ups from the applicant's unit). The organiser (an
admin of the organising unit, as for the panel) approves, or rejects with a reason. Then the organiser draws
the lots once: codes and workstations (工位号) ordered by sha256 of the recorded seed and each sign-up's id,
the same reproducible rule as the expert roster's draws (docs/adr/0031, 0078), creating the entries."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Role, User
from accounts.selectors import has_role
from miniprogram_api.errors import conflict, forbidden, not_found, unprocessable
from notifications.services import notify

from . import teams
from .models import AuditLog, Entry, Event, LotDraw, SignUp

# The national vocational skill levels (国家职业技能等级), lowest first; the codes are apprenticeships'
# SkillLevel codes (competitions sits below apprenticeships, so it repeats the five codes).
LEVELS = ("level5", "level4", "level3", "level2", "level1")
LEVEL_NAMES = {"level5": "五级/初级工", "level4": "四级/中级工", "level3": "三级/高级工", "level2": "二级/技师",
               "level1": "一级/高级技师"}


def draw_order(seed: str, ids: Sequence[int], salt: str = "") -> list[int]:
    """Sign-up ids sorted by sha256(f"{seed}:{id}") (codes) or sha256(f"{seed}:ws:{id}") (workstations),
    hex ascending: anyone with the seed and the ids recomputes it with any sha256 tool."""
    def key(i: int) -> tuple[str, int]:
        text = f"{seed}:{salt}:{i}" if salt else f"{seed}:{i}"
        return hashlib.sha256(text.encode()).hexdigest(), i

    return sorted(ids, key=key)


def is_organiser(user: User, event: Event) -> bool:
    return has_role(user, Role.ADMIN, event.contest.org_unit)


def require_organiser(user: User, event: Event) -> None:
    if not is_organiser(user, event):
        raise forbidden("只有主办单位的管理员可以审核报名和抽签", code="not_organiser")


def event_of(contest_id: int, event_id: int, *, for_update: bool = False) -> Event:
    events = Event.objects.select_related("contest__org_unit")
    if for_update:
        events = events.select_for_update(of=("self",))
    event = events.filter(pk=event_id, contest_id=contest_id).first()
    if event is None:
        raise not_found("比赛项目", code="event_not_found")
    return event


def _open_for_signup(event: Event, *, applying: bool = False) -> None:
    if event.state != Event.State.DRAFT or LotDraw.objects.filter(event=event).exists():
        raise conflict("signup_closed", "该项目已抽签或已开始，报名已截止")
    if applying and not event.signup_open:
        raise conflict("signup_closed", "该项目未开放报名")


def _audit(event: Event, action: str, actor: User, reason: str = "", data: dict | None = None) -> None:
    AuditLog.objects.create(contest_id=event.contest_id, event=event, action=action, actor=actor, reason=reason,
                            data=data or {})


# --- applying ------------------------------------------------------------------------------------------
@transaction.atomic
def apply(*, user: User, contest_id: int, event_id: int, skill_level: str = "", certificate_no: str = "",
          team_name: str = "", member_ids: Sequence[int] = ()) -> tuple[SignUp, bool]:
    """(the sign-up, created). A phone resending the same application after a lost answer gets its sign-up
    back (created False); a different second application is refused 409 `already_signed_up`."""
    event = event_of(contest_id, event_id, for_update=True)  # serialises sign-ups of the event (quota)
    _open_for_signup(event, applying=True)
    existing = SignUp.objects.filter(event=event, applicant=user, status__in=SignUp.ACTIVE).first()
    if existing is not None:
        wanted_ids = [int(i) for i in member_ids if int(i) != user.pk]
        resent = (existing.skill_level, existing.certificate_no, existing.team_name, existing.members) == (
            (skill_level or "").strip(), (certificate_no or "").strip(), (team_name or "").strip(),
            [user.pk, *wanted_ids] if wanted_ids else [])
        if resent:
            return existing, False
        raise conflict("already_signed_up", "您已报名该项目，不能重复报名")
    skill_level = (skill_level or "").strip()
    if skill_level and skill_level not in LEVELS:
        raise unprocessable("validation_error", "技能等级应为 level5–level1 之一", detail={"field": "skill_level"})
    if event.min_skill_level:
        if not skill_level:
            raise unprocessable("not_eligible", f"该项目要求技能等级不低于{LEVEL_NAMES[event.min_skill_level]}，"
                                "请填写技能等级", detail={"field": "skill_level"})
        if LEVELS.index(skill_level) < LEVELS.index(event.min_skill_level):
            raise unprocessable("not_eligible", f"该项目要求技能等级不低于{LEVEL_NAMES[event.min_skill_level]}，"
                                f"您申报的是{LEVEL_NAMES[skill_level]}",
                                detail={"required": event.min_skill_level, "declared": skill_level})
    members: list[User] = []
    if event.participation == "team":
        wanted = [int(i) for i in member_ids if int(i) != user.pk]
        found = {u.pk: u for u in User.objects.filter(pk__in=wanted, is_active=True)}
        missing = sorted(set(wanted) - set(found))
        if missing:
            raise unprocessable("unknown_members", "队员中有不存在的人员", detail={"user_ids": missing})
        members = [found[i] for i in wanted]
        team_name = teams.check_team(event, name=team_name, people=[user, *members])
    elif member_ids or team_name:
        raise unprocessable("not_team_event", "该项目为个人赛，不能以队伍报名")
    unit = user.primary_org_unit
    if event.unit_quota is not None:
        used = SignUp.objects.filter(event=event, status__in=SignUp.ACTIVE, org_unit=unit).count()
        if used >= event.unit_quota:
            raise conflict("unit_quota_full", f"本单位报名名额已满（每单位 {event.unit_quota} 个）",
                           detail={"quota": event.unit_quota, "used": used})
    try:
        with transaction.atomic():
            return SignUp.objects.create(event=event, applicant=user, org_unit=unit, team_name=team_name,
                                         members=[user.pk, *[m.pk for m in members]] if members else [],
                                         skill_level=skill_level,
                                         certificate_no=(certificate_no or "").strip()), True
    except IntegrityError:
        raise conflict("already_signed_up", "您已报名该项目，不能重复报名") from None


# --- the organiser's decision ------------------------------------------------------------------------------
@transaction.atomic
def decide(*, actor: User, contest_id: int, event_id: int, signup_id: int, decision: str, reason: str = "") -> SignUp:
    event = event_of(contest_id, event_id, for_update=True)
    require_organiser(actor, event)
    signup = SignUp.objects.select_for_update().filter(pk=signup_id, event=event).first()
    if signup is None:
        raise not_found("报名", code="signup_not_found")
    _open_for_signup(event)
    if decision not in (SignUp.Status.APPROVED, SignUp.Status.REJECTED):
        raise unprocessable("invalid_decision", "审核结果应为 approved 或 rejected", detail={"field": "decision"})
    if signup.status != SignUp.Status.PENDING:
        raise conflict("signup_decided", "该报名已审核")
    reason = (reason or "").strip()
    if decision == SignUp.Status.REJECTED and not reason:
        raise unprocessable("reason_required", "不通过时请填写原因", detail={"field": "reason"})
    signup.status, signup.decided_by, signup.decided_at = decision, actor, timezone.now()
    signup.decision_reason = reason
    signup.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    _audit(event, AuditLog.Action.SIGNUP_DECIDED, actor, reason,
           {"signup_id": signup.pk, "applicant_id": signup.applicant_id, "decision": decision})
    verdict = "已通过" if decision == SignUp.Status.APPROVED else f"未通过：{reason}"
    notify(recipients=_people(signup), kind="contest_signup_decided", title="比武报名审核结果",
           body=f"{event.contest.name} · {event.name}：报名{verdict}",
           data={"contest_id": event.contest_id, "event_id": event.pk, "signup_id": signup.pk, "status": decision},
           dedupe_key=f"contest:{event.pk}:signup:{signup.pk}:decided")
    return signup


def _people(signup: SignUp) -> list[User]:
    ids = signup.members or [signup.applicant_id]
    return list(User.objects.filter(pk__in=ids))


def visible_signups(user: User, contest_id: int, event_id: int) -> tuple[list[SignUp], bool]:
    """The organiser sees every sign-up of the event; anyone else their own (as applicant or member).
    Also says whether the user is the organiser."""
    event = event_of(contest_id, event_id)
    signups = list(SignUp.objects.filter(event=event).select_related("event", "applicant", "org_unit", "entry")
                   .order_by("id"))
    if is_organiser(user, event):
        return signups, True
    return [s for s in signups if s.applicant_id == user.pk or user.pk in (s.members or [])], False


# --- the lot draw --------------------------------------------------------------------------------------
@transaction.atomic
def draw_lots(*, actor: User, contest_id: int, event_id: int, seed: str | None = None) -> LotDraw:
    """Once per event: every approved sign-up becomes an entry with a code and a workstation drawn by lot."""
    event = event_of(contest_id, event_id, for_update=True)
    require_organiser(actor, event)
    if LotDraw.objects.filter(event=event).exists():
        raise conflict("lots_drawn", "该项目已抽签，不能重复抽签")
    if event.state != Event.State.DRAFT:
        raise conflict("event_not_draft", "项目已开始评分，不能再抽签")
    if SignUp.objects.filter(event=event, status=SignUp.Status.PENDING).exists():
        raise conflict("signups_pending", "还有报名未审核，请先审核全部报名")
    if Entry.objects.filter(event=event).exists():
        raise conflict("entries_exist", "该项目已有参赛选手，不能再按报名抽签")
    approved = list(SignUp.objects.filter(event=event, status=SignUp.Status.APPROVED)
                    .select_related("applicant__primary_org_unit").order_by("id"))
    if not approved:
        raise unprocessable("no_approved_signups", "没有审核通过的报名，无法抽签")
    seed = (seed or "").strip() or secrets.token_hex(16)
    if len(seed) > 64:
        raise unprocessable("validation_error", "随机种子最长 64 个字符", detail={"field": "seed"})
    ids = [s.pk for s in approved]
    codes = {sid: f"{event.code_prefix}{n:02d}" for n, sid in enumerate(draw_order(seed, ids), start=1)}
    stations = {sid: f"{n:02d}" for n, sid in enumerate(draw_order(seed, ids, salt="ws"), start=1)}
    people = {u.pk: u for u in User.objects.filter(pk__in={m for s in approved for m in (s.members or [])})
              .select_related("primary_org_unit")}
    now = timezone.now()
    rows = []
    for signup in sorted(approved, key=lambda s: codes[s.pk]):
        if event.participation == "team":
            members = [people[m] for m in signup.members if m in people and m != signup.applicant_id]
            entry = teams.add_team(event=event, name=signup.team_name, captain=signup.applicant, members=members,
                                   code=codes[signup.pk], workstation=stations[signup.pk], exclude_signup=signup.pk)
            Entry.objects.filter(pk=entry.pk).update(drawn_at=now)
        else:
            entry = Entry.objects.create(event=event, contestant=signup.applicant, org_unit=signup.org_unit,
                                         code=codes[signup.pk], workstation=stations[signup.pk], drawn_at=now)
        signup.entry = entry
        signup.save(update_fields=["entry"])
        rows.append({"signup_id": signup.pk, "entry_id": entry.pk, "code": codes[signup.pk],
                     "workstation": stations[signup.pk]})
    try:
        with transaction.atomic():
            draw = LotDraw.objects.create(event=event, seed=seed, rows=rows, drawn_by=actor)
    except IntegrityError:
        raise conflict("lots_drawn", "该项目已抽签，不能重复抽签") from None
    _audit(event, AuditLog.Action.LOT_DRAW, actor, data={"seed": seed, "algorithm": LotDraw.ALGORITHM,
                                                       "entries": len(rows)})
    for signup in approved:  # where to stand; the code stays with the organiser until publication
        notify(recipients=_people(signup), kind="contest_workstation", title="比武抽签结果",
               body=f"{event.contest.name} · {event.name}：您的工位号为 {stations[signup.pk]}",
               data={"contest_id": event.contest_id, "event_id": event.pk, "workstation": stations[signup.pk]},
               dedupe_key=f"contest:{event.pk}:signup:{signup.pk}:workstation")
    return draw


def verify(draw: LotDraw) -> bool:
    """Recompute the recorded draw from its seed and sign-up ids."""
    ids = [r["signup_id"] for r in draw.rows]
    prefix = draw.event.code_prefix
    codes = {sid: f"{prefix}{n:02d}" for n, sid in enumerate(draw_order(draw.seed, ids), start=1)}
    stations = {sid: f"{n:02d}" for n, sid in enumerate(draw_order(draw.seed, ids, salt="ws"), start=1)}
    return all(codes[r["signup_id"]] == r["code"] and stations[r["signup_id"]] == r["workstation"]
               for r in draw.rows)


def lot_draw_of(user: User, contest_id: int, event_id: int) -> LotDraw:
    """The recorded draw: the organiser; anyone else once the event is published. Before that the draw
    pairs each code with a name, which blind judging keeps from judges and spectators (docs/SCORING.md)."""
    event = event_of(contest_id, event_id)
    draw = LotDraw.objects.select_related("event", "drawn_by").filter(event=event).first()
    if draw is None:
        raise not_found("抽签记录", code="lots_not_drawn")
    if not is_organiser(user, event) and event.state != Event.State.PUBLISHED:
        raise forbidden("成绩公布前只有主办单位的管理员可以查看抽签结果（加密号与姓名的对应）", code="not_organiser")
    return draw


# --- answers -------------------------------------------------------------------------------------------
def signup_out(signup: SignUp, *, organiser: bool = True) -> dict:
    """A sign-up as its applicant or the organiser sees it. The applicant learns the workstation (where to
    stand) from the draw, but the code only once the event is published: the code is what judges see."""
    people = {u.pk: teams.person_name(u) for u in User.objects.filter(pk__in=signup.members or [])}
    return {
        "id": signup.pk, "event_id": signup.event_id, "applicant_id": signup.applicant_id,
        "applicant": teams.person_name(signup.applicant),
        "unit": signup.org_unit.name if signup.org_unit else "",
        "team_name": signup.team_name,
        "members": [{"id": m, "name": people.get(m, "")} for m in signup.members or []],
        "skill_level": signup.skill_level, "certificate_no": signup.certificate_no, "status": signup.status,
        "decision_reason": signup.decision_reason,
        "decided_at": signup.decided_at.isoformat() if signup.decided_at else None,
        "created_at": signup.created_at.isoformat(),
        "entry_id": signup.entry_id,
        "code": signup.entry.code if signup.entry and (organiser or signup.event.state == Event.State.PUBLISHED)
        else None,
        "workstation": signup.entry.workstation if signup.entry else None,
    }


def draw_out(draw: LotDraw) -> dict:
    names = {e.pk: teams.entry_name(e) for e in Entry.objects.filter(
        pk__in=[r["entry_id"] for r in draw.rows]).select_related("contestant")}
    return {"event_id": draw.event_id, "seed": draw.seed, "algorithm": draw.algorithm,
            "rule": "加密号：按 sha256(种子:报名编号) 升序；工位号：按 sha256(种子:ws:报名编号) 升序",
            "drawn_by": teams.person_name(draw.drawn_by), "drawn_at": draw.drawn_at.isoformat(),
            "verified": verify(draw),
            "rows": [{**r, "name": names.get(r["entry_id"], "")} for r in draw.rows]}
