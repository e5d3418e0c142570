"""Append-only facts: rows written once, never edited or deleted in place.

Marks, audit entries, evidence, signatures, reviews and work-order history are evidence that people
rely on later (an appeal, an audit, a 出师 certificate). A correction is a new row with an actor and a
reason. The model refuses `save()` on an existing row and `delete()`; the admin shows such rows
read-only (`miniprogram_api.admin.ReadOnlyAdmin`).
"""

from __future__ import annotations

from django.db import models


class AppendOnlyError(Exception):
    """Code tried to edit or delete an append-only row."""


class AppendOnlyModel(models.Model):
    """Rows that are written once. Corrections are new rows, so history stays auditable."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only")
