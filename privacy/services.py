"""Writes of the privacy app."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from miniprogram_api.errors import ApiError
from miniprogram_api.signed_urls import private_path, store_private

from . import guide
from .export import build_zip, count_rows
from .models import DataExport, PrivacyAcceptance


def accept_privacy(*, user: User, version: str) -> tuple[PrivacyAcceptance, bool]:
    """Record that `user` agreed to the current guide; agreeing again returns the first record."""
    if version != guide.VERSION:
        raise ApiError("privacy_version_outdated", "隐私指引已更新，请阅读最新版本后再同意", status=409,
                       detail={"current_version": guide.VERSION})
    existing = PrivacyAcceptance.objects.filter(user=user, version=version).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return PrivacyAcceptance.objects.create(user=user, version=version, accepted_at=timezone.now()), True
    except IntegrityError:  # a concurrent duplicate won
        return PrivacyAcceptance.objects.get(user=user, version=version), False


logger = logging.getLogger("shixun.privacy")


@dataclass
class ExportResult:
    export: DataExport
    content: bytes | None  # the zip, when it is downloaded now; None while it is being built


def _claim_ready(export: DataExport, now) -> bytes | None:
    """Mark a ready export downloaded (once: a conditional update) and hand back its file, deleted after."""
    if not DataExport.objects.filter(pk=export.pk, status=DataExport.Status.READY).update(
            status=DataExport.Status.DOWNLOADED, downloaded_at=now):
        return None
    full = private_path(export.file_path)
    content = full.read_bytes() if full.is_file() else None
    transaction.on_commit(lambda: full.unlink(missing_ok=True))
    return content


@transaction.atomic
def data_export(*, user: User) -> ExportResult:
    """GET /me/data-export: a ready export is downloaded (once); a small account's export is built and
    downloaded now; a large one is queued for `build_pending_exports` (answer 202, ask again later)."""
    now = timezone.now()
    open_export = (DataExport.objects.select_for_update()
                   .filter(user=user, status__in=[DataExport.Status.PENDING, DataExport.Status.READY]).first())
    if open_export is not None:
        if open_export.status == DataExport.Status.READY:
            content = _claim_ready(open_export, now)
            if content is not None:
                open_export.refresh_from_db()
                logger.info("personal-data export %s downloaded by user %s", open_export.pk, user.pk)
                return ExportResult(open_export, content)
        return ExportResult(open_export, None)
    rows = count_rows(user)
    if rows > settings.PRIVACY_EXPORT_SYNC_MAX_ROWS:
        export = DataExport.objects.create(user=user, requested_at=now, rows=rows)
        logger.info("personal-data export %s queued for user %s (%s rows)", export.pk, user.pk, rows)
        return ExportResult(export, None)
    content = build_zip(user)
    export = DataExport.objects.create(user=user, requested_at=now, ready_at=now, downloaded_at=now, rows=rows,
                                       size_bytes=len(content), status=DataExport.Status.DOWNLOADED)
    logger.info("personal-data export %s built and downloaded by user %s", export.pk, user.pk)
    return ExportResult(export, content)


def build_pending_exports() -> int:
    """The scheduler's job: build every queued export into a private file and tell its owner."""
    from notifications.services import notify

    built = 0
    for pk in DataExport.objects.filter(status=DataExport.Status.PENDING).values_list("pk", flat=True):
        with transaction.atomic():
            export = DataExport.objects.select_for_update(skip_locked=True).filter(
                pk=pk, status=DataExport.Status.PENDING).select_related("user").first()
            if export is None:
                continue
            content = build_zip(export.user)
            path = f"exports/{uuid.uuid4().hex}.zip"
            store_private(path, content)
            export.status, export.ready_at, export.file_path = DataExport.Status.READY, timezone.now(), path
            export.size_bytes = len(content)
            export.save(update_fields=["status", "ready_at", "file_path", "size_bytes"])
            notify(recipients=[export.user], kind="data_export", title="个人信息导出已生成",
                   body="请在“我的—个人信息导出”中下载，文件只能下载一次。", data={"export_id": export.pk},
                   dedupe_key=f"privacy:export:{export.pk}")
            built += 1
    return built
