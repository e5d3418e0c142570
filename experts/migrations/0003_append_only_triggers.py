"""The database itself refuses UPDATE and DELETE on a recorded draw (ADR 0070): its seed and candidate
list are what an auditor re-runs."""

from django.db import migrations

from miniprogram_api.append_only import protect


class Migration(migrations.Migration):

    dependencies = [
        ("experts", "0002_speciality_tree"),
    ]

    operations = [
        protect("experts_draw"),
    ]
