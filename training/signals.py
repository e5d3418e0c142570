"""Signals the apps above training listen to (apprenticeships turns them into evidence). Sent inside the
writing transaction, so what a receiver appends commits or rolls back with the completion or the grading."""

from django.dispatch import Signal

# Every lesson of a course is complete (kwargs: enrolment, course): the course's learning hours are earned.
course_completed = Signal()

# An attempt was graded and passed (kwargs: attempt).
exam_passed = Signal()
