"""四评四促: survey templates, campaigns (a template bound to a target and an audience), who has responded,
the answers — kept apart so that an anonymous answer cannot be linked to its respondent (docs/adr/0040) —
and the improvement actions (整改) that low results open.

`Completion` says *who* has responded (one per person and campaign: a unique constraint); `Response` holds
*what* was answered. They share no foreign key, no id and no timestamp: a response's primary key is a random
UUID (no sequence to line up with completions), it has no time at all, and only a named campaign's response
names its respondent. A completion keeps only the Shanghai day.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.models import OrgUnit
from miniprogram_api.append_only import AppendOnlyModel


class TargetKind(models.TextChoices):
    COURSE = "course", "课程"
    EXAM = "exam", "考核"
    TRAINER = "trainer", "讲师"
    CONTEST = "contest", "竞赛"
    STUDIO = "studio", "工作室实训"


class AudienceKind(models.TextChoices):
    ENROLLEES = "enrollees", "课程学员"
    CANDIDATES = "candidates", "考生"
    CONTESTANTS = "contestants", "参赛选手"
    ORG_UNITS = "org_units", "指定单位人员"


class SurveyTemplate(models.Model):
    code = models.SlugField("代码", max_length=50, unique=True)
    title = models.CharField("名称", max_length=100)
    description = models.TextField("说明", blank=True)
    target_kind = models.CharField("适用对象", max_length=16, choices=TargetKind.choices)
    questions = models.JSONField("题目", help_text="见 evaluations/questions.py 的格式说明")
    builtin = models.BooleanField("内置", default=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "问卷模板"
        verbose_name_plural = "问卷模板"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class Campaign(models.Model):
    """A template sent to an audience about one target, within a window. The questions are copied from the
    template when the campaign is created, so editing a template never changes a running survey."""

    title = models.CharField("名称", max_length=200)
    template = models.ForeignKey(SurveyTemplate, verbose_name="模板", on_delete=models.PROTECT,
                                 related_name="campaigns")
    questions = models.JSONField("题目（创建时复制）")
    target_kind = models.CharField("评价对象类型", max_length=16, choices=TargetKind.choices)
    target_id = models.PositiveBigIntegerField("评价对象编号")
    target_label = models.CharField("评价对象", max_length=200)
    context_course_id = models.PositiveBigIntegerField("相关课程编号", null=True, blank=True,
                                                       help_text="讲师评价：所讲课程（其学员即参评人员）")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="整改责任人", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    org_unit = models.ForeignKey(OrgUnit, verbose_name="组织单位", on_delete=models.PROTECT, related_name="+")
    audience_kind = models.CharField("参评人员", max_length=16, choices=AudienceKind.choices)
    audience_units = models.ManyToManyField(OrgUnit, verbose_name="参评单位", blank=True, related_name="+")
    opens_at = models.DateTimeField("开始时间")
    closes_at = models.DateTimeField("截止时间")
    anonymous = models.BooleanField("匿名", default=True)
    min_responses = models.PositiveSmallIntegerField("最少答卷数（匿名结果显示门槛）", default=5,
                                                     validators=[MinValueValidator(1), MaxValueValidator(100)])
    threshold = models.DecimalField("整改阈值（5 分制均分）", max_digits=3, decimal_places=2, default=Decimal("3.50"),
                                    validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("5"))])
    action_days = models.PositiveSmallIntegerField("整改期限（天）", default=30)
    evaluated_at = models.DateTimeField("结果评估时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT,
                                   related_name="+")
    client_id = models.CharField("客户端编号", max_length=100, null=True, blank=True)  # noqa: DJ001 - absent ≠ ""
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "评价活动"
        verbose_name_plural = "评价活动"
        ordering = ["-opens_at", "-id"]
        indexes = [models.Index(fields=["target_kind", "target_id"]), models.Index(fields=["opens_at", "closes_at"])]
        constraints = [
            models.UniqueConstraint(fields=["created_by", "client_id"], condition=Q(client_id__isnull=False),
                                    name="campaign_unique_client_id"),
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="campaign_window"),
        ]

    def __str__(self) -> str:
        return self.title


class Completion(models.Model):
    """Who has responded: exactly one per person and campaign, whatever the campaign's anonymity."""

    campaign = models.ForeignKey(Campaign, verbose_name="评价活动", on_delete=models.PROTECT,
                                 related_name="completions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="参评人", on_delete=models.PROTECT,
                             related_name="+")
    client_id = models.CharField("客户端编号", max_length=100)
    completed_on = models.DateField("提交日期（北京时间）")

    class Meta:
        verbose_name = "参评记录"
        verbose_name_plural = "参评记录"
        ordering = ["campaign_id", "user_id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "user"], name="completion_once_per_person")]

    def __str__(self) -> str:
        return f"{self.user} · {self.campaign}"


class Response(AppendOnlyModel):
    """What was answered. Unlinkable when the campaign is anonymous: a random id, no time, no respondent."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(Campaign, verbose_name="评价活动", on_delete=models.PROTECT, related_name="responses")
    answers = models.JSONField("答案")
    respondent = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="答卷人（仅实名）", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    org_unit = models.ForeignKey(OrgUnit, verbose_name="答卷人单位", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", help_text="用于按单位交叉分析；匿名时单元格不足最少答卷数不显示")

    class Meta:
        verbose_name = "答卷"
        verbose_name_plural = "答卷"
        ordering = ["campaign_id", "id"]  # the random id: never the order of arrival

    def __str__(self) -> str:
        return f"{self.campaign} · 答卷"


class ImprovementAction(models.Model):
    """整改: a finding below the threshold, for the target's owner, tracked to closure and re-checked by the
    next evaluation of the same target. Generic over the target and the source, so standard evaluations
    (issue 16) open them too (`source_kind="standard_evaluation"`)."""

    class State(models.TextChoices):
        OPEN = "open", "待整改"
        SUBMITTED = "submitted", "已提交整改材料"
        CLOSED = "closed", "已销号"

    class Recheck(models.TextChoices):
        PENDING = "pending", "待复查"
        PASSED = "passed", "复查通过"
        FAILED = "failed", "复查未通过"

    target_kind = models.CharField("对象类型", max_length=32)
    target_id = models.PositiveBigIntegerField("对象编号")
    target_label = models.CharField("对象", max_length=200)
    source_kind = models.CharField("来源类型", max_length=32, default="survey")
    source_id = models.PositiveBigIntegerField("来源编号")
    source_label = models.CharField("来源", max_length=200)
    item_key = models.CharField("指标", max_length=100, blank=True, help_text="题目（或矩阵行）编号；空为对象总体")
    item_label = models.CharField("指标名称", max_length=200)
    score = models.DecimalField("得分", max_digits=6, decimal_places=2)
    threshold = models.DecimalField("阈值", max_digits=6, decimal_places=2)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="责任人", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="improvement_actions")
    org_unit = models.ForeignKey(OrgUnit, verbose_name="督办单位", on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField("整改期限")
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.OPEN)
    evidence = models.TextField("整改说明", blank=True)
    recheck = models.CharField("复查", max_length=16, choices=Recheck.choices, default=Recheck.PENDING)
    recheck_source_id = models.PositiveBigIntegerField("复查来源编号", null=True, blank=True)
    recheck_score = models.DecimalField("复查得分", max_digits=6, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)

    class Meta:
        verbose_name = "整改事项"
        verbose_name_plural = "整改事项"
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["target_kind", "target_id", "recheck"]),
                   models.Index(fields=["owner", "state"])]
        constraints = [models.UniqueConstraint(fields=["source_kind", "source_id", "item_key"],
                                               name="action_once_per_finding")]

    def __str__(self) -> str:
        return f"{self.target_label} · {self.item_label}"


class ActionEvent(AppendOnlyModel):
    """The action's history: opened, evidence submitted, returned, closed, re-checked."""

    class Kind(models.TextChoices):
        OPENED = "opened", "发起整改"
        EVIDENCE = "evidence", "提交整改材料"
        RETURNED = "returned", "退回重改"
        CLOSED = "closed", "销号"
        RECHECKED = "rechecked", "复查"

    action = models.ForeignKey(ImprovementAction, verbose_name="整改事项", on_delete=models.PROTECT,
                               related_name="events")
    kind = models.CharField("事件", max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    note = models.TextField("说明", blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "整改记录"
        verbose_name_plural = "整改记录"
        ordering = ["action_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.action} · {self.get_kind_display()}"
