"""Signals other apps listen to. Sent inside the writing transaction, so that what a receiver appends
commits or rolls back with the write that caused it."""

from django.dispatch import Signal

# A run was approved by a review (kwargs: run, review). apprenticeships turns it into evidence.
run_approved = Signal()
