"""What was done at a practice point: scans, procedure runs and their step records, and reviews.

Facts are appended, never edited in place: a step recorded again appends a record that supersedes
the previous one, a completed run is immutable (a correction is a new record with a reason), and a
review is a new row (the run's review state is the latest one's decision).

These models were born in the workorders app and kept their tables when they moved here
(docs/adr/0003-moved-models-keep-their-tables.md).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import OrgUnit
from media.models import Photo
from standards.models import PracticePoint, Procedure, ProcedureVersion, QRCode, Step, Verdict


class ScanLog(models.Model):
    """Every scan, whatever its outcome: who, when (server and phone), where, how."""

    class Outcome(models.TextChoices):
        OK = "ok", "成功"
        UNKNOWN = "unknown", "未知二维码"
        REVOKED = "revoked", "二维码已作废"
        INACTIVE = "inactive", "实操点已停用"

    class Source(models.TextChoices):
        CAMERA = "camera", "扫码"
        MANUAL = "manual", "手动输入"

    class Flag(models.TextChoices):
        MANUAL = "manual_entry", "手动输入编号"
        OUTSIDE = "outside_radius", "不在实操点范围内"
        CLOCK = "clock_skew", "手机时间偏差超过 5 分钟"

    # Every scan inserts a row here, so the table carries only the indexes its readers need: the
    # (user, time) and (point, time) pairs cover the foreign keys, and suspicious scans get a partial one.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="扫码人", on_delete=models.PROTECT,
                             related_name="scans", db_index=False)
    code = models.CharField("扫描内容", max_length=64)
    qr = models.ForeignKey(QRCode, verbose_name="二维码", null=True, blank=True, on_delete=models.PROTECT,
                           related_name="scans", db_index=False)
    point = models.ForeignKey(PracticePoint, verbose_name="实操点", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="scans", db_index=False)
    outcome = models.CharField("结果", max_length=16, choices=Outcome.choices)
    source = models.CharField("方式", max_length=16, choices=Source.choices, default=Source.CAMERA)
    scanned_at = models.DateTimeField("服务器时间", db_index=True)
    client_time = models.DateTimeField("手机时间", null=True, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy_m = models.FloatField("定位精度（米）", null=True, blank=True)
    distance_m = models.FloatField("距实操点（米）", null=True, blank=True)
    flags = models.JSONField("可疑标记", default=list, blank=True)
    suspicious = models.BooleanField("可疑", default=False)
    via_sync = models.BooleanField("离线补传", default=False)

    class Meta:
        db_table = "workorders_scanlog"
        verbose_name = "扫码记录"
        verbose_name_plural = "扫码记录"
        ordering = ["-scanned_at"]
        indexes = [
            models.Index(fields=["point", "scanned_at"]),
            models.Index(fields=["user", "scanned_at"]),
            models.Index(fields=["scanned_at"], condition=Q(suspicious=True), name="scanlog_suspicious"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.code} · {self.get_outcome_display()}"


class ProcedureRun(models.Model):
    """One worker following one exact procedure version at one point."""

    class Status(models.TextChoices):
        OPEN = "open", "进行中"
        COMPLETED = "completed", "已完成"

    class Flag(models.TextChoices):
        NO_SCAN = "no_scan", "无扫码记录"
        MANUAL = "manual_entry", "手动输入编号"
        OUTSIDE = "outside_radius", "不在实操点范围内"
        CLOCK = "clock_skew", "手机时间偏差超过 5 分钟"

    client_id = models.CharField("客户端编号", max_length=100)
    performer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="实操人", on_delete=models.PROTECT,
                                  related_name="procedure_runs")
    point = models.ForeignKey(PracticePoint, verbose_name="实操点", on_delete=models.PROTECT, related_name="runs")
    studio = models.ForeignKey(OrgUnit, verbose_name="工作室", on_delete=models.PROTECT, related_name="+")
    procedure = models.ForeignKey(Procedure, verbose_name="作业规程", on_delete=models.PROTECT, related_name="runs")
    version = models.ForeignKey(ProcedureVersion, verbose_name="规程版本", on_delete=models.PROTECT,
                                related_name="runs")
    qr = models.ForeignKey(QRCode, verbose_name="二维码", null=True, blank=True, on_delete=models.PROTECT,
                           related_name="runs")
    scan = models.ForeignKey(ScanLog, verbose_name="扫码记录", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="runs")
    flags = models.JSONField("可疑标记", default=list, blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.OPEN)
    verdict = models.CharField("结论", max_length=8, choices=Verdict.choices, null=True, blank=True)  # noqa: DJ001
    started_at = models.DateTimeField("开始时间（手机）")
    created_at = models.DateTimeField("接收时间", auto_now_add=True)
    completed_at = models.DateTimeField("完成时间（手机）", null=True, blank=True)
    completed_received_at = models.DateTimeField("完成接收时间", null=True, blank=True)

    # Not a field: set by practice.selectors.open_runs_at (step id → latest record).
    current: dict[int, StepRecord]

    class Meta:
        db_table = "workorders_procedurerun"
        verbose_name = "实操记录"
        verbose_name_plural = "实操记录"
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["performer", "client_id"], name="procedurerun_unique_client_id"),
        ]
        indexes = [
            models.Index(fields=["studio", "started_at"]),
            models.Index(fields=["performer", "point", "status"]),
            models.Index(fields=["procedure", "performer"]),
        ]

    def __str__(self) -> str:
        return f"{self.performer} · {self.procedure.title} · {timezone.localtime(self.started_at):%Y-%m-%d %H:%M}"


class StepRecord(models.Model):
    """One recorded step, with the server's verdict. Recording a step again appends a new record that
    supersedes this one; on a completed run only a correction (with a reason) may do so."""

    run = models.ForeignKey(ProcedureRun, verbose_name="实操记录", on_delete=models.PROTECT, related_name="records")
    step = models.ForeignKey(Step, verbose_name="步骤", on_delete=models.PROTECT, related_name="records")
    client_id = models.CharField("客户端编号", max_length=100)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT,
                                    related_name="step_records")
    value = models.JSONField("取值", null=True, blank=True)
    value_number = models.DecimalField("数值", max_digits=16, decimal_places=4, null=True, blank=True)
    verdict = models.CharField("结论", max_length=8, choices=Verdict.choices)
    note = models.TextField("备注", blank=True)
    recorded_at = models.DateTimeField("记录时间（手机）")
    received_at = models.DateTimeField("接收时间", auto_now_add=True)
    supersedes = models.ForeignKey("self", verbose_name="取代的记录", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="superseded_by")
    is_correction = models.BooleanField("更正", default=False)
    correction_reason = models.TextField("更正原因", blank=True)
    photos = GenericRelation(Photo, content_type_field="owner_type", object_id_field="owner_id")

    class Meta:
        db_table = "workorders_steprecord"
        verbose_name = "步骤记录"
        verbose_name_plural = "步骤记录"
        ordering = ["run_id", "step__position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["recorded_by", "client_id"], name="steprecord_unique_client_id"),
        ]
        indexes = [models.Index(fields=["run", "step"])]

    def __str__(self) -> str:
        return f"{self.step.title}：{self.get_verdict_display()}"


class RunReview(models.Model):
    """A master's or workshop leader's decision on a completed run; the latest one counts."""

    class Decision(models.TextChoices):
        APPROVED = "approved", "通过"
        REJECTED = "rejected", "退回"

    run = models.ForeignKey(ProcedureRun, verbose_name="实操记录", on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核人", on_delete=models.PROTECT,
                                 related_name="run_reviews")
    decision = models.CharField("结论", max_length=16, choices=Decision.choices)
    comment = models.TextField("意见", blank=True)
    client_id = models.CharField("客户端编号", max_length=100, null=True, blank=True)  # noqa: DJ001 - absent ≠ ""
    created_at = models.DateTimeField("审核时间", auto_now_add=True)

    class Meta:
        db_table = "workorders_runreview"
        verbose_name = "实操审核"
        verbose_name_plural = "实操审核"
        ordering = ["run_id", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["reviewer", "client_id"], condition=Q(client_id__isnull=False),
                                    name="runreview_unique_client_id"),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} · {self.get_decision_display()}"
