"""Signals higher apps listen to: practice knows nothing of work orders or apprenticeships.

Sent inside the writing transaction, so that what a receiver writes commits or rolls back with the
write that caused it.
"""

from django.dispatch import Signal

# A run was approved by a review (kwargs: run, review). apprenticeships turns it into evidence.
run_approved = Signal()

# A step was recorded as flag or fail (kwargs: run, step, record); the sender holds the run's row lock.
# workorders opens the corrective work order, one per (run, step).
step_problem_recorded = Signal()

# The work orders that a run raised, for its detail page (kwargs: run). Receivers return a list of
# dicts shaped like `schemas.WorkOrderBriefOut`; workorders is the one that answers.
run_work_orders_wanted = Signal()
