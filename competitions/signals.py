"""Signals other apps listen to. Sent inside the writing transaction, so that what a receiver appends
commits or rolls back with the write that caused it."""

from django.dispatch import Signal

# An event's results were published (kwargs: event, actor). apprenticeships records them as evidence.
event_published = Signal()
