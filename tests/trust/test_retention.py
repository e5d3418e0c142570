"""Retention per kind, on a frozen clock: scan GPS coarsened then removed, old notifications and delivered
outbox rows deleted, access-log entries kept at least 180 days (a shorter setting makes the job refuse)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from audit.models import AccessLogEntry
from notifications.models import Notification, OutboxMessage
from practice.models import ScanLog
from privacy.retention import apply_retention


def scan(user, at, lat="31.812345", lng="119.973456"):
    return ScanLog.objects.create(user=user, code="X", outcome="ok", scanned_at=at, latitude=Decimal(lat),
                                  longitude=Decimal(lng), accuracy_m=8.0, distance_m=12.5)


def test_scan_gps_is_coarsened_after_30_days_and_removed_after_180(clock, make_user):
    user = make_user()
    fresh, month, old = (scan(user, clock.now - timedelta(days=d)) for d in (1, 31, 181))
    result = apply_retention()
    assert result["scan_gps_removed"] == 1 and result["scan_gps_coarsened"] == 1
    fresh.refresh_from_db(), month.refresh_from_db(), old.refresh_from_db()
    assert fresh.latitude == Decimal("31.812345") and fresh.accuracy_m == 8.0
    assert month.latitude == Decimal("31.81") and month.longitude == Decimal("119.97") and month.accuracy_m is None
    assert old.latitude is None and old.longitude is None and old.distance_m == 12.5  # the review's distance stays
    clock.advance(days=150)
    apply_retention()
    month.refresh_from_db()
    assert month.latitude is None  # 181 days old now


def test_notifications_and_delivered_outbox_rows_expire(clock, make_user, settings):
    user = make_user()
    Notification.objects.create(recipient=user, kind="x", title="旧", created_at=clock.now - timedelta(days=366))
    Notification.objects.create(recipient=user, kind="x", title="新", created_at=clock.now - timedelta(days=10))
    for n, (state, age) in enumerate([("sent", 31), ("not_subscribed", 31), ("pending", 31), ("sent", 5)]):
        OutboxMessage.objects.create(recipient=user, kind="x", dedupe_key=f"k{n}", state=state,
                                     created_at=clock.now - timedelta(days=age))
    result = apply_retention()
    assert result["notifications"] == 1 and result["outbox_delivered"] == 2
    assert list(Notification.objects.values_list("title", flat=True)) == ["新"]
    assert sorted(OutboxMessage.objects.values_list("state", flat=True)) == ["pending", "sent"]  # unsent stays
    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "notifications": 5}
    assert apply_retention()["notifications"] == 1


def test_access_log_is_kept_at_least_180_days_and_a_shorter_setting_is_refused(db, clock, settings):
    AccessLogEntry.objects.create(action="export", at=clock.now - timedelta(days=200))
    AccessLogEntry.objects.create(action="export", at=clock.now - timedelta(days=400))
    assert apply_retention()["access_log"] == 1  # the default keeps a year
    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "access_log": 179, "notifications": 0}
    with pytest.raises(ImproperlyConfigured):
        apply_retention()
    assert AccessLogEntry.objects.count() == 1
    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "access_log": 180}
    assert apply_retention()["access_log"] == 1


def test_the_scheduler_runs_retention(db, settings):
    assert settings.SCHEDULED_JOBS["privacy_retention"][0] == "privacy.retention.apply_retention"


def test_idempotency_records_are_kept_as_configured(clock, make_user, settings):
    from miniprogram_api.jobs import purge_expired
    from miniprogram_api.models import IdempotencyRecord

    user = make_user()
    for key, age in (("today", timedelta(hours=5)), ("two-days", timedelta(days=2)), ("old", timedelta(days=4))):
        record = IdempotencyRecord.objects.create(user=user, scope="s", key=key, request_hash="h")
        IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=clock.now - age)
    assert purge_expired() == {"idempotency_records": 1}  # the default keeps 3 days
    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "idempotency": 1}
    assert purge_expired() == {"idempotency_records": 1}
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["today"]
    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "idempotency": 0}  # never less than a day
    assert purge_expired() == {}
    clock.advance(days=1)
    assert purge_expired() == {"idempotency_records": 1}


def test_expired_and_revoked_tokens_are_kept_as_configured(clock, make_user, settings):
    from accounts.jobs import purge_expired_tokens
    from accounts.models import ApiToken
    from accounts.services import issue_token

    user = make_user()
    tokens = {}
    for name in ("live", "expired-3", "expired-10", "revoked-3", "revoked-10"):
        issue_token(user=user)
        tokens[name] = ApiToken.objects.latest("id").pk
    ApiToken.objects.filter(pk=tokens["expired-3"]).update(expires_at=clock.now - timedelta(days=3))
    ApiToken.objects.filter(pk=tokens["expired-10"]).update(expires_at=clock.now - timedelta(days=10))
    ApiToken.objects.filter(pk=tokens["revoked-3"]).update(revoked_at=clock.now - timedelta(days=3))
    ApiToken.objects.filter(pk=tokens["revoked-10"]).update(revoked_at=clock.now - timedelta(days=10))
    assert purge_expired_tokens() == {"tokens": 2}  # the default keeps 7 days after expiry or revocation
    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "tokens": 2}
    assert purge_expired_tokens() == {"tokens": 2}
    assert list(ApiToken.objects.values_list("pk", flat=True)) == [tokens["live"]]
