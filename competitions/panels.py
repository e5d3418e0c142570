"""An event's judges come from the expert roster (issue 15): drawn at random from the active experts of the
裁判 category, avoiding the contestants' units and the roster's avoidance lists, or picked by the organiser
with a reason. competitions reads the roster only through experts.selectors/services (docs/adr/0032)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from accounts.selectors import has_role, has_wechat_identity
from experts import selectors as experts_selectors
from experts import services as experts_services
from experts.models import Category, Draw, Seat
from miniprogram_api.errors import conflict, forbidden, not_found, unprocessable

from .models import Entry, EntryMember, Event, PanelMember

SUBJECT = "competitions.event:"


def subject_of(event: Event) -> str:
    return f"{SUBJECT}{event.pk}"


def _organised_event(actor: User, event_id: int) -> Event:
    event = Event.objects.select_for_update().select_related("contest__org_unit").filter(pk=event_id).first()
    if event is None:
        raise not_found("比赛项目", code="event_not_found")
    if not has_role(actor, Role.ADMIN, event.contest.org_unit):
        raise forbidden("只有主办单位的管理员可以组建裁判组", code="not_organiser")
    if event.state != Event.State.DRAFT:
        raise conflict("event_not_draft", "项目已开始评分，不能再调整裁判组", detail={"state": event.state})
    return event


def _parties(event: Event) -> tuple[list[int], list[int]]:
    """(units, persons) the panel must avoid: the contestants' units and the contestants themselves."""
    rows = list(Entry.objects.filter(event=event).values_list("org_unit_id", "contestant_id"))
    rows += list(EntryMember.objects.filter(event=event).values_list("org_unit_id", "member_id"))  # teams
    return sorted({u for u, _ in rows if u is not None}), sorted({p for _, p in rows})


@transaction.atomic
def draw_judges(*, actor: User, event_id: int, count: int, backups: int = 0,
                speciality_ids: list[int] | None = None) -> Draw:
    """Draw the event's judges from the roster; each confirmation seats the judge (receiver below)."""
    event = _organised_event(actor, event_id)
    units, persons = _parties(event)
    seated = list(PanelMember.objects.filter(event=event).values_list("judge_id", flat=True))
    return experts_services.draw(
        actor=None, purpose=f"{event.contest.name} · {event.name} 裁判组", subject=subject_of(event),
        count=count, backups=backups, speciality_ids=speciality_ids or [], categories=[Category.JUDGE],
        avoid_unit_ids=units, avoid_person_ids=[*persons, *seated], drawn_by=actor)


@transaction.atomic
def pick_judge(*, actor: User, event_id: int, user_id: int | None = None, expert_id: int | None = None,
               reason: str, is_chief: bool = False) -> PanelMember:
    """The organiser seats a judge of their choice: an active roster expert of the 裁判 category (by user,
    or by roster entry — an outside expert without an account gets one, bound on their first WeChat login
    with a code from POST /experts/{id}/binding-code), with a reason, not in conflict with a contestant
    (their unit, or the roster's avoidance lists)."""
    event = _organised_event(actor, event_id)
    reason = reason.strip()
    if not reason:
        raise unprocessable("reason_required", "指定裁判须填写理由")
    if (user_id is None) == (expert_id is None):
        raise unprocessable("judge_required", "请指定一位裁判：user_id 或 expert_id 二选一")
    if expert_id is not None:
        expert = experts_selectors.expert_in_category(expert_id, Category.JUDGE)
        if expert is None:
            raise unprocessable("not_a_roster_judge", "只能指定专家库中在库的裁判类专家")
    else:
        judge = User.objects.select_related("primary_org_unit").filter(pk=user_id, is_active=True).first()
        if judge is None:
            raise unprocessable("unknown_user", "用户不存在", detail={"user_id": user_id})
        if not experts_selectors.is_active_in_category(judge, Category.JUDGE):
            raise unprocessable("not_a_roster_judge", "只能指定专家库中在库的裁判类专家")
        found = experts_selectors.expert_of(judge)
        assert found is not None
        expert = found
    units, persons = _parties(event)
    conflicts = experts_selectors.Conflicts.of(unit_ids=units, person_ids=persons)
    why = experts_selectors.avoidance_reason(experts_selectors.with_avoidances(expert), conflicts)
    if why:
        raise unprocessable("judge_must_avoid", f"该裁判需回避：{why}")
    judge = experts_services.ensure_account(expert)
    member, created = PanelMember.objects.get_or_create(
        event=event, judge=judge, defaults={"is_chief": is_chief, "source": "picked", "reason": reason[:200]})
    if not created:
        raise conflict("already_on_panel", "该裁判已在本项目裁判组中")
    _record(event, judge, chief=is_chief)
    return member


def _record(event: Event, judge: User, *, chief: bool) -> None:
    day = timezone.localdate(event.contest.starts_at) if event.contest.starts_at else timezone.localdate()
    experts_services.record_engagement(user=judge, kind="contest", ref=subject_of(event),
                                       title=f"{event.contest.name} · {event.name}", role="裁判长" if chief else "裁判",
                                       occurred_on=day)


def seat_confirmed_judge(*, seat: Seat, draw: Draw) -> PanelMember | None:
    """A drawn judge confirmed (experts.signals.seat_confirmed, in the answer's transaction): seat them.
    An outside expert (the manager recorded their answer given by phone) gets an account now, which they
    bind on their first WeChat login with a code from POST /experts/{id}/binding-code."""
    if not draw.subject.startswith(SUBJECT):
        return None
    event = Event.objects.select_related("contest").filter(pk=int(draw.subject[len(SUBJECT):])).first()
    if event is None:
        return None
    if event.state != Event.State.DRAFT and (
            seat.expert.user_id is None
            or not PanelMember.objects.filter(event=event, judge_id=seat.expert.user_id).exists()):
        return None  # scoring has begun: the organiser decides whether a late confirmation joins the panel
    judge = experts_services.ensure_account(seat.expert)
    member, _ = PanelMember.objects.get_or_create(event=event, judge=judge,
                                                  defaults={"source": "drawn", "draw": draw})
    _record(event, judge, chief=False)
    return member


def draw_out(draw: Draw) -> dict:
    detail = experts_selectors.draw_detail(draw.pk)
    assert detail is not None
    seats = [{"seat_id": s.pk, "position": s.position, "is_backup": s.is_backup, "status": s.status,
              "expert_code": s.expert.code, "expert_name": s.expert.name} for s in detail.seats.all()]
    return {"draw_id": detail.pk, "seed": detail.seed, "candidates": len(detail.candidates),
            "members": [s for s in seats if not s["is_backup"]], "backups": [s for s in seats if s["is_backup"]]}


def member_out(member: PanelMember) -> dict:
    return {"judge_id": member.judge_id, "judge_name": member.judge.name, "is_chief": member.is_chief,
            "source": member.source, "reason": member.reason, "draw_id": member.draw_id,
            "bound": has_wechat_identity(member.judge_id)}
