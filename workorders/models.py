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

from . import lifecycle
from .lifecycle import STATE_CHOICES


class AppendOnlyError(Exception):
    """A history row was about to be edited or deleted."""


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
    """A service work order (报修工单). Its state moves only through `order_services.transition`, along
    the table in `lifecycle.py`; every move appends a `WorkOrderEvent`. Deadlines are fixed when the
    order is reported (from the settings of that day), so changing the settings never rewrites history."""

    class Urgency(models.TextChoices):
        URGENT = "urgent", "紧急"
        NORMAL = "normal", "一般"
        LOW = "low", "不急"

    State = models.TextChoices("State", [(value.upper(), (value, label)) for value, label in STATE_CHOICES])

    class Source(models.TextChoices):
        REPORT = "report", "报修"
        RUN_STEP = "run_step", "实操步骤异常"

    number = models.CharField("工单号", max_length=32, unique=True)
    category = models.ForeignKey(WorkOrderCategory, verbose_name="类别", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="work_orders")
    point = models.ForeignKey(PracticePoint, verbose_name="实操点", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="work_orders")
    studio = models.ForeignKey(OrgUnit, verbose_name="负责工作室", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="work_orders", db_index=False, help_text="类别的工作室，类别未指定时为实操点的工作室")
    location_text = models.CharField("位置", max_length=200, blank=True)
    description = models.TextField("问题描述")
    urgency = models.CharField("紧急程度", max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    state = models.CharField("状态", max_length=20, choices=STATE_CHOICES, default=lifecycle.State.SUBMITTED)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="报修人", on_delete=models.PROTECT,
                                  related_name="requested_work_orders")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="维修人员", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="assigned_work_orders", db_index=False)
    source = models.CharField("来源", max_length=16, choices=Source.choices, default=Source.REPORT)
    run = models.ForeignKey(ProcedureRun, verbose_name="实操记录", null=True, blank=True,
                            on_delete=models.PROTECT, related_name="work_orders")
    step = models.ForeignKey(Step, verbose_name="异常步骤", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    step_record = models.ForeignKey(StepRecord, verbose_name="异常步骤记录", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="work_orders")
    client_id = models.CharField("客户端编号", max_length=100, null=True, blank=True)  # noqa: DJ001 - absent ≠ ""
    created_at = models.DateTimeField("报修时间", default=timezone.now, db_index=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    # Deadlines (fixed at creation) and the moments that meet them.
    respond_by = models.DateTimeField("响应时限", null=True, blank=True)
    finish_by = models.DateTimeField("完成时限", null=True, blank=True)
    responded_at = models.DateTimeField("首次响应时间", null=True, blank=True, help_text="首次接单或抢单")
    arrived_at = models.DateTimeField("到场时间", null=True, blank=True)
    completed_at = models.DateTimeField("完工时间", null=True, blank=True)
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True, help_text="确认评价或取消的时间")
    # Set once by the escalation job when a deadline passes unmet (and the dispatchers were told).
    respond_overdue_at = models.DateTimeField("响应超时标记时间", null=True, blank=True)
    finish_overdue_at = models.DateTimeField("完成超时标记时间", null=True, blank=True)
    arrival_scan = models.ForeignKey(ScanLog, verbose_name="到场扫码", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    arrival_flags = models.JSONField("到场可疑标记", default=list, blank=True)
    completion_note = models.TextField("完工说明", blank=True)
    runs_done = models.ManyToManyField(ProcedureRun, verbose_name="维修实操记录", blank=True,
                                       related_name="serviced_work_orders")
    rating = models.PositiveSmallIntegerField("满意度", null=True, blank=True)
    rating_comment = models.TextField("评价", blank=True)
    photos = GenericRelation(Photo, content_type_field="owner_type", object_id_field="owner_id")

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
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                                   name="workorder_rating_1_to_5"),
        ]
        indexes = [
            models.Index(fields=["state", "created_at"]),
            models.Index(fields=["assignee", "state"]),
            models.Index(fields=["requester", "created_at"]),
            models.Index(fields=["studio", "state"]),
            models.Index(fields=["respond_by"], condition=Q(responded_at__isnull=True, respond_overdue_at__isnull=True),
                         name="workorder_respond_watch"),
            models.Index(fields=["finish_by"], condition=Q(completed_at__isnull=True, finish_overdue_at__isnull=True),
                         name="workorder_finish_watch"),
        ]

    def __str__(self) -> str:
        return self.number


class WorkOrderEvent(models.Model):
    """One line of an order's history: who did what when, from which state to which, why, and which
    fields changed. Append-only: the model refuses to update or delete a row."""

    order = models.ForeignKey(WorkOrder, verbose_name="工单", on_delete=models.PROTECT, related_name="events",
                              db_index=False)
    action = models.CharField("操作", max_length=32, choices=list(lifecycle.EVENT_LABELS.items()))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+", db_index=False,
                              help_text="为空表示系统（超时升级）")
    from_state = models.CharField("原状态", max_length=20, choices=STATE_CHOICES, blank=True)
    to_state = models.CharField("新状态", max_length=20, choices=STATE_CHOICES)
    reason = models.TextField("原因/说明", blank=True)
    changes = models.JSONField("字段变更", default=dict, blank=True, help_text='{"字段": {"from": 原值, "to": 新值}}')
    data = models.JSONField("详情", default=dict, blank=True)
    request_hash = models.CharField("请求摘要", max_length=64, blank=True, editable=False,
                                    help_text="操作参数的摘要：同一人重发同一请求时据此识别")
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    photos = GenericRelation(Photo, content_type_field="owner_type", object_id_field="owner_id")

    class Meta:
        verbose_name = "工单记录"
        verbose_name_plural = "工单记录"
        ordering = ["order_id", "created_at", "id"]
        indexes = [models.Index(fields=["order", "id"]), models.Index(fields=["actor", "order"])]

    def __str__(self) -> str:
        return f"{self.order_id} · {self.get_action_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("工单记录只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("工单记录只能追加，不能删除")


class WorkOrderSequence(models.Model):
    """The last number handed out per day (Asia/Shanghai), for WO-YYYYMMDD-NNNN."""

    day = models.DateField("日期", primary_key=True)
    last = models.PositiveIntegerField("最后序号", default=0)

    class Meta:
        verbose_name = "工单号序列"
        verbose_name_plural = "工单号序列"

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"
