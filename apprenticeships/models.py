"""Master-apprentice teaching (师徒带教): competency frameworks, plan templates, agreements and their
plans, and the append-only facts that say how far an apprentice has come.

A competency's state in a plan is never stored: it is derived from the rows appended to it
(evidence → in progress, the latest rating → rated, the leader's countersign → signed), so that the
history is the truth and nothing can be edited into a different past. Re-rating appends a rating;
evidence, ratings, countersigns, signatures and reviews are written once (`AppendOnlyModel`).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.models import OrgUnit
from competitions.models import Entry
from media.models import Photo
from miniprogram_api.append_only import AppendOnlyModel
from practice.models import ProcedureRun
from standards.models import Procedure
from training.models import Layer, Stage  # the "3+4" ladder, shared with the course catalogue


class SkillLevel(models.TextChoices):
    """The national vocational skill levels (国家职业技能等级), lowest first."""

    LEVEL5 = "level5", "五级/初级工"
    LEVEL4 = "level4", "四级/中级工"
    LEVEL3 = "level3", "三级/高级工"
    LEVEL2 = "level2", "二级/技师"
    LEVEL1 = "level1", "一级/高级技师"


class CompetencyKind(models.TextChoices):
    KNOWLEDGE = "knowledge", "知识"
    SKILL = "skill", "技能"
    BEHAVIOUR = "behaviour", "行为"


class RatingLevel(models.TextChoices):
    """The master's 4-point scale. Proficient (Moodle's "proficient value") from 达到 up."""

    NOT_MET = "not_met", "未达到"
    PARTIALLY_MET = "partially_met", "基本达到"
    MET = "met", "达到"
    SKILLED = "skilled", "熟练"


PROFICIENT_LEVELS = (RatingLevel.MET.value, RatingLevel.SKILLED.value)


# --- per-studio settings -------------------------------------------------------------------------
class StudioSettings(models.Model):
    """Review rhythm and red/amber/green thresholds of one studio. A studio without a row uses
    `DEFAULT_THRESHOLDS` (documented in docs/API.md)."""

    studio = models.OneToOneField(OrgUnit, verbose_name="工作室", on_delete=models.CASCADE, primary_key=True,
                                  related_name="apprenticeship_settings")
    review_interval_weeks = models.PositiveSmallIntegerField(
        "阶段评价间隔（周）", default=12, validators=[MinValueValidator(1), MaxValueValidator(52)])
    red_behind_pct = models.DecimalField("进度落后红色阈值（百分点）", max_digits=5, decimal_places=1,
                                         default=Decimal("20"), validators=[MinValueValidator(Decimal("0"))])
    amber_behind_pct = models.DecimalField("进度落后黄色阈值（百分点）", max_digits=5, decimal_places=1,
                                           default=Decimal("10"), validators=[MinValueValidator(Decimal("0"))])
    red_hours_behind_pct = models.DecimalField("学时落后红色阈值（占计划学时百分点）", max_digits=5, decimal_places=1,
                                               default=Decimal("20"), validators=[MinValueValidator(Decimal("0"))])
    amber_hours_behind_pct = models.DecimalField("学时落后黄色阈值（占计划学时百分点）", max_digits=5,
                                                 decimal_places=1, default=Decimal("10"),
                                                 validators=[MinValueValidator(Decimal("0"))])
    red_inactive_days = models.PositiveSmallIntegerField("无活动红色阈值（天）", default=30)
    amber_inactive_days = models.PositiveSmallIntegerField("无活动黄色阈值（天）", default=14)
    amber_review_due_days = models.PositiveSmallIntegerField("评价临近黄色提示（天）", default=14)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "带教设置"
        verbose_name_plural = "带教设置"

    def __str__(self) -> str:
        return f"{self.studio} 带教设置"

    def clean(self):
        errors = {}
        if self.amber_behind_pct > self.red_behind_pct:
            errors["amber_behind_pct"] = "黄色阈值不能大于红色阈值"
        if self.amber_hours_behind_pct > self.red_hours_behind_pct:
            errors["amber_hours_behind_pct"] = "黄色阈值不能大于红色阈值"
        if self.amber_inactive_days > self.red_inactive_days:
            errors["amber_inactive_days"] = "黄色阈值不能大于红色阈值"
        if errors:
            raise ValidationError(errors)


# --- what is taught ------------------------------------------------------------------------------
class CompetencyFramework(models.Model):
    studio = models.ForeignKey(OrgUnit, verbose_name="工作室", on_delete=models.PROTECT,
                               related_name="competency_frameworks")
    name = models.CharField("名称", max_length=200)
    description = models.TextField("说明", blank=True)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "能力框架"
        verbose_name_plural = "能力框架"
        ordering = ["studio_id", "name"]
        constraints = [models.UniqueConstraint(fields=["studio", "name"], name="framework_unique_name")]

    def __str__(self) -> str:
        return self.name


class Competency(models.Model):
    """One criterion of a framework. An approved run of a linked procedure is evidence for it; a
    published contest result is evidence for it when `accepts_contest_results`."""

    framework = models.ForeignKey(CompetencyFramework, verbose_name="能力框架", on_delete=models.CASCADE,
                                  related_name="competencies")
    code = models.CharField("编号", max_length=32)
    name = models.CharField("名称", max_length=200)
    description = models.TextField("要求说明", blank=True)
    layer = models.CharField("层级", max_length=16, choices=Layer.choices, default=Layer.EXECUTION)
    stage = models.CharField("阶段", max_length=16, choices=Stage.choices)
    kind = models.CharField("类型", max_length=16, choices=CompetencyKind.choices)
    target_level = models.CharField("目标技能等级", max_length=8, choices=SkillLevel.choices)
    procedures = models.ManyToManyField(Procedure, verbose_name="关联作业规程", blank=True,
                                        related_name="competencies",
                                        help_text="审核通过的这些规程的实操记录自动作为证据")
    accepts_contest_results = models.BooleanField("技能比武成绩可作为证据", default=False)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "能力项"
        verbose_name_plural = "能力项"
        ordering = ["framework_id", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["framework", "code"], name="competency_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PlanTemplate(models.Model):
    """A studio's standard plan for one target level: the competencies, the usual duration and hours."""

    studio = models.ForeignKey(OrgUnit, verbose_name="工作室", on_delete=models.PROTECT, related_name="plan_templates")
    framework = models.ForeignKey(CompetencyFramework, verbose_name="能力框架", on_delete=models.PROTECT,
                                  related_name="templates")
    name = models.CharField("名称", max_length=200)
    target_level = models.CharField("目标技能等级", max_length=8, choices=SkillLevel.choices)
    duration_weeks = models.PositiveSmallIntegerField("培养周期（周）", default=104,
                                                      validators=[MinValueValidator(1), MaxValueValidator(520)])
    planned_hours = models.DecimalField("计划实训学时", max_digits=7, decimal_places=1, default=Decimal("480"),
                                        validators=[MinValueValidator(Decimal("0"))])
    review_interval_weeks = models.PositiveSmallIntegerField(
        "阶段评价间隔（周）", null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(52)],
        help_text="留空则使用工作室的带教设置（默认 12 周）")
    theory_exam = models.ForeignKey("training.Exam", verbose_name="理论考试", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+",
                                    help_text="设置后，出师时的理论成绩取该考试的最好及格成绩")
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "培养计划模板"
        verbose_name_plural = "培养计划模板"
        ordering = ["studio_id", "target_level", "name"]
        constraints = [models.UniqueConstraint(fields=["studio", "name"], name="plantemplate_unique_name")]

    def __str__(self) -> str:
        return self.name


class PlanTemplateItem(models.Model):
    template = models.ForeignKey(PlanTemplate, verbose_name="模板", on_delete=models.CASCADE, related_name="items")
    competency = models.ForeignKey(Competency, verbose_name="能力项", on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "模板能力项"
        verbose_name_plural = "模板能力项"
        ordering = ["template_id", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["template", "competency"], name="templateitem_unique")]

    def __str__(self) -> str:
        return f"{self.template} · {self.competency}"

    def clean(self):
        if self.template_id and self.competency_id and \
                self.competency.framework_id != self.template.framework_id:
            raise ValidationError({"competency": "能力项必须属于模板的能力框架"})


# --- the agreement and its plan ------------------------------------------------------------------
class Agreement(models.Model):
    """师带徒协议: who teaches whom, where, for how long, towards which level."""

    class State(models.TextChoices):
        DRAFT = "draft", "草拟"
        ACTIVE = "active", "执行中"
        COMPLETED = "completed", "已出师"
        TERMINATED = "terminated", "已终止"

    class Grade(models.TextChoices):
        EXCELLENT = "excellent", "优秀"
        PASS = "pass", "合格"
        FAIL = "fail", "不合格"

    studio = models.ForeignKey(OrgUnit, verbose_name="工作室", on_delete=models.PROTECT, related_name="agreements")
    master = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="师傅", on_delete=models.PROTECT,
                               related_name="agreements_as_master")
    apprentice = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="徒弟", on_delete=models.PROTECT,
                                   related_name="agreements_as_apprentice")
    template = models.ForeignKey(PlanTemplate, verbose_name="计划模板", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="agreements")
    target_level = models.CharField("目标技能等级", max_length=8, choices=SkillLevel.choices)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    planned_hours = models.DecimalField("计划实训学时", max_digits=7, decimal_places=1, default=Decimal("0"),
                                        validators=[MinValueValidator(Decimal("0"))])
    review_interval_weeks = models.PositiveSmallIntegerField(
        "阶段评价间隔（周）", default=12, validators=[MinValueValidator(1), MaxValueValidator(52)])
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    client_id = models.CharField("客户端编号", max_length=100, null=True, blank=True)  # noqa: DJ001 - absent ≠ ""
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    activated_at = models.DateTimeField("生效时间", null=True, blank=True)
    activated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="生效确认人", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    completed_at = models.DateTimeField("出师时间", null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="出师确认人", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    grade = models.CharField("出师等级", max_length=16, choices=Grade.choices, blank=True)
    theory_score = models.DecimalField("理论成绩", max_digits=5, decimal_places=1, null=True, blank=True)
    practical_score = models.DecimalField("实操成绩", max_digits=5, decimal_places=1, null=True, blank=True)
    completion_comment = models.TextField("出师评语", blank=True)
    terminated_at = models.DateTimeField("终止时间", null=True, blank=True)
    terminated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="终止人", null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    termination_reason = models.TextField("终止原因", blank=True)

    class Meta:
        verbose_name = "师带徒协议"
        verbose_name_plural = "师带徒协议"
        ordering = ["-start_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["created_by", "client_id"], condition=Q(client_id__isnull=False),
                                    name="agreement_unique_client_id"),
            # One open agreement per apprentice: progress, hours and reviews are per agreement.
            models.UniqueConstraint(fields=["apprentice"], condition=Q(state__in=["draft", "active"]),
                                    name="agreement_one_open_per_apprentice"),
            models.CheckConstraint(condition=Q(end_date__gt=models.F("start_date")),
                                   name="agreement_end_after_start"),
        ]
        indexes = [
            models.Index(fields=["studio", "state"]),
            models.Index(fields=["master", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.master} → {self.apprentice}（{self.get_target_level_display()}）"

    def clean(self):
        if self.start_date and self.end_date and self.end_date <= self.start_date:
            raise ValidationError({"end_date": "结束日期必须晚于开始日期"})
        if self.master_id and self.master_id == self.apprentice_id:
            raise ValidationError({"apprentice": "师傅和徒弟不能是同一人"})

    @property
    def is_open(self) -> bool:
        return self.state in (self.State.DRAFT, self.State.ACTIVE)


class PlanItem(models.Model):
    """One competency in an agreement's plan. Its state is derived from the rows appended to it."""

    agreement = models.ForeignKey(Agreement, verbose_name="协议", on_delete=models.CASCADE, related_name="items")
    competency = models.ForeignKey(Competency, verbose_name="能力项", on_delete=models.PROTECT,
                                   related_name="plan_items")
    order = models.PositiveSmallIntegerField("顺序", default=0)
    created_at = models.DateTimeField("加入时间", auto_now_add=True)

    class Meta:
        verbose_name = "计划能力项"
        verbose_name_plural = "计划能力项"
        ordering = ["agreement_id", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["agreement", "competency"], name="planitem_unique")]

    def __str__(self) -> str:
        return f"{self.agreement.apprentice} · {self.competency}"


class Rating(AppendOnlyModel):
    """The master's judgement of one competency; the latest one counts, earlier ones stay."""

    plan_item = models.ForeignKey(PlanItem, verbose_name="计划能力项", on_delete=models.PROTECT,
                                  related_name="ratings")
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="评定人", on_delete=models.PROTECT,
                                 related_name="+")
    level = models.CharField("评定结果", max_length=16, choices=RatingLevel.choices)
    comment = models.TextField("评语", blank=True)
    client_id = models.CharField("客户端编号", max_length=100, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField("评定时间", auto_now_add=True)

    class Meta:
        verbose_name = "师傅评定"
        verbose_name_plural = "师傅评定"
        ordering = ["plan_item_id", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["rated_by", "client_id"], condition=Q(client_id__isnull=False),
                                    name="rating_unique_client_id"),
        ]
        indexes = [models.Index(fields=["plan_item", "created_at"])]

    def __str__(self) -> str:
        return f"{self.plan_item} · {self.get_level_display()}"

    @property
    def proficient(self) -> bool:
        return self.level in PROFICIENT_LEVELS


class Countersign(AppendOnlyModel):
    """The workshop leader confirms a proficient rating: the competency is signed off, finally."""

    plan_item = models.OneToOneField(PlanItem, verbose_name="计划能力项", on_delete=models.PROTECT,
                                     related_name="countersign")
    rating = models.ForeignKey(Rating, verbose_name="确认的评定", on_delete=models.PROTECT, related_name="+")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="确认人", on_delete=models.PROTECT,
                                  related_name="+")
    comment = models.TextField("意见", blank=True)
    created_at = models.DateTimeField("确认时间", auto_now_add=True)

    class Meta:
        verbose_name = "负责人确认"
        verbose_name_plural = "负责人确认"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.plan_item} · {self.signed_by}"


class Evidence(AppendOnlyModel):
    """Something that shows the apprentice can do it. Approved runs and contest results arrive by
    themselves; hours, photos and notes are submitted from the phone (idempotent on client_id)."""

    class Kind(models.TextChoices):
        APPROVED_RUN = "approved_run", "审核通过的实操"
        CONTEST_RESULT = "contest_result", "技能比武成绩"
        PRACTICE_HOURS = "practice_hours", "实训学时"
        MEDIA = "media", "照片"
        MASTER_NOTE = "master_note", "师傅记录"
        COURSE_COMPLETED = "course_completed", "线上课程结业"
        EXAM_PASSED = "exam_passed", "认证考试通过"

    agreement = models.ForeignKey(Agreement, verbose_name="协议", on_delete=models.PROTECT, related_name="evidence")
    plan_item = models.ForeignKey(PlanItem, verbose_name="计划能力项", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="evidence",
                                  help_text="为空表示不针对某一能力项（如综合学时）")
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    description = models.TextField("内容", blank=True)
    occurred_on = models.DateField("发生日期")
    hours = models.DecimalField("学时", max_digits=4, decimal_places=1, null=True, blank=True)
    run = models.ForeignKey(ProcedureRun, verbose_name="实操记录", null=True, blank=True, on_delete=models.PROTECT,
                            related_name="apprenticeship_evidence")
    contest_entry = models.ForeignKey(Entry, verbose_name="比武选手", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="apprenticeship_evidence")
    data = models.JSONField("详情", default=dict, blank=True)
    source = models.CharField("来源", max_length=64, blank=True, default="",
                              help_text="自动记录的来源（如 training.course:12），每份协议每个来源只记一次")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提交人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+", help_text="为空表示系统自动记录")
    client_id = models.CharField("客户端编号", max_length=100, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField("记录时间", auto_now_add=True)
    photos = GenericRelation(Photo, content_type_field="owner_type", object_id_field="owner_id")

    class Meta:
        verbose_name = "带教证据"
        verbose_name_plural = "带教证据"
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["created_by", "client_id"], condition=Q(client_id__isnull=False),
                                    name="evidence_unique_client_id"),
            # An approved run is evidence once per competency, however often it is reviewed or replayed.
            models.UniqueConstraint(fields=["plan_item", "run"], condition=Q(run__isnull=False),
                                    name="evidence_one_per_item_run"),
            models.UniqueConstraint(fields=["plan_item", "contest_entry"],
                                    condition=Q(contest_entry__isnull=False, plan_item__isnull=False),
                                    name="evidence_one_per_item_entry"),
            models.UniqueConstraint(fields=["agreement", "contest_entry"],
                                    condition=Q(contest_entry__isnull=False, plan_item__isnull=True),
                                    name="evidence_one_per_agreement_entry"),
            models.CheckConstraint(condition=~Q(kind="practice_hours") | Q(hours__gt=0),
                                   name="evidence_hours_positive"),
            # A completed course or a passed exam is evidence once per agreement and item.
            models.UniqueConstraint(fields=["plan_item", "source"], condition=~Q(source="") & Q(plan_item__isnull=False),
                                    name="evidence_one_per_item_source"),
            models.UniqueConstraint(fields=["agreement", "source"], condition=~Q(source="") & Q(plan_item__isnull=True),
                                    name="evidence_one_per_agreement_source"),
        ]
        indexes = [models.Index(fields=["agreement", "occurred_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.occurred_on}"


class EvidenceSignature(AppendOnlyModel):
    """The master's signature under an item of evidence (automatic evidence is signed at the source:
    the run's reviewer, the contest's chief judge)."""

    evidence = models.OneToOneField(Evidence, verbose_name="证据", on_delete=models.PROTECT, related_name="signature")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="签认人", on_delete=models.PROTECT,
                                  related_name="+")
    comment = models.TextField("意见", blank=True)
    created_at = models.DateTimeField("签认时间", auto_now_add=True)

    class Meta:
        verbose_name = "证据签认"
        verbose_name_plural = "证据签认"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.evidence} · {self.signed_by}"


class Review(AppendOnlyModel):
    """A progress review (阶段评价), due every `review_interval_weeks`; complete once the apprentice,
    the master and a workshop leader have all signed it. The final review precedes completion."""

    agreement = models.ForeignKey(Agreement, verbose_name="协议", on_delete=models.PROTECT, related_name="reviews")
    number = models.PositiveSmallIntegerField("序号")
    is_final = models.BooleanField("出师评价", default=False)
    summary = models.TextField("评价内容")
    next_steps = models.TextField("下一阶段目标", blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", on_delete=models.PROTECT,
                                  related_name="+")
    client_id = models.CharField("客户端编号", max_length=100, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField("发起时间", auto_now_add=True)

    class Meta:
        verbose_name = "阶段评价"
        verbose_name_plural = "阶段评价"
        ordering = ["agreement_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="review_unique_number"),
            models.UniqueConstraint(fields=["opened_by", "client_id"], condition=Q(client_id__isnull=False),
                                    name="review_unique_client_id"),
        ]

    def __str__(self) -> str:
        return f"{self.agreement} · 第{self.number}次{'出师' if self.is_final else '阶段'}评价"


class ReviewSignature(AppendOnlyModel):
    class Role(models.TextChoices):
        APPRENTICE = "apprentice", "徒弟"
        MASTER = "master", "师傅"
        LEADER = "leader", "工作室负责人"

    review = models.ForeignKey(Review, verbose_name="阶段评价", on_delete=models.PROTECT, related_name="signatures")
    role = models.CharField("身份", max_length=16, choices=Role.choices)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="签字人", on_delete=models.PROTECT,
                               related_name="+")
    comment = models.TextField("意见", blank=True)
    created_at = models.DateTimeField("签字时间", auto_now_add=True)

    class Meta:
        verbose_name = "评价签字"
        verbose_name_plural = "评价签字"
        ordering = ["review_id", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "role"], name="reviewsignature_unique_role"),
            models.UniqueConstraint(fields=["review", "signer"], name="reviewsignature_unique_signer"),
        ]

    def __str__(self) -> str:
        return f"{self.review} · {self.get_role_display()} {self.signer}"


class Certificate(models.Model):
    """出师证书. What it says is copied at issue time, so renaming a studio never changes an issued
    certificate. The code is random (80 bits): it cannot be guessed, only looked up."""

    agreement = models.OneToOneField(Agreement, verbose_name="协议", on_delete=models.PROTECT,
                                     related_name="certificate")
    code = models.CharField("验证码", max_length=32, unique=True)
    apprentice_name = models.CharField("徒弟", max_length=100)
    master_name = models.CharField("师傅", max_length=100)
    studio_name = models.CharField("工作室", max_length=100)
    target_level = models.CharField("技能等级", max_length=8, choices=SkillLevel.choices)
    grade = models.CharField("出师等级", max_length=16, choices=Agreement.Grade.choices)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    competencies = models.PositiveSmallIntegerField("能力项数")
    issued_at = models.DateTimeField("发证时间")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发证人", on_delete=models.PROTECT,
                                  related_name="+")
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_reason = models.TextField("撤销原因", blank=True)

    class Meta:
        verbose_name = "出师证书"
        verbose_name_plural = "出师证书"
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.apprentice_name} · {self.code}"
