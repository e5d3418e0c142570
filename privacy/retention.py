"""Retention per kind of data (PIPL: keep personal data no longer than the purpose needs), run daily by
`run_scheduler` (`privacy_retention`). What is kept how long and why: docs/OPERATIONS.md.

- scan GPS: coarsened to 0.01° (about 1 km) after `scan_gps_coarse` days, removed after `scan_gps` days
  (the distance to the point, which the review needed, stays);
- in-app notifications: deleted after `notifications` days;
- WeChat outbox rows that are done (sent, not subscribed, skipped): deleted after `outbox_delivered` days;
- access-log entries: deleted after `access_log` days, never fewer than 180 (Cybersecurity Law art. 21):
  a shorter setting makes the job refuse to run at all.
- idempotency records: deleted `idempotency` days after the request (at least one), by the hourly job
  `purge_expired` (miniprogram_api.jobs);
- API tokens: deleted `tokens` days after they expired or were revoked, by the hourly job
  `purge_expired_tokens` (accounts.jobs).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models.functions import Round
from django.utils import timezone

from miniprogram_api.append_only import maintenance

LOG_FLOOR_DAYS = 180
logger = logging.getLogger("shixun.privacy")


def days(kind: str) -> int:
    return int(settings.RETENTION_DAYS[kind])


def check_floor() -> None:
    if days("access_log") < LOG_FLOOR_DAYS:
        raise ImproperlyConfigured(f"RETENTION_DAYS['access_log'] = {days('access_log')}: access logs must be "
                                   f"kept at least {LOG_FLOOR_DAYS} days (Cybersecurity Law art. 21)")


@transaction.atomic
def apply_retention() -> dict[str, int]:
    check_floor()  # before touching anything
    from audit.models import AccessLogEntry
    from notifications.models import Notification, OutboxMessage
    from practice.models import ScanLog

    now = timezone.now()
    result = {}
    result["scan_gps_removed"] = ScanLog.objects.filter(
        scanned_at__lt=now - timedelta(days=days("scan_gps")), latitude__isnull=False,
    ).update(latitude=None, longitude=None, accuracy_m=None)
    result["scan_gps_coarsened"] = ScanLog.objects.filter(
        scanned_at__lt=now - timedelta(days=days("scan_gps_coarse")), latitude__isnull=False,
        accuracy_m__isnull=False,
    ).update(latitude=Round("latitude", 2), longitude=Round("longitude", 2), accuracy_m=None)
    result["notifications"] = Notification.objects.filter(
        created_at__lt=now - timedelta(days=days("notifications"))).delete()[0]
    result["outbox_delivered"] = OutboxMessage.objects.filter(
        state__in=["sent", "not_subscribed", "skipped"],
        created_at__lt=now - timedelta(days=days("outbox_delivered"))).delete()[0]
    # Append-only rows leave only here, by age, after the legal minimum (a queryset delete on purpose).
    # The table's triggers refuse every DELETE but this deliberate one (miniprogram_api.append_only).
    with maintenance():
        result["access_log"] = AccessLogEntry.objects.filter(
            at__lt=now - timedelta(days=days("access_log"))).delete()[0]
    logger.info("retention applied: %s", result)
    return result
