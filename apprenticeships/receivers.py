"""Evidence that arrives by itself. Both signals are sent inside the writing transaction (the review
of a run, the publication of a contest event), so the evidence commits or rolls back with it."""

from django.dispatch import receiver

from competitions.signals import event_published
from practice.signals import run_approved

from . import services


@receiver(run_approved, dispatch_uid="apprenticeships.run_approved")
def on_run_approved(sender, run, review, **kwargs):
    services.record_run_evidence(run=run, review=review)


@receiver(event_published, dispatch_uid="apprenticeships.event_published")
def on_event_published(sender, event, actor=None, **kwargs):
    services.record_contest_results(event=event, actor=actor)
