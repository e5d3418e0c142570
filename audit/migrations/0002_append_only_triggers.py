"""The database itself refuses UPDATE and DELETE on this app's append-only tables (ADR 0070)."""

from django.db import migrations

from miniprogram_api.append_only import protect


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        protect("audit_accesslogentry"),
    ]
