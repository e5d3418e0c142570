"""The database itself refuses UPDATE and DELETE on issued credentials and revocations (ADR 0070): a
credential once signed, and its revocation, are facts a verifier relies on."""

from django.db import migrations

from miniprogram_api.append_only import protect


class Migration(migrations.Migration):

    dependencies = [
        ("credentials", "0001_initial"),
    ]

    operations = [
        protect("credentials_issuedcredential", "credentials_revocation"),
    ]
