"""Personal data under PIPL: which privacy-guide version each person accepted."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from miniprogram_api.append_only import AppendOnlyModel


class PrivacyAcceptance(AppendOnlyModel):
    """A person agreed to one version of the privacy guide (a fact: written once)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE,
                             related_name="privacy_acceptances")
    version = models.CharField("指引版本", max_length=32)
    accepted_at = models.DateTimeField("同意时间")

    class Meta:
        verbose_name = "隐私指引同意记录"
        verbose_name_plural = "隐私指引同意记录"
        ordering = ["-accepted_at"]
        constraints = [models.UniqueConstraint(fields=["user", "version"], name="privacy_accept_once")]

    def __str__(self) -> str:
        return f"{self.user_id} 同意 {self.version}"


class DataExport(models.Model):
    """One personal-data export (PIPL art. 45): requested, built (in the background for large accounts),
    downloaded once. The row stays as the record that an export happened."""

    class Status(models.TextChoices):
        PENDING = "pending", "生成中"
        READY = "ready", "可下载"
        DOWNLOADED = "downloaded", "已下载"
        EXPIRED = "expired", "已过期"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE,
                             related_name="data_exports")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField("申请时间")
    ready_at = models.DateTimeField("生成时间", null=True, blank=True)
    downloaded_at = models.DateTimeField("下载时间", null=True, blank=True)
    rows = models.PositiveIntegerField("记录数", default=0)
    size_bytes = models.PositiveIntegerField("大小（字节）", default=0)
    file_path = models.CharField("文件", max_length=200, blank=True, help_text="PRIVATE_MEDIA_ROOT 下的路径，下载后删除")

    class Meta:
        verbose_name = "个人信息导出"
        verbose_name_plural = "个人信息导出"
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=models.Q(status__in=["pending", "ready"]),
                                    name="data_export_one_open_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} 导出 {self.get_status_display()}"


class DeletionRequest(models.Model):
    """A person asked to be deleted (PIPL art. 47). An admin reviews it; approval anonymises the person:
    records others rely on (runs, marks, orders, history) stay, under a stable pseudonym."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "待审核"
        APPROVED = "approved", "已匿名化"
        REJECTED = "rejected", "已驳回"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE,
                             related_name="deletion_requests")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.REQUESTED)
    reason = models.CharField("申请说明", max_length=500, blank=True)
    requested_at = models.DateTimeField("申请时间")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decision_note = models.CharField("审核意见", max_length=500, blank=True)
    pseudonym = models.CharField("匿名代号", max_length=50, blank=True)

    class Meta:
        verbose_name = "删除申请"
        verbose_name_plural = "删除申请"
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=models.Q(status="requested"),
                                    name="deletion_request_one_open_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} 删除申请 {self.get_status_display()}"
