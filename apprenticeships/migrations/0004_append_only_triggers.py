"""The database itself refuses UPDATE and DELETE on this app's append-only tables (ADR 0070)."""

from django.db import migrations

from miniprogram_api.append_only import protect


class Migration(migrations.Migration):

    dependencies = [
        ("apprenticeships", "0003_training_evidence"),
    ]

    operations = [
        protect("apprenticeships_evidence", "apprenticeships_evidencesignature", "apprenticeships_rating", "apprenticeships_countersign", "apprenticeships_review", "apprenticeships_reviewsignature"),
    ]
