"""The database itself refuses UPDATE and DELETE on this app's append-only tables (ADR 0070)."""

from django.db import migrations

from miniprogram_api.append_only import protect


class Migration(migrations.Migration):

    dependencies = [
        ("practice", "0001_initial"),
        ("workorders", "0003_runs_and_photos_moved_out"),  # after the last migration that touched the table
    ]

    operations = [
        protect("workorders_steprecord"),
    ]
