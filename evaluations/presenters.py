"""Campaigns, questions and actions as the mini-program sees them."""

from __future__ import annotations

from django.utils import timezone

from miniprogram_api.clock import local_today

from .models import Campaign, ImprovementAction


def question_out(q: dict) -> dict:
    return {**q, "dimension": q.get("dimension", "")}


def campaign_out(campaign: Campaign, *, responded: bool, organiser: bool, state: str, detail: bool = False) -> dict:
    out = {"id": campaign.pk, "title": campaign.title, "template": campaign.template.title,
           "target": {"kind": campaign.target_kind, "id": campaign.target_id, "label": campaign.target_label},
           "audience_kind": campaign.audience_kind, "opens_at": campaign.opens_at, "closes_at": campaign.closes_at,
           "state": state, "anonymous": campaign.anonymous, "min_responses": campaign.min_responses,
           "responded": responded, "organiser": organiser}
    if detail:
        out["questions"] = [question_out(q) for q in campaign.questions]
    return out


def action_out(action: ImprovementAction, *, events: bool = False) -> dict:
    out = {"id": action.pk, "target": {"kind": action.target_kind, "id": action.target_id,
                                       "label": action.target_label},
           "source_kind": action.source_kind, "source_id": action.source_id, "source_label": action.source_label,
           "item_key": action.item_key, "item_label": action.item_label, "score": action.score,
           "threshold": action.threshold, "owner": action.owner.name if action.owner else None,
           "due_date": action.due_date,
           "overdue": action.state != ImprovementAction.State.CLOSED and action.due_date < local_today(timezone.now()),
           "state": action.state, "evidence": action.evidence, "recheck": action.recheck,
           "recheck_score": action.recheck_score, "events": []}
    if events:
        out["events"] = [{"kind": e.kind, "actor": e.actor.name if e.actor else None, "note": e.note, "at": e.at}
                         for e in action.events.select_related("actor").order_by("at", "id")]
    return out
