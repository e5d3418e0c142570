"""Signals other apps listen to. Sent inside the writing transaction, so that what a receiver appends
commits or rolls back with the write that caused it."""

from django.dispatch import Signal

# An event's results were published (kwargs: event, actor). apprenticeships records them as evidence.
event_published = Signal()

# A published event's results changed (an appeal's re-mark) and were published again as a new version
# (kwargs: event, actor, result: the new PublishedResult, entry_ids: entries whose rank or total moved).
# apprenticeships records the corrected results as evidence.
results_republished = Signal()
