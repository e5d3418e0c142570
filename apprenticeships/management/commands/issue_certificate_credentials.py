"""Issue the verifiable credential of every certificate that has none (those issued before credentials
existed). Safe to run again: a certificate's credential is issued once. Revoked certificates are skipped."""

from django.core.management.base import BaseCommand

from apprenticeships import services


class Command(BaseCommand):
    help = "为尚无可验证电子证书的出师证书补发（已撤销的除外；可重复运行）"

    def handle(self, *args, **options):
        issued = services.issue_missing_credentials()
        self.stdout.write(f"issued {issued} credential(s)")
