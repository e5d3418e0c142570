"""Evidence that arrives by itself. The signals are sent inside the writing transaction (the review
of a run, the publication of a contest event, a completed course, a graded exam), so the evidence
commits or rolls back with it."""

from django.dispatch import receiver

from competitions.signals import event_published, results_republished
from practice.signals import run_approved
from training.signals import course_completed, exam_passed

from . import services


@receiver(run_approved, dispatch_uid="apprenticeships.run_approved")
def on_run_approved(sender, run, review, **kwargs):
    services.record_run_evidence(run=run, review=review)


@receiver(event_published, dispatch_uid="apprenticeships.event_published")
def on_event_published(sender, event, actor=None, **kwargs):
    services.record_contest_results(event=event, actor=actor)


@receiver(results_republished, dispatch_uid="apprenticeships.results_republished")
def on_results_republished(sender, event, result, entry_ids, actor=None, **kwargs):
    services.record_contest_correction(event=event, result=result, entry_ids=entry_ids)


@receiver(course_completed, dispatch_uid="apprenticeships.course_completed")
def on_course_completed(sender, enrolment, course, **kwargs):
    services.record_course_evidence(user_id=enrolment.user_id, course=course, completed_at=enrolment.completed_at)


@receiver(exam_passed, dispatch_uid="apprenticeships.exam_passed")
def on_exam_passed(sender, attempt, **kwargs):
    services.record_exam_evidence(attempt=attempt)
