"""What should be done and where: standards, their procedures (versioned steps), practice points and
the QR codes hanging at them.

A published procedure version is immutable: runs point at the exact version they followed, so the
evidence of a run never changes under it. Editing means a new draft (`services.create_draft`).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from accounts.models import OrgUnit

# The most photos one step may carry (a phone uploads each; the admin and the verdict rules both check it).
MAX_PHOTOS = 9

class Verdict(models.TextChoices):
    """The outcome of a step, and of a run (the worst of its steps)."""

    PASS = "pass", "合格"
    FLAG = "flag", "关注"
    FAIL = "fail", "不合格"



class ImmutableVersionError(Exception):
    """A published procedure version (or one of its steps) was about to change."""


class Standard(models.Model):
    class Level(models.TextChoices):
        NATIONAL = "national", "国家标准"
        LOCAL = "local", "地方标准"
        GROUP = "group", "团体标准"
        INTERNAL = "internal", "内部标准"

    class Category(models.TextChoices):
        GENERAL = "general", "通用基础"
        OPERATIONS = "operations", "运行管理"
        MANAGEMENT = "management", "管理标准"
        SERVICE = "service", "服务保障"

    class Status(models.TextChoices):
        EFFECTIVE = "effective", "现行有效"
        WITHDRAWN = "withdrawn", "已废止"

    code = models.CharField("标准编号", max_length=64, unique=True, help_text="例如 DB 50/T 1053-2020")
    title = models.CharField("标准名称", max_length=200)
    level = models.CharField("层级", max_length=16, choices=Level.choices)
    category = models.CharField("类别", max_length=16, choices=Category.choices)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.EFFECTIVE)
    version = models.CharField("版本", max_length=32, blank=True)
    effective_date = models.DateField("实施日期", null=True, blank=True)
    description = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "标准"
        verbose_name_plural = "标准"
        ordering = ["category", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Procedure(models.Model):
    """A standard operating procedure (SOP). Its steps live in versions; `current_version` is the
    published version a scan offers."""

    standard = models.ForeignKey(Standard, verbose_name="所属标准", on_delete=models.PROTECT,
                                 related_name="procedures")
    code = models.CharField("规程编号", max_length=50, unique=True, help_text="例如 SOP-HVAC-001")
    title = models.CharField("规程名称", max_length=200)
    studio = models.ForeignKey(OrgUnit, verbose_name="负责工作室", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="procedures")
    description = models.TextField("说明", blank=True)
    current_version = models.ForeignKey("ProcedureVersion", verbose_name="现行版本", null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+", editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "作业规程"
        verbose_name_plural = "作业规程"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class ProcedureVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"

    procedure = models.ForeignKey(Procedure, verbose_name="作业规程", on_delete=models.PROTECT,
                                  related_name="versions")
    number = models.PositiveIntegerField("版本号")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT, editable=False)
    change_note = models.TextField("修订说明", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField("发布时间", null=True, blank=True, editable=False)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发布人", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+", editable=False)

    class Meta:
        verbose_name = "规程版本"
        verbose_name_plural = "规程版本"
        ordering = ["procedure_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="procedureversion_unique_number"),
            models.UniqueConstraint(fields=["procedure"], condition=Q(status="draft"),
                                    name="procedureversion_one_draft"),
        ]

    def __str__(self) -> str:
        return f"{self.procedure} v{self.number}（{self.get_status_display()}）"

    def save(self, *args, **kwargs):
        if self._stored_status() == self.Status.PUBLISHED:
            raise ImmutableVersionError(f"{self} 已发布，不可修改；请新建草稿")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._stored_status() == self.Status.PUBLISHED:
            raise ImmutableVersionError(f"{self} 已发布，不可删除")
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def _stored_status(self) -> str | None:
        if self.pk is None:
            return None
        return ProcedureVersion.objects.filter(pk=self.pk).values_list("status", flat=True).first()


class Step(models.Model):
    class Type(models.TextChoices):
        CHECK = "check", "检查（合格/关注/不合格）"
        NUMBER = "number", "数值（上下限）"
        CHOICE = "choice", "单选"
        TEXT = "text", "文字"
        PHOTO = "photo", "照片"
        SIGNATURE = "signature", "签名"
        METER = "meter", "仪表读数"

    version = models.ForeignKey(ProcedureVersion, verbose_name="规程版本", on_delete=models.CASCADE,
                                related_name="steps")
    position = models.PositiveSmallIntegerField("序号")
    title = models.CharField("步骤名称", max_length=200)
    instructions = models.TextField("操作要点", blank=True)
    type = models.CharField("类型", max_length=16, choices=Type.choices)
    required = models.BooleanField("必填", default=True)
    unit = models.CharField("单位", max_length=20, blank=True)
    lower_limit = models.DecimalField("下限", max_digits=14, decimal_places=4, null=True, blank=True,
                                      help_text="数值步骤：低于下限判为不合格")
    upper_limit = models.DecimalField("上限", max_digits=14, decimal_places=4, null=True, blank=True,
                                      help_text="数值步骤：高于上限判为不合格")
    threshold = models.DecimalField("读数阈值", max_digits=14, decimal_places=4, null=True, blank=True,
                                    help_text="仪表读数步骤：超过阈值判为关注")
    options = models.JSONField("选项", default=list, blank=True,
                               help_text='单选步骤：[{"value": "normal", "label": "正常", "verdict": "pass"}, …]，'
                                         "verdict 为 pass / flag / fail")
    min_photos = models.PositiveSmallIntegerField("最少照片数", default=1, help_text="照片步骤")
    condition_step = models.ForeignKey("self", verbose_name="显示条件：步骤", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="dependents",
                                       help_text="仅当该步骤的结论在下列结论之中时显示本步骤")
    condition_verdicts = models.JSONField("显示条件：结论", default=list, blank=True,
                                          help_text='例如 ["fail", "flag"]')

    class Meta:
        verbose_name = "规程步骤"
        verbose_name_plural = "规程步骤"
        ordering = ["version_id", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "position"], name="step_unique_position")]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"

    def save(self, *args, **kwargs):
        if self._version_published():
            raise ImmutableVersionError("已发布版本的步骤不可修改；请新建草稿")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._version_published():
            raise ImmutableVersionError("已发布版本的步骤不可删除；请新建草稿")
        return super().delete(*args, **kwargs)

    def _version_published(self) -> bool:
        return ProcedureVersion.objects.filter(pk=self.version_id, status=ProcedureVersion.Status.PUBLISHED).exists()

    def clean(self):
        siblings = None
        if self.version_id:
            siblings = {s.pk: s for s in Step.objects.filter(version_id=self.version_id)}
        problems = step_problems(self, siblings)
        if problems:
            raise ValidationError(problems)

    @property
    def condition(self) -> dict | None:
        if not self.condition_step_id:
            return None
        return {"step_id": self.condition_step_id, "verdicts": list(self.condition_verdicts or [])}


class PracticePoint(models.Model):
    """A practice point (实操实践点) or piece of equipment with a QR label."""

    name = models.CharField("名称", max_length=100)
    code = models.CharField("编号", max_length=32, unique=True, help_text="印在标签上的人读编号，例如 HVAC-01")
    studio = models.ForeignKey(OrgUnit, verbose_name="所属工作室", on_delete=models.PROTECT,
                               related_name="practice_points")
    location_text = models.CharField("位置", max_length=200, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    radius_m = models.PositiveIntegerField("允许半径（米）", null=True, blank=True,
                                           help_text="扫码位置超出此半径时标记为可疑")
    procedures = models.ManyToManyField(Procedure, verbose_name="作业规程", blank=True, related_name="points")
    is_active = models.BooleanField("启用", default=True)
    description = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "实操点"
        verbose_name_plural = "实操点"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def has_geofence(self) -> bool:
        return self.latitude is not None and self.longitude is not None and bool(self.radius_m)


class QRCode(models.Model):
    """An opaque random code for a point. Rotating revokes the old code; a revoked code answers 410.

    The mini-program code image (WeChat getUnlimited, scene = code) is cached here once fetched.
    """

    point = models.ForeignKey(PracticePoint, verbose_name="实操点", on_delete=models.PROTECT,
                              related_name="qr_codes")
    code = models.CharField("码值", max_length=32, unique=True)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="生成人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField("作废时间", null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="作废人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    revoke_reason = models.CharField("作废原因", max_length=200, blank=True)
    wxacode_png = models.BinaryField("小程序码图片", null=True, blank=True, editable=False)
    wxacode_fetched_at = models.DateTimeField("小程序码获取时间", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "二维码"
        verbose_name_plural = "二维码"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["point"], condition=Q(revoked_at__isnull=True),
                                    name="qrcode_one_active_per_point"),
        ]

    def __str__(self) -> str:
        return f"{self.point.code} · {self.code}{'（已作废）' if self.revoked_at else ''}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def link(self) -> str:
        return qr_link(self.code)


def qr_link(code: str) -> str:
    """What the printed QR encodes: WeChat's "ordinary link" QR codes open the mini-program from it."""
    return f"{settings.PUBLIC_BASE_URL}/q/{code}"


def step_problems(step: Step, siblings: dict[int, Step] | None = None) -> list[str]:
    """What is wrong with a step's definition (shown in the admin, checked again at publish)."""
    problems = []
    label = f"步骤 {step.position}“{step.title}”"
    if step.type == Step.Type.NUMBER and step.lower_limit is not None and step.upper_limit is not None \
            and step.lower_limit > step.upper_limit:
        problems.append(f"{label}：下限不能大于上限")
    if step.type == Step.Type.CHOICE:
        options = step.options if isinstance(step.options, list) else None
        if options is None or len(options) < 2:
            problems.append(f"{label}：单选步骤至少需要 2 个选项")
        else:
            values = [o.get("value") if isinstance(o, dict) else o for o in options]
            if any(not isinstance(v, str) or not v for v in values) or len(set(values)) != len(values):
                problems.append(f"{label}：选项值必须是互不相同的非空文字")
            for option in options:
                if isinstance(option, dict) and option.get("verdict") not in (None, *Verdict.values):
                    problems.append(f"{label}：选项结论只能是 pass / flag / fail")
                    break
    if step.type == Step.Type.PHOTO and not 1 <= step.min_photos <= MAX_PHOTOS:
        problems.append(f"{label}：最少照片数应在 1 到 {MAX_PHOTOS} 之间")
    if step.condition_step_id:
        verdicts = step.condition_verdicts if isinstance(step.condition_verdicts, list) else []
        if not verdicts or any(v not in Verdict.values for v in verdicts):
            problems.append(f'{label}：显示条件的结论应为 ["fail", "flag"] 之类的列表')
        if siblings is not None:
            target = siblings.get(step.condition_step_id)
            if target is None:
                problems.append(f"{label}：显示条件引用了其他版本的步骤")
            elif target.position >= step.position:
                problems.append(f"{label}：显示条件只能引用排在前面的步骤")
    return problems
