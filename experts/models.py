"""The expert roster (专家库): experts, their specialities, categories, certifications and avoidance
lists; applications to join; draws (a recorded candidate list and seed, seats for the drawn and the
backups); engagements and ratings pushed in by higher apps."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from accounts.models import OrgUnit
from miniprogram_api.append_only import AppendOnlyModel


class Category(models.TextChoices):
    LOCAL = "local", "土专家"
    LECTURER = "lecturer", "专家讲师"
    JUDGE = "judge", "裁判"
    REVIEWER = "reviewer", "评审专家"


class Speciality(models.Model):
    """A node of the speciality tree (暖通 › 冷水机组 …). A draw for a node also takes its descendants."""

    name = models.CharField("名称", max_length=40)
    code = models.SlugField("代码", max_length=40, unique=True)
    parent = models.ForeignKey("self", verbose_name="上级专业", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "专业"
        verbose_name_plural = "专业"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class Expert(models.Model):
    """One person on the roster: a user of Shixun, or an outside person (then `user` is empty)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "在库"
        SUSPENDED = "suspended", "暂停"
        RETIRED = "retired", "退出"

    code = models.CharField("专家编号", max_length=16, unique=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name="用户", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="expert")
    name = models.CharField("姓名", max_length=40)
    org_unit = models.ForeignKey(OrgUnit, verbose_name="所在单位（系统内）", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="experts")
    unit_name = models.CharField("工作单位", max_length=100, blank=True, default="")
    title = models.CharField("职称", max_length=40, blank=True, default="")
    skill_level = models.CharField("技能等级", max_length=20, blank=True, default="")
    phone = models.CharField("手机号", max_length=20, blank=True, default="")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.ACTIVE)
    specialities = models.ManyToManyField(Speciality, verbose_name="专业", blank=True, related_name="experts")
    joined_at = models.DateTimeField("入库时间", auto_now_add=True)

    class Meta:
        verbose_name = "专家"
        verbose_name_plural = "专家"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ExpertCategory(models.Model):
    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="categories")
    category = models.CharField("类别", max_length=12, choices=Category.choices)

    class Meta:
        verbose_name = "专家类别"
        verbose_name_plural = "专家类别"
        constraints = [models.UniqueConstraint(fields=["expert", "category"], name="expert_category_once")]

    def __str__(self) -> str:
        return self.get_category_display()


class Certification(models.Model):
    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="certifications")
    name = models.CharField("证书名称", max_length=100)
    number = models.CharField("证书编号", max_length=60, blank=True, default="")
    issued_on = models.DateField("发证日期", null=True, blank=True)
    expires_on = models.DateField("有效期至", null=True, blank=True)

    class Meta:
        verbose_name = "资格证书"
        verbose_name_plural = "资格证书"
        ordering = ["expires_on", "id"]

    def __str__(self) -> str:
        return self.name


class Avoidance(models.Model):
    """A unit (in the org tree, or by name for outside units) or a person the expert must avoid (回避)."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="avoidances")
    org_unit = models.ForeignKey(OrgUnit, verbose_name="回避单位", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="+")
    unit_name = models.CharField("回避单位（系统外）", max_length=100, blank=True, default="")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="回避人员", null=True, blank=True,
                               on_delete=models.CASCADE, related_name="+")
    reason = models.CharField("原因", max_length=200, blank=True, default="")

    class Meta:
        verbose_name = "回避关系"
        verbose_name_plural = "回避关系"

    def __str__(self) -> str:
        return str(self.org_unit or self.unit_name or self.person)


class Application(models.Model):
    """Joining the roster: an application with a CV, approved (an Expert with the next code) or rejected."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "待审核"
        APPROVED = "approved", "已通过"
        REJECTED = "rejected", "未通过"

    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人账号", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="expert_applications")
    client_id = models.CharField(max_length=64, blank=True, default="")
    name = models.CharField("姓名", max_length=40)
    org_unit = models.ForeignKey(OrgUnit, verbose_name="所在单位（系统内）", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    unit_name = models.CharField("工作单位", max_length=100, blank=True, default="")
    title = models.CharField("职称", max_length=40, blank=True, default="")
    skill_level = models.CharField("技能等级", max_length=20, blank=True, default="")
    phone = models.CharField("手机号", max_length=20, blank=True, default="")
    specialities = models.ManyToManyField(Speciality, verbose_name="专业", blank=True, related_name="+")
    categories = models.JSONField("申请类别", default=list)
    statement = models.TextField("个人简介", blank=True, default="")
    cv_path = models.CharField("简历文件", max_length=200, blank=True, default="")
    cv_name = models.CharField("简历文件名", max_length=120, blank=True, default="")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    reason = models.CharField("审核意见", max_length=300, blank=True, default="")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    expert = models.OneToOneField(Expert, verbose_name="入库专家", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="application")
    created_at = models.DateTimeField("提交时间", auto_now_add=True)

    class Meta:
        verbose_name = "入库申请"
        verbose_name_plural = "入库申请"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["applicant", "client_id"], condition=~models.Q(client_id=""),
                                    name="expert_application_client_id"),
            models.UniqueConstraint(fields=["applicant"], condition=models.Q(status="submitted"),
                                    name="expert_application_one_open"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_status_display()}）"


class CodeCounter(models.Model):
    """The last number handed out per prefix; approval locks the row, so codes are unique and gap-free
    (a rolled-back approval rolls the counter back with it)."""

    prefix = models.CharField(max_length=8, unique=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "编号计数"
        verbose_name_plural = "编号计数"

    def __str__(self) -> str:
        return f"{self.prefix}-{self.last:04d}"


class Draw(AppendOnlyModel):
    """A random draw, recorded so anyone can re-run it: the request, the qualified candidates (sorted by
    code) and the seed. The order is sha256(seed + ":" + code) ascending (docs/adr/0031)."""

    ALGORITHM = "sha256-v1"

    purpose = models.CharField("用途", max_length=200)
    subject = models.CharField("抽取对象", max_length=80, blank=True, default="",
                               help_text="调用方的引用，例如 competitions.event:12")
    specialities = models.JSONField("专业", default=list)
    categories = models.JSONField("类别", default=list)
    count = models.PositiveIntegerField("抽取人数")
    backups = models.PositiveIntegerField("备选人数", default=0)
    avoid_units = models.JSONField("回避单位", default=list)
    avoid_persons = models.JSONField("回避人员", default=list)
    candidates = models.JSONField("候选名单", default=list)
    seed = models.CharField("随机种子", max_length=64)
    algorithm = models.CharField("算法", max_length=20, default=ALGORITHM)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="抽取人", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("抽取时间", auto_now_add=True)

    class Meta:
        verbose_name = "专家抽取"
        verbose_name_plural = "专家抽取"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.purpose}"


class Seat(models.Model):
    """One drawn expert of a draw: a member (invited at once) or a backup (called in order on a decline)."""

    class Status(models.TextChoices):
        STANDBY = "standby", "备选待命"
        INVITED = "invited", "待确认"
        CONFIRMED = "confirmed", "已确认"
        DECLINED = "declined", "已谢绝"

    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="seats")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="seats")
    position = models.PositiveIntegerField("抽中顺序")
    is_backup = models.BooleanField("备选", default=False)
    status = models.CharField("状态", max_length=12, choices=Status.choices)
    invited_at = models.DateTimeField("通知时间", null=True, blank=True)
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    reason = models.CharField("谢绝原因", max_length=200, blank=True, default="")

    class Meta:
        verbose_name = "抽取结果"
        verbose_name_plural = "抽取结果"
        ordering = ["draw_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "position"], name="seat_unique_position"),
            models.UniqueConstraint(fields=["draw", "expert"], name="seat_unique_expert"),
        ]

    def __str__(self) -> str:
        return f"{self.draw_id}#{self.position} {self.expert}"


class Engagement(models.Model):
    """What an expert did: a contest judged, a course taught, an evaluation done. Pushed in by the app
    where it happened, once per (expert, kind, ref)."""

    class Kind(models.TextChoices):
        CONTEST = "contest", "执裁比武"
        COURSE = "course", "授课"
        EVALUATION = "evaluation", "评审评价"

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="engagements")
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    ref = models.CharField("来源", max_length=80)
    title = models.CharField("名称", max_length=200)
    role = models.CharField("角色", max_length=40, blank=True, default="")
    occurred_on = models.DateField("日期")

    class Meta:
        verbose_name = "专家履职"
        verbose_name_plural = "专家履职"
        ordering = ["-occurred_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["expert", "kind", "ref"], name="engagement_once")]

    def __str__(self) -> str:
        return self.title


class Rating(models.Model):
    """A rating an expert received as a trainer (e.g. a survey's mean), once per (expert, source)."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="ratings")
    source = models.CharField("来源", max_length=80)
    title = models.CharField("名称", max_length=200)
    score = models.DecimalField("得分", max_digits=6, decimal_places=2)
    scale_max = models.DecimalField("满分", max_digits=6, decimal_places=2, default=5)
    responses = models.PositiveIntegerField("样本数", default=0)
    rated_on = models.DateField("日期")

    class Meta:
        verbose_name = "讲师评价"
        verbose_name_plural = "讲师评价"
        ordering = ["-rated_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["expert", "source"], name="rating_once")]

    def __str__(self) -> str:
        return f"{self.title}: {self.score}"
