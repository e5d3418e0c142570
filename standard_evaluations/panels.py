"""A campaign's panel comes from the expert roster (issue 15 × issue 16): drawn at random from the active
experts of the 评审专家 category, avoiding the evaluated unit (an expert working in it, or in a studio or
team inside it, or declaring it on their avoidance list) and those already seated. A drawn expert joins the
panel when they confirm their seat; a decline calls the next backup (experts.services.answer). The roster
is read only through experts.selectors/services, as competitions does for its judges (docs/adr/0093)."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from accounts.selectors import is_admin
from experts import selectors as experts_selectors
from experts import services as experts_services
from experts.models import Category, Draw, Seat
from miniprogram_api.clock import local_today
from miniprogram_api.errors import ApiError

from .models import Campaign, PanelExpert

SUBJECT = "standard_evaluations.campaign:"


def subject_of(campaign: Campaign) -> str:
    return f"{SUBJECT}{campaign.pk}"


def purpose_of(campaign: Campaign) -> str:
    return f"标准实施评价 · {campaign.title} 评审专家组"


@transaction.atomic
def draw_panel(*, actor: User | None, campaign_id: int, count: int, backups: int = 0,
               speciality_ids: list[int] | None = None, seed: str | None = None) -> Draw:
    """Draw the campaign's experts (admins; `actor` None is the demo or another service that checked its
    own permission). Every drawn member is invited at once; each confirmation seats them (receiver)."""
    if actor is not None and not is_admin(actor):
        raise ApiError("forbidden", "只有管理员可以抽取评审专家", status=403)
    campaign = Campaign.objects.select_for_update().filter(pk=campaign_id).first()
    if campaign is None:
        raise ApiError("not_found", "实施评价不存在", status=404)
    if campaign.state != Campaign.State.OPEN:
        raise ApiError("campaign_closed", "该实施评价已结束，不能再抽取专家", status=409)
    # Those seated, and those an earlier draw of this campaign invited or keeps as a backup, are not drawn again.
    seated = set(PanelExpert.objects.filter(campaign=campaign).values_list("expert_id", flat=True))
    for earlier in experts_selectors.draws_for_subject(subject_of(campaign)):
        seated |= {s.expert.user_id for s in earlier.seats.all()
                   if s.status != Seat.Status.DECLINED and s.expert.user_id is not None}
    return experts_services.draw(
        actor=None, purpose=purpose_of(campaign), subject=subject_of(campaign), count=count, backups=backups,
        speciality_ids=speciality_ids or [], categories=[Category.REVIEWER], avoid_unit_ids=[campaign.unit_id],
        avoid_person_ids=sorted(seated), seed=seed, drawn_by=actor or campaign.created_by)


def seat_confirmed_expert(*, seat: Seat, draw: Draw) -> PanelExpert | None:
    """A drawn expert confirmed (experts.signals.seat_confirmed, in the answer's transaction): seat them on
    the panel while the campaign is open. An outside expert without an account cannot score on a phone;
    the admin gives them one first."""
    if not draw.subject.startswith(SUBJECT) or seat.expert.user_id is None:
        return None
    campaign = Campaign.objects.filter(pk=int(draw.subject[len(SUBJECT):])).first()
    if campaign is None or campaign.state != Campaign.State.OPEN:
        return None
    member, _ = PanelExpert.objects.get_or_create(campaign=campaign, expert_id=seat.expert.user_id,
                                                  defaults={"source": PanelExpert.Source.DRAWN, "draw": draw})
    experts_services.record_engagement(kind="evaluation", ref=subject_of(campaign), title=campaign.title,
                                       occurred_on=local_today(), user=seat.expert.user, role="评审专家")
    return member


def draws_of(campaign_id: int) -> list[dict]:
    """The campaign's recorded draws with their seats (members and backups, with their answers)."""
    return [draw_out(draw) for draw in experts_selectors.draws_for_subject(f"{SUBJECT}{campaign_id}")]


def draw_out(draw: Draw) -> dict:
    seats = [{"seat_id": s.pk, "position": s.position, "is_backup": s.is_backup, "status": s.status,
              "expert_code": s.expert.code, "expert_name": s.expert.name} for s in draw.seats.all()]
    return {"draw_id": draw.pk, "seed": draw.seed, "candidates": len(draw.candidates),
            "avoid_units": list(draw.avoid_units),
            "members": [s for s in seats if not s["is_backup"]], "backups": [s for s in seats if s["is_backup"]]}
