"""What competitions does when a lower app tells it something: a judge drawn from the expert roster
confirmed → a seat on the event's panel."""

from __future__ import annotations

from django.dispatch import receiver

from experts.signals import seat_confirmed

from . import panels


@receiver(seat_confirmed, dispatch_uid="competitions.seat_confirmed")
def on_seat_confirmed(sender, *, seat, draw, **kwargs) -> None:
    panels.seat_confirmed_judge(seat=seat, draw=draw)
