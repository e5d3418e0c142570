"""The database itself refuses UPDATE and DELETE on this app's append-only tables (ADR 0070)."""

from django.db import migrations

from miniprogram_api.append_only import protect


class Migration(migrations.Migration):

    dependencies = [
        ("competitions", "0002_panel_from_expert_roster"),
    ]

    operations = [
        protect("competitions_mark", "competitions_sheetsubmission", "competitions_auditlog"),
    ]
