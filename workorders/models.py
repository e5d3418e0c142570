"""Service work orders (报修): reported or raised by a failed step, dispatched or grabbed, worked,
confirmed and rated. Every move appends a history line (`WorkOrderEvent`), which is never edited."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import OrgUnit
from media.models import Photo
from miniprogram_api.append_only import AppendOnlyModel
from practice.models import ProcedureRun, ScanLog, StepRecord
from standards.models import PracticePoint, Procedure, Step

from . import lifecycle
from .lifecycle import STATE_CHOICES


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


class WorkOrderEvent(AppendOnlyModel):
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


class WorkOrderSequence(models.Model):
    """The last number handed out per day (Asia/Shanghai), for WO-YYYYMMDD-NNNN."""

    day = models.DateField("日期", primary_key=True)
    last = models.PositiveIntegerField("最后序号", default=0)

    class Meta:
        verbose_name = "工单号序列"
        verbose_name_plural = "工单号序列"

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"
