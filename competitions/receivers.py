"""What competitions does when a lower app tells it something: a judge drawn from the expert roster
confirmed → a seat on the event's panel; an expert's record is composed → the judge's analytics of
the published events they judged."""

from __future__ import annotations

from django.dispatch import receiver

from experts.signals import engagement_details, seat_confirmed

from . import awards, expert_record, panels, signals


@receiver(seat_confirmed, dispatch_uid="competitions.seat_confirmed")
def on_seat_confirmed(sender, *, seat, draw, **kwargs) -> None:
    panels.seat_confirmed_judge(seat=seat, draw=draw)


@receiver(engagement_details, dispatch_uid="competitions.engagement_details")
def on_engagement_details(sender, *, expert, engagements, **kwargs) -> dict:
    return expert_record.judging_details(expert=expert, engagements=engagements)


# --- awards follow the published results (H5: competitions/awards.py) ------------------------------------------
@receiver(signals.event_published, dispatch_uid="competitions.awards.published")
def awards_on_publication(sender, *, event, **kwargs) -> None:
    result = awards.latest_result(event)
    if result is not None and not result.awards.exists():
        awards.record(event=event, result=result)


@receiver(signals.results_republished, dispatch_uid="competitions.awards.republished")
def awards_on_republication(sender, *, event, result, **kwargs) -> None:
    awards.record(event=event, result=result)
