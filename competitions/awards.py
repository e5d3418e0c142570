"""Awards (获奖等次) of published events: recorded per published version and read for the results, the
boards and supervision. The rule itself (shares, ranks, ties, 优胜奖) is competitions/prizes.py."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count

from .models import Award, AwardCertificate, Entry, Event, PublishedResult
from .prizes import DEFAULT_NAMES, MERIT, Tier, assign, problems, tiers_of  # noqa: F401 (the rule, re-exported)


# --- at publication and republication ------------------------------------------------------------------------
def record(*, event: Event, result: PublishedResult) -> list[Award]:
    """The awards of a published version (append-only rows), then the certificates follow them: a winner
    whose award is new gets a certificate, one whose award changed or was lost has the old one revoked (and,
    when still a winner, a new one). Inside the publishing transaction (competitions.signals receivers)."""
    from . import award_certificates

    tiers = assign(event, [(row["entry_id"], row["rank"]) for row in result.rows])
    rows = {row["entry_id"]: row for row in result.rows}
    awards = [Award.objects.create(event=event, result=result, entry_id=entry_id, tier=tier.name,
                                   tier_order=tier.order, rank=rows[entry_id]["rank"],
                                   total=Decimal(rows[entry_id]["total"]))
              for entry_id, tier in sorted(tiers.items(), key=lambda item: (item[1].order, rows[item[0]]["rank"]))]
    award_certificates.follow(event=event, result=result, awards=awards)
    return awards


def latest_result(event: Event) -> PublishedResult | None:
    return PublishedResult.objects.filter(event=event).order_by("-version").first()


# --- reads ------------------------------------------------------------------------------------------------
def current_awards(event: Event) -> list[Award]:
    """The awards of the event's latest published version (none before publication)."""
    result = latest_result(event)
    if result is None:
        return []
    return list(Award.objects.filter(result=result).select_related("entry__contestant", "entry__org_unit")
                .order_by("tier_order", "rank", "entry__code"))


def valid_certificate_codes(event: Event) -> dict[int, str]:
    """Entry id → the code of its valid award certificate for the event (one query)."""
    return dict(AwardCertificate.objects.filter(award__event=event, revoked_at__isnull=True)
                .values_list("entry_id", "code"))


def award_out(award: Award, codes: dict[int, str]) -> dict:
    entry = award.entry
    certificate = codes.get(entry.id)
    return {"entry_id": entry.id, "code": entry.code, "name": entry.contestant.name,
            "unit": entry.org_unit.name if entry.org_unit else "", "tier": award.tier, "tier_order": award.tier_order,
            "rank": award.rank, "total": str(award.total), "certificate_code": certificate}


def contest_awards(contest) -> dict:
    """Per published event: its award rule and the awards of its latest version; and the counts per tier."""
    events = []
    counts: dict[str, int] = {}
    for event in Event.objects.filter(contest=contest, state=Event.State.PUBLISHED).order_by("order", "id"):
        result = latest_result(event)
        awards = current_awards(event)
        codes = valid_certificate_codes(event)
        for award in awards:
            counts[award.tier] = counts.get(award.tier, 0) + 1
        events.append({"id": event.id, "name": event.name, "mode": event.award_mode or None,
                       "tiers": [{"name": t.get("name") or DEFAULT_NAMES[min(i, 4)], "value": str(t.get("value"))}
                                 for i, t in enumerate(event.award_tiers or []) if isinstance(t, dict)],
                       "merit": event.award_merit, "version": result.version if result else None,
                       "awards": [award_out(a, codes) for a in awards]})
    return {"contest_id": contest.id, "events": events, "counts": counts}


def unit_award_counts(*, units, start, end) -> dict[int, dict[str, int]]:
    """Per unit (its subtree; as competitions.selectors.unit_summary counts), the awards of the latest
    published version of every event of contests starting in [start, end), by tier, with "total". One
    query for the latest versions, one for the counts."""
    from accounts.selectors import containing

    root = units[0].path
    latest: dict[int, int] = {}
    for event_id, result_id in (PublishedResult.objects.filter(event__contest__starts_at__gte=start,
                                                               event__contest__starts_at__lt=end)
                                .order_by("event_id", "version").values_list("event_id", "id")):
        latest[event_id] = result_id
    out: dict[int, dict[str, int]] = {u.pk: {"total": 0} for u in units}
    for row in (Award.objects.filter(result_id__in=list(latest.values()), entry__org_unit__path__startswith=root)
                .values("entry__org_unit__path", "tier").annotate(n=Count("id")).order_by()):
        for unit_id in containing(units, row["entry__org_unit__path"]):
            out[unit_id][row["tier"]] = out[unit_id].get(row["tier"], 0) + row["n"]
            out[unit_id]["total"] += row["n"]
    return out


def entry_award(entry: Entry) -> Award | None:
    result = latest_result(entry.event)
    return Award.objects.filter(result=result, entry=entry).first() if result else None
