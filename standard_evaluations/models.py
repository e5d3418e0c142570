"""Indicator systems for evaluating how standards are carried out (标准实施评价指标体系), versioned:
system → dimension (一级指标) → indicator (二级指标) with its scoring rule and the evidence it needs.
Weights sum to 100 at each level (checked when a version is published). A published version is evidence
of how an evaluation was scored, so it and its rows refuse save() and delete(); changes are a new draft."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

WEIGHT = {"max_digits": 5, "decimal_places": 2,
          "validators": [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]}


class PublishedSystemError(Exception):
    """A published indicator system (or one of its rows) was about to change."""


class EvidenceKind(models.TextChoices):
    """The evidence types of DB 50/T 1053-2020 plus what Shixun measures itself."""

    DOCUMENTS = "documents", "资料审查"
    SITE_VISIT = "site_visit", "现场检查"
    SURVEY = "survey", "问卷调查"
    EXPERT_REVIEW = "expert_review", "专家评审"
    SHIXUN_DATA = "shixun_data", "平台实施数据"


class IndicatorSystem(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"

    code = models.SlugField("体系代码", max_length=50, help_text="同一体系的各版本共用")
    version = models.PositiveIntegerField("版本号", default=1)
    name = models.CharField("名称", max_length=200)
    basis = models.CharField("依据", max_length=300, blank=True, help_text="例如 DB 50/T 1053-2020")
    description = models.TextField("说明", blank=True)
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.DRAFT, editable=False)
    published_at = models.DateTimeField("发布时间", null=True, blank=True, editable=False)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发布人", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+", editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "评价指标体系"
        verbose_name_plural = "评价指标体系"
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="indicatorsystem_unique_version"),
            models.UniqueConstraint(fields=["code"], condition=Q(state="draft"), name="indicatorsystem_one_draft"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def save(self, *args, **kwargs):
        guard(IndicatorSystem, self.pk, "pk")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        guard(IndicatorSystem, self.pk, "pk")
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.state == self.State.PUBLISHED


def guard(model, pk, system_field: str) -> None:
    """Refuse to change a row whose system (as stored) is published."""
    if pk is None:
        return
    lookup = "state" if system_field == "pk" else f"{system_field}__state"
    if model.objects.filter(pk=pk, **{lookup: IndicatorSystem.State.PUBLISHED}).exists():
        raise PublishedSystemError("已发布的指标体系不可修改；请新建版本")


class Dimension(models.Model):
    system = models.ForeignKey(IndicatorSystem, verbose_name="指标体系", on_delete=models.CASCADE,
                               related_name="dimensions")
    order = models.PositiveSmallIntegerField("顺序")
    code = models.CharField("编号", max_length=16)
    name = models.CharField("一级指标（维度）", max_length=100)
    weight = models.DecimalField("权重（%）", **WEIGHT)
    description = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "评价维度"
        verbose_name_plural = "评价维度"
        ordering = ["system_id", "order"]
        constraints = [models.UniqueConstraint(fields=["system", "code"], name="dimension_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs):
        guard(IndicatorSystem, self.system_id, "pk")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        guard(IndicatorSystem, self.system_id, "pk")
        return super().delete(*args, **kwargs)


class Indicator(models.Model):
    class Measure(models.TextChoices):
        """Figures of the implementation series that pre-fill an indicator's evidence."""

        NONE = "", "无（由专家依据材料评分）"
        TRANSLATION = "translation", "作业规程与实操点"
        RUNS = "runs", "实操执行次数"
        CONFORMITY = "conformity", "实操合格率（异常率）"
        CORRECTIVE = "corrective", "整改工单与关闭时长"
        LEARNING = "learning", "学习完成与考试正确率"

    dimension = models.ForeignKey(Dimension, verbose_name="维度", on_delete=models.CASCADE, related_name="indicators")
    order = models.PositiveSmallIntegerField("顺序")
    code = models.CharField("编号", max_length=16)
    name = models.CharField("二级指标", max_length=100)
    weight = models.DecimalField("权重（%，维度内）", **WEIGHT)
    max_score = models.DecimalField("满分", max_digits=6, decimal_places=2, default=Decimal("100"),
                                    validators=[MinValueValidator(Decimal("1"))])
    scoring_rule = models.TextField("评分规则")
    evidence_required = models.JSONField("所需证据", default=list, help_text=f"取值：{', '.join(EvidenceKind.values)}")
    evidence_note = models.TextField("证据要求说明", blank=True)
    measure = models.CharField("平台数据预填", max_length=16, choices=Measure.choices, default="", blank=True)

    class Meta:
        verbose_name = "评价指标"
        verbose_name_plural = "评价指标"
        ordering = ["dimension_id", "order"]
        constraints = [models.UniqueConstraint(fields=["dimension", "code"], name="indicator_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs):
        guard(Dimension, self.dimension_id, "system")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        guard(Dimension, self.dimension_id, "system")
        return super().delete(*args, **kwargs)


class Campaign(models.Model):
    """An evaluation (实施评价) of one standard at one unit's subtree, against a published indicator system."""

    class State(models.TextChoices):
        OPEN = "open", "评审中"
        CLOSED = "closed", "已结束"

    system = models.ForeignKey(IndicatorSystem, verbose_name="指标体系", on_delete=models.PROTECT,
                               related_name="campaigns")
    standard = models.ForeignKey("standards.Standard", verbose_name="被评价标准", on_delete=models.PROTECT,
                                 related_name="evaluation_campaigns")
    unit = models.ForeignKey("accounts.OrgUnit", verbose_name="被评价单位", on_delete=models.PROTECT,
                             related_name="evaluation_campaigns")
    title = models.CharField("名称", max_length=200)
    date_from = models.DateField("数据起始日")
    date_to = models.DateField("数据截止日")
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.OPEN)
    threshold = models.DecimalField("整改阈值（%）", max_digits=5, decimal_places=2, default=Decimal("60"),
                                    validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
                                    help_text="指标得分率低于此值列为问题并发起整改")
    action_days = models.PositiveSmallIntegerField("整改期限（天）", default=30)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="结束人", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    close_reason = models.CharField("提前结束原因", max_length=300, blank=True, default="",
                                    help_text="评审未全部完成时结束须填写")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "实施评价"
        verbose_name_plural = "实施评价"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class PanelExpert(models.Model):
    """An expert on the campaign's panel: drawn from the expert roster with avoidance of the evaluated unit
    (seated when they confirm their seat, `draw` set) or named by the admin when the campaign opened."""

    class Source(models.TextChoices):
        DRAWN = "drawn", "专家库抽取"
        PICKED = "picked", "指定"

    campaign = models.ForeignKey(Campaign, verbose_name="实施评价", on_delete=models.CASCADE, related_name="panel")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="专家", on_delete=models.PROTECT,
                               related_name="+")
    source = models.CharField("来源", max_length=12, choices=Source.choices, default=Source.PICKED)
    draw = models.ForeignKey("experts.Draw", verbose_name="抽取记录", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")

    class Meta:
        verbose_name = "评审专家"
        verbose_name_plural = "评审专家"
        constraints = [models.UniqueConstraint(fields=["campaign", "expert"], name="panelexpert_unique")]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.expert}"


class PrefilledEvidence(models.Model):
    """What Shixun measured for an indicator (its `measure`), copied from the implementation series when the
    campaign opened, so the experts score against figures that no longer move."""

    campaign = models.ForeignKey(Campaign, verbose_name="实施评价", on_delete=models.CASCADE,
                                 related_name="prefilled")
    indicator = models.ForeignKey(Indicator, verbose_name="指标", on_delete=models.PROTECT, related_name="+")
    figures = models.JSONField("平台数据")
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    class Meta:
        verbose_name = "平台预填证据"
        verbose_name_plural = "平台预填证据"
        constraints = [models.UniqueConstraint(fields=["campaign", "indicator"], name="prefilled_unique")]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.indicator}"


class IndicatorScore(models.Model):
    """One expert's score of one indicator, with the evidence they relied on (links to runs, photos, files)."""

    campaign = models.ForeignKey(Campaign, verbose_name="实施评价", on_delete=models.PROTECT, related_name="scores")
    indicator = models.ForeignKey(Indicator, verbose_name="指标", on_delete=models.PROTECT, related_name="+")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="专家", on_delete=models.PROTECT,
                               related_name="+")
    score = models.DecimalField("得分", max_digits=6, decimal_places=2)
    comment = models.TextField("评语", blank=True)
    evidence = models.JSONField("证据", default=list, blank=True, help_text='[{"kind", "ref", "note"}]')
    scored_at = models.DateTimeField("评分时间", auto_now=True)

    class Meta:
        verbose_name = "指标评分"
        verbose_name_plural = "指标评分"
        constraints = [models.UniqueConstraint(fields=["campaign", "indicator", "expert"],
                                               name="indicatorscore_unique")]

    def __str__(self) -> str:
        return f"{self.indicator} · {self.expert}：{self.score}"
