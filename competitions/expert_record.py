"""Judge analytics in the judge's expert record (issue 17; docs/adr/0073).

The roster (experts) is below competitions and may not read it; when it composes an expert's record it
asks (experts.signals.engagement_details) and this answers for the record's contest engagements
(`competitions.event:<id>`, written when a judge takes a seat): the judge's deviation summary of that
event, once it is published — before that the figures would tell the roster what the judge marked in
an event still under blind judging. Computed from the marks when asked, so a republication after an
upheld appeal shows at once."""

from __future__ import annotations

from .analytics import event_analytics
from .models import Event
from .panels import SUBJECT


def judging_details(*, expert, engagements) -> dict[int, dict]:
    if expert.user_id is None:
        return {}
    wanted: dict[int, int] = {}  # event id → engagement id
    for engagement in engagements:
        if engagement.kind == "contest" and engagement.ref.startswith(SUBJECT):
            tail = engagement.ref[len(SUBJECT):]
            if tail.isdigit():
                wanted[int(tail)] = engagement.pk
    if not wanted:
        return {}
    out: dict[int, dict] = {}
    for event in (Event.objects.filter(pk__in=list(wanted), state=Event.State.PUBLISHED)
                  .select_related("contest").order_by("id")):
        row = next((r for r in event_analytics(event)["judges"] if r["judge_id"] == expert.user_id), None)
        if row is None:  # the chief judge, or a judge who left the panel
            continue
        out[wanted[event.id]] = {"judging": {
            "event_id": event.id, "event": event.name, "contest": event.contest.name,
            "marks": row["marks"], "entries": row["entries"], "signed_deviation": row["signed_deviation"],
            "absolute_deviation": row["absolute_deviation"], "outside_tolerance": row["outside_tolerance"],
            "outside_share": row["outside_share"], "rank_correlation": row["rank_correlation"],
            "own_unit_signed_deviation": row["own_unit"]["signed_deviation"],
            "other_units_signed_deviation": row["other_units"]["signed_deviation"]}}
    return out
