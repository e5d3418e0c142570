from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from accounts.models import ApiToken
from accounts.services import issue_token
from miniprogram_api.models import IdempotencyRecord


def test_scheduler_once_purges_only_what_has_expired(make_user, settings):
    user = make_user()
    old = IdempotencyRecord.objects.create(user=user, scope="s", key="old", request_hash="h")
    IdempotencyRecord.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=settings.RETENTION_DAYS["idempotency"], hours=1))
    IdempotencyRecord.objects.create(user=user, scope="s", key="fresh", request_hash="h")
    issue_token(user=user)
    stale, _ = issue_token(user=user)
    ApiToken.objects.filter(pk=ApiToken.objects.latest("id").pk).update(expires_at=timezone.now() - timedelta(days=8))

    call_command("run_scheduler", "--once")
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]
    assert ApiToken.objects.count() == 1

    # A second scheduler in the same interval does not run the job again.
    IdempotencyRecord.objects.filter(key="fresh").update(created_at=timezone.now() - timedelta(days=30))
    call_command("run_scheduler", "--once")
    assert IdempotencyRecord.objects.filter(key="fresh").exists()
