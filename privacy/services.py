"""Writes of the privacy app."""

from __future__ import annotations

import hashlib
import hmac
import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import services as accounts
from accounts.models import User
from audit import services as audit
from audit.models import AccessLogEntry
from experts import services as experts
from miniprogram_api.errors import ApiError
from miniprogram_api.signed_urls import private_path, store_private
from notifications import services as notifications

from . import guide
from .export import build_zip, count_rows
from .models import DataExport, DeletionRequest, PrivacyAcceptance


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
                audit.record(action=AccessLogEntry.Action.DATA_EXPORT, actor=user, target=f"user:{user.pk}",
                             detail={"export_id": open_export.pk, "rows": open_export.rows})
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
    audit.record(action=AccessLogEntry.Action.DATA_EXPORT, actor=user, target=f"user:{user.pk}",
                 detail={"export_id": export.pk, "rows": rows})
    return ExportResult(export, content)


def build_pending_exports() -> int:
    """The scheduler's job: build every queued export into a private file and tell its owner."""
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
            notifications.notify(recipients=[export.user], kind="data_export", title="个人信息导出已生成",
                                 body="请在“我的—个人信息导出”中下载，文件只能下载一次。", data={"export_id": export.pk},
                                 dedupe_key=f"privacy:export:{export.pk}")
            built += 1
    return built


def pseudonym_for(user: User) -> str:
    """A stable pseudonym: the same person always gets the same one; it reveals neither name nor id."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"shixun.pseudonym:{user.pk}".encode(), hashlib.sha256)
    return f"已注销用户{digest.hexdigest()[:8]}"


@transaction.atomic
def request_deletion(*, user: User, reason: str = "") -> tuple[DeletionRequest, bool]:
    """POST /me/deletion-request: one open request per person; asking again returns it."""
    open_request = DeletionRequest.objects.select_for_update().filter(
        user=user, status=DeletionRequest.Status.REQUESTED).first()
    if open_request is not None:
        return open_request, False
    try:
        with transaction.atomic():
            created = DeletionRequest.objects.create(user=user, reason=reason, requested_at=timezone.now())
    except IntegrityError:
        return DeletionRequest.objects.get(user=user, status=DeletionRequest.Status.REQUESTED), False
    logger.info("deletion request %s filed by user %s", created.pk, user.pk)
    return created, True


@transaction.atomic
def decide_deletion(*, deletion_request: DeletionRequest, admin: User, approve: bool, note: str = "") -> DeletionRequest:
    """An admin approves (anonymise now) or rejects a deletion request."""
    locked = DeletionRequest.objects.select_for_update().select_related("user").get(pk=deletion_request.pk)
    if locked.status != DeletionRequest.Status.REQUESTED:
        raise ApiError("deletion_already_decided", "该申请已审核", status=409)
    if approve and locked.user_id == admin.pk:
        raise ApiError("deletion_self_review", "不能审核自己的删除申请", status=409)
    locked.decided_by, locked.decided_at, locked.decision_note = admin, timezone.now(), note
    if approve:
        locked.pseudonym = anonymise(user=locked.user)
        locked.status = DeletionRequest.Status.APPROVED
    else:
        locked.status = DeletionRequest.Status.REJECTED
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "pseudonym"])
    logger.info("deletion request %s %s by admin %s", locked.pk, locked.status, admin.pk)
    audit.record(action=AccessLogEntry.Action.DELETION_DECIDED, actor=admin, target=f"user:{locked.user_id}",
                 detail={"request_id": locked.pk, "status": locked.status})
    return locked


def anonymise(*, user: User) -> str:
    """Replace the person by a pseudonym and remove what identifies them: name, phone, e-mail, WeChat
    identities (openid, unionid, session key), tokens, roles, unsent WeChat messages, a password. Rows that
    point at the user (runs, marks, orders, history, evidence) are kept as they are: they now show the
    pseudonym. There is no avatar stored (the mini-program shows WeChat's own)."""
    pseudonym = pseudonym_for(user)
    accounts.anonymise_account(user=user, pseudonym=pseudonym)
    notifications.drop_unsent(user=user)  # not yet sent
    experts.anonymise_person(user=user, pseudonym=pseudonym)  # the roster entry names and reaches them too
    user.refresh_from_db()
    return pseudonym
