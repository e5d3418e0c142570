"""Rounds (issue 17; docs/SCORING.md "Rounds"): an event may be a later round (a final) of a previous one
(a preliminary). Once the preliminary is published, the chief judge advances its top N into the final: the
entries ranked N or better in the preliminary's latest published version, so everyone tied with the N-th
(same rank after the tie-break chain) advances too. Each new entry records the entry it came from and that
entry's published total; the final's board carries `carry_share` % of it (0: a fresh start). The final's
published results are the event's results."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from accounts.models import User
from miniprogram_api.errors import conflict, unprocessable

from . import teams
from .models import AuditLog, Entry, EntryMember, Event, PublishedResult
from .selectors import require_chief


def qualified(rows: list[dict], n: int) -> tuple[list[dict], int | None]:
    """The rows that advance from a published result: rank ≤ the rank of the N-th row (ties at the cut
    advance together), in rank order; and that cut rank."""
    ordered = sorted(rows, key=lambda r: (r["rank"], r["code"]))
    if not ordered or n <= 0:
        return [], None
    cut = ordered[min(n, len(ordered)) - 1]["rank"]
    return [r for r in ordered if r["rank"] <= cut], cut


@transaction.atomic
def advance(*, actor: User, event_id: int) -> dict:
    from .services import _locked_event, audit

    event, _ = _locked_event(event_id)
    require_chief(actor, event)
    previous = event.previous_round
    if previous is None:
        raise unprocessable("no_previous_round", "该项目不是后续轮次（未设置上一轮）")
    if not event.qualifiers:
        raise unprocessable("qualifiers_required", "请先设置晋级人数（上一轮前 N 名）")
    if event.state != Event.State.DRAFT:
        raise conflict("event_not_draft", "本轮已开始评分，不能再晋级")
    if previous.participation != event.participation:
        raise unprocessable("round_mismatch", "两轮的参赛形式（个人赛/团体赛）应相同")
    if Entry.objects.filter(event=event).exists():
        raise conflict("already_advanced", "本轮已有参赛选手（已晋级）")
    if previous.state != Event.State.PUBLISHED:
        raise conflict("previous_not_published", "上一轮成绩公布后才能晋级")
    result = PublishedResult.objects.filter(event=previous).order_by("-version").first()
    if result is None:
        raise conflict("previous_not_published", "上一轮成绩公布后才能晋级")
    rows, cut = qualified(result.rows, event.qualifiers)
    old = {e.pk: e for e in Entry.objects.filter(pk__in=[r["entry_id"] for r in rows])
           .select_related("contestant__primary_org_unit", "org_unit")}
    members: dict[int, list[User]] = {}
    for m in EntryMember.objects.filter(entry_id__in=list(old)).select_related("member__primary_org_unit") \
            .order_by("entry_id", "order", "id"):
        members.setdefault(m.entry_id, []).append(m.member)
    out = []
    for row in rows:
        source = old[row["entry_id"]]
        carried = Decimal(row["total"])
        if source.team_name:
            people = members.get(source.pk, [source.contestant])
            entry = teams.add_team(event=event, name=source.team_name, captain=people[0], members=people[1:])
            Entry.objects.filter(pk=entry.pk).update(carried_from=source, carried_total=carried)
        else:
            entry = Entry.objects.create(event=event, contestant=source.contestant, org_unit=source.org_unit,
                                         carried_from=source, carried_total=carried)
        out.append({"entry_id": entry.pk, "from_entry_id": source.pk, "name": row["name"], "rank": row["rank"],
                    "carried_total": str(carried)})
    audit(event=event, action=AuditLog.Action.ADVANCE, actor=actor,
          data={"from_event_id": previous.pk, "version": result.version, "qualifiers": event.qualifiers,
                "cut_rank": cut, "advanced": len(out), "carry_share": str(event.carry_share)})
    return {"event_id": event.pk, "from_event_id": previous.pk, "qualifiers": event.qualifiers, "advanced": len(out),
            "cut_rank": cut, "carry_share": event.carry_share, "entries": out}
