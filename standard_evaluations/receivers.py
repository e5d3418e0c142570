"""What standard_evaluations does when a lower app tells it something: an expert drawn from the roster for
a campaign confirmed → a seat on the campaign's panel."""

from __future__ import annotations

from django.dispatch import receiver

from experts.signals import seat_confirmed

from . import panels


@receiver(seat_confirmed, dispatch_uid="standard_evaluations.seat_confirmed")
def on_seat_confirmed(sender, *, seat, draw, **kwargs) -> None:
    panels.seat_confirmed_expert(seat=seat, draw=draw)
