"""A practice lesson is done when the learner's run of its procedure is approved (sent inside the review's
transaction, so the completion commits or rolls back with it)."""

from django.dispatch import receiver

from practice.signals import run_approved

from . import services


@receiver(run_approved, dispatch_uid="training.run_approved")
def on_run_approved(sender, run, review, **kwargs):
    services.complete_practice(run=run)
