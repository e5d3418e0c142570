"""What was done: scans, procedure runs and their step records, photos, reviews, and the corrective
work orders that failed or flagged steps raise.

Facts are appended, never edited in place: a step recorded again appends a record that supersedes
the previous one, a completed run is immutable (a correction is a new record with a reason), and a
review is a new row (the run's review state is the latest one's decision).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import OrgUnit
from standards.models import PracticePoint, Procedure, ProcedureVersion, QRCode, Step, Verdict


class Photo(models.Model):
    """An uploaded image (a step's photo, a signature, a work order's picture).

    It belongs to its uploader until attached to one owner (any model: a step record now, a work order
    later); then it is part of that record's evidence and cannot be attached elsewhere.
    """

    uploader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT,
                                 related_name="photos")
    client_id = models.CharField("客户端编号", max_length=100, null=True, blank=True)  # noqa: DJ001 - absent ≠ ""
    file = models.FileField("图片", upload_to="photos/%Y/%m/", max_length=200)
    thumbnail = models.FileField("缩略图", upload_to="photos/%Y/%m/", max_length=200)
    content_type = models.CharField("类型", max_length=32)
    original_format = models.CharField("原始格式", max_length=16)
    width = models.PositiveIntegerField("宽")
    height = models.PositiveIntegerField("高")
    size_bytes = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("原图摘要", max_length=64, db_index=True)
    taken_at = models.DateTimeField("拍摄时间", null=True, blank=True, help_text="来自照片的 EXIF")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    owner_type = models.ForeignKey(ContentType, verbose_name="归属类型", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    owner_id = models.PositiveBigIntegerField("归属编号", null=True, blank=True)
    owner = GenericForeignKey("owner_type", "owner_id")
    attached_at = models.DateTimeField("关联时间", null=True, blank=True)

    class Meta:
        verbose_name = "照片"
        verbose_name_plural = "照片"
        ordering = ["-uploaded_at"]
        indexes = [models.Index(fields=["owner_type", "owner_id"])]
        constraints = [
            models.UniqueConstraint(fields=["uploader", "client_id"], condition=Q(client_id__isnull=False),
                                    name="photo_unique_client_id"),
        ]

    def __str__(self) -> str:
        return f"照片 {self.pk}（{self.width}×{self.height}）"

    @property
    def is_attached(self) -> bool:
        return self.owner_id is not None


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

    class Meta:
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
        verbose_name = "实操审核"
        verbose_name_plural = "实操审核"
        ordering = ["run_id", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["reviewer", "client_id"], condition=Q(client_id__isnull=False),
                                    name="runreview_unique_client_id"),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} · {self.get_decision_display()}"


# --- corrective work orders (the work-order issue owns their lifecycle) ------------------------------
class WorkOrderCategory(models.Model):
    name = models.CharField("名称", max_length=100)
    studio = models.ForeignKey(OrgUnit, verbose_name="负责工作室", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="work_order_categories")
    required_procedure = models.ForeignKey(Procedure, verbose_name="须执行的规程", null=True, blank=True,
                                           on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "工单类别"
        verbose_name_plural = "工单类别"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["studio", "name"], name="workordercategory_unique_name")]

    def __str__(self) -> str:
        return self.name


class WorkOrder(models.Model):
    class Urgency(models.TextChoices):
        URGENT = "urgent", "紧急"
        NORMAL = "normal", "一般"
        LOW = "low", "不急"

    class State(models.TextChoices):
        # The work-order issue adds dispatched → … → confirmed and the transitions between them.
        SUBMITTED = "submitted", "已提交"

    class Source(models.TextChoices):
        REPORT = "report", "报修"
        RUN_STEP = "run_step", "实操步骤异常"

    number = models.CharField("工单号", max_length=32, unique=True)
    category = models.ForeignKey(WorkOrderCategory, verbose_name="类别", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="work_orders")
    point = models.ForeignKey(PracticePoint, verbose_name="实操点", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="work_orders")
    location_text = models.CharField("位置", max_length=200, blank=True)
    description = models.TextField("问题描述")
    urgency = models.CharField("紧急程度", max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.SUBMITTED)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="报修人", on_delete=models.PROTECT,
                                  related_name="requested_work_orders")
    source = models.CharField("来源", max_length=16, choices=Source.choices, default=Source.REPORT)
    run = models.ForeignKey(ProcedureRun, verbose_name="实操记录", null=True, blank=True,
                            on_delete=models.PROTECT, related_name="work_orders")
    step = models.ForeignKey(Step, verbose_name="异常步骤", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    step_record = models.ForeignKey(StepRecord, verbose_name="异常步骤记录", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="work_orders")
    client_id = models.CharField("客户端编号", max_length=100, null=True, blank=True)  # noqa: DJ001 - absent ≠ ""
    created_at = models.DateTimeField("创建时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "工单"
        verbose_name_plural = "工单"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["requester", "client_id"], condition=Q(client_id__isnull=False),
                                    name="workorder_unique_client_id"),
            # One corrective order per failing step of a run, however often the step is replayed.
            models.UniqueConstraint(fields=["run", "step"], condition=Q(source="run_step"),
                                    name="workorder_one_per_run_step"),
        ]

    def __str__(self) -> str:
        return self.number


class WorkOrderSequence(models.Model):
    """The last number handed out per day (Asia/Shanghai), for WO-YYYYMMDD-NNNN."""

    day = models.DateField("日期", primary_key=True)
    last = models.PositiveIntegerField("最后序号", default=0)

    class Meta:
        verbose_name = "工单号序列"
        verbose_name_plural = "工单号序列"

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"
