"""Online training and certification (线上培训 + 认证考核): courses on the "3+4" ladder, their chapters and
lessons, enrolments and assignments, learning records, question banks, exams and attempts.

Facts a phone sends (progress items) are kept as they arrived, once each (unique per user and client id);
what they mean for a lesson (the watched ranges, the credited seconds, the resume point) is folded into one
row per learner and lesson under its row lock (docs/adr/0020). An attempt's paper — which questions, in
which order, with which option order — is fixed when it starts, so a reload shows the same paper.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.models import OrgUnit
from standards.models import Procedure, Standard


class Layer(models.TextChoices):
    """The "3" of the "3+4" ladder: who a course is for (same values as the apprenticeship frameworks)."""

    DECISION = "decision", "决策层"
    MANAGEMENT = "management", "管理层"
    EXECUTION = "execution", "执行层"


class Stage(models.TextChoices):
    """The "4" of the "3+4" ladder."""

    THEORY = "theory", "理论研究"
    GUIDANCE = "guidance", "职业引导"
    POST_SKILL = "post_skill", "岗位技能"
    CERTIFICATION = "certification", "认证考核"


class Area(models.TextChoices):
    OFFICIAL_CARS = "official_cars", "公务用车"
    MEETINGS = "meetings", "会务"
    GREENING = "greening", "绿化"
    HVAC = "hvac", "暖通"
    BUILDING_AUTOMATION = "building_automation", "楼宇自控"
    CATERING = "catering", "餐饮"
    CLEANING = "cleaning", "保洁"
    REPAIRS = "repairs", "维修"
    ENERGY = "energy", "公共机构节能"
    GENERAL = "general", "综合"


SECONDS = {"max_digits": 9, "decimal_places": 1}  # media positions and watched time, to 0.1 s


# --- files -----------------------------------------------------------------------------------------
class LessonMedia(models.Model):
    """A lesson's stored file (an MP4 video or a PDF), kept in PRIVATE_MEDIA_ROOT and fetched only through
    a signed, expiring link. Duration, codecs and the poster come from the file itself."""

    class Kind(models.TextChoices):
        VIDEO = "video", "视频"
        DOCUMENT = "document", "文档"

    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    path = models.CharField("存储路径", max_length=200, unique=True)
    poster_path = models.CharField("封面帧路径", max_length=200, blank=True)
    original_name = models.CharField("原文件名", max_length=200, blank=True)
    content_type = models.CharField("内容类型", max_length=64)
    size_bytes = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("摘要", max_length=64, db_index=True)
    duration_s = models.DecimalField("时长（秒）", null=True, blank=True, **SECONDS)
    video_codec = models.CharField("视频编码", max_length=32, blank=True)
    audio_codec = models.CharField("音频编码", max_length=32, blank=True)
    width = models.PositiveIntegerField("宽", null=True, blank=True)
    height = models.PositiveIntegerField("高", null=True, blank=True)
    pages = models.PositiveIntegerField("页数", null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "课程媒体"
        verbose_name_plural = "课程媒体"
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.original_name or self.path


# --- the catalogue ---------------------------------------------------------------------------------
class Course(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"
        ARCHIVED = "archived", "已下架"

    title = models.CharField("课程名称", max_length=200)
    summary = models.TextField("简介", blank=True)
    cover = models.ImageField("封面", upload_to="course-covers/", blank=True, max_length=200)
    for_decision = models.BooleanField("面向决策层", default=False)
    for_management = models.BooleanField("面向管理层", default=False)
    for_execution = models.BooleanField("面向执行层", default=True)
    stage = models.CharField("阶段", max_length=16, choices=Stage.choices)
    area = models.CharField("服务领域", max_length=32, choices=Area.choices)
    standards = models.ManyToManyField(Standard, verbose_name="所授标准", blank=True, related_name="courses")
    org_unit = models.ForeignKey(OrgUnit, verbose_name="开课单位", on_delete=models.PROTECT, related_name="courses",
                                 help_text="工作室课程只对该工作室人员开放；管理局课程对全局开放")
    learning_hours = models.DecimalField("学时", max_digits=5, decimal_places=1, default=Decimal("1"),
                                         validators=[MinValueValidator(Decimal("0"))])
    open_enrolment = models.BooleanField("允许自主报名", default=True)
    prevent_skipping = models.BooleanField("禁止拖动跳过未看部分", default=False,
                                           help_text="开启后，只有从头连续观看的部分计入学习进度")
    completion_share = models.DecimalField("视频完成比例", max_digits=3, decimal_places=2, null=True, blank=True,
                                           validators=[MinValueValidator(Decimal("0.1")),
                                                       MaxValueValidator(Decimal("1"))],
                                           help_text="留空则使用系统设置（默认 0.95）")
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "课程"
        verbose_name_plural = "课程"
        ordering = ["stage", "title", "id"]
        constraints = [models.UniqueConstraint(fields=["org_unit", "title"], name="course_unique_title")]
        indexes = [models.Index(fields=["state", "stage"])]

    def __str__(self) -> str:
        return self.title

    @property
    def layers(self) -> list[str]:
        return [layer for layer, flag in ((Layer.DECISION, self.for_decision), (Layer.MANAGEMENT, self.for_management),
                                          (Layer.EXECUTION, self.for_execution)) if flag]


class Chapter(models.Model):
    course = models.ForeignKey(Course, verbose_name="课程", on_delete=models.CASCADE, related_name="chapters")
    title = models.CharField("章节名称", max_length=200)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "章节"
        verbose_name_plural = "章节"
        ordering = ["course_id", "order", "id"]

    def __str__(self) -> str:
        return self.title


class Lesson(models.Model):
    class Kind(models.TextChoices):
        VIDEO = "video", "视频"
        DOCUMENT = "document", "文档（PDF）"
        ARTICLE = "article", "图文"
        PRACTICE = "practice", "实操（审核通过的规程记录）"
        QUIZ = "quiz", "随堂测验"

    course = models.ForeignKey(Course, verbose_name="课程", on_delete=models.CASCADE, related_name="lessons")
    chapter = models.ForeignKey(Chapter, verbose_name="章节", on_delete=models.CASCADE, related_name="lessons")
    title = models.CharField("课时名称", max_length=200)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    order = models.PositiveSmallIntegerField("顺序", default=0)
    media = models.ForeignKey(LessonMedia, verbose_name="视频或文档", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="lessons")
    article = models.TextField("正文", blank=True,
                               help_text="纯文本：空行分段，以“# ”开头的行为小标题；不接受 HTML")
    procedure = models.ForeignKey(Procedure, verbose_name="实操规程", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="lessons")
    exam = models.ForeignKey("Exam", verbose_name="测验", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="lessons")

    class Meta:
        verbose_name = "课时"
        verbose_name_plural = "课时"
        ordering = ["course_id", "chapter__order", "chapter_id", "order", "id"]
        indexes = [models.Index(fields=["course", "kind"])]

    def __str__(self) -> str:
        return self.title


# --- who learns what ---------------------------------------------------------------------------------
class Assignment(models.Model):
    """A leader's or admin's "learn this by then", to people, units or roles; expanded into enrolments."""

    course = models.ForeignKey(Course, verbose_name="课程", on_delete=models.PROTECT, related_name="assignments")
    due_date = models.DateField("完成期限", null=True, blank=True)
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="指定人员", blank=True, related_name="+")
    org_units = models.ManyToManyField(OrgUnit, verbose_name="指定单位", blank=True, related_name="+")
    roles = models.JSONField("指定角色", default=list, blank=True)
    scope_unit = models.ForeignKey(OrgUnit, verbose_name="角色范围", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", help_text="按角色指派时，只含此单位下持该角色的人员")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="指派人", on_delete=models.PROTECT,
                                   related_name="+")
    client_id = models.CharField("客户端编号", max_length=100, null=True, blank=True)  # noqa: DJ001 - absent ≠ ""
    created_at = models.DateTimeField("指派时间", auto_now_add=True)

    class Meta:
        verbose_name = "课程指派"
        verbose_name_plural = "课程指派"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["created_by", "client_id"], condition=Q(client_id__isnull=False),
                                    name="assignment_unique_client_id"),
        ]

    def __str__(self) -> str:
        return f"{self.course} · {self.due_date or '不限期'}"


class Enrolment(models.Model):
    class Source(models.TextChoices):
        SELF = "self", "自主报名"
        ASSIGNED = "assigned", "指派"

    course = models.ForeignKey(Course, verbose_name="课程", on_delete=models.PROTECT, related_name="enrolments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="学员", on_delete=models.PROTECT,
                             related_name="enrolments")
    source = models.CharField("来源", max_length=16, choices=Source.choices, default=Source.SELF)
    assignment = models.ForeignKey(Assignment, verbose_name="指派", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="enrolments")
    due_date = models.DateField("完成期限", null=True, blank=True)
    enrolled_at = models.DateTimeField("报名时间", auto_now_add=True)
    completed_at = models.DateTimeField("结业时间", null=True, blank=True)

    class Meta:
        verbose_name = "选课"
        verbose_name_plural = "选课"
        ordering = ["-enrolled_at"]
        constraints = [models.UniqueConstraint(fields=["course", "user"], name="enrolment_unique")]
        indexes = [models.Index(fields=["user", "completed_at"]), models.Index(fields=["due_date", "completed_at"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.course}"


class ProgressItem(models.Model):
    """One item of a progress batch, kept as the phone sent it. Unique per (user, client_id): a batch sent
    twice counts once."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", "已记录"
        CLAMPED = "clamped", "已记录（超出时长部分已截去）"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="学员", on_delete=models.CASCADE,
                             related_name="+")
    client_id = models.CharField("客户端编号", max_length=100)
    lesson = models.ForeignKey(Lesson, verbose_name="课时", on_delete=models.CASCADE, related_name="+")
    position_s = models.DecimalField("播放位置", **SECONDS)
    watched = models.JSONField("观看区间", default=list)
    client_at = models.DateTimeField("手机时间")
    received_at = models.DateTimeField("接收时间")
    outcome = models.CharField("结果", max_length=16, choices=Outcome.choices)
    credited_s = models.DecimalField("本条计入秒数", default=Decimal("0"), **SECONDS)

    class Meta:
        verbose_name = "学习记录（原始）"
        verbose_name_plural = "学习记录（原始）"
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["user", "client_id"], name="progressitem_unique_client_id")]

    def __str__(self) -> str:
        return f"{self.user} · {self.lesson_id} · {self.client_id}"


class LessonProgress(models.Model):
    """What one learner has done of one lesson, folded from their progress items (docs/adr/0020)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="学员", on_delete=models.CASCADE,
                             related_name="lesson_progress")
    lesson = models.ForeignKey(Lesson, verbose_name="课时", on_delete=models.CASCADE, related_name="progress")
    course = models.ForeignKey(Course, verbose_name="课程", on_delete=models.CASCADE, related_name="+")
    opened_at = models.DateTimeField("首次打开（服务器时间）")
    ranges = models.JSONField("已观看区间", default=list, help_text="合并后的区间（秒），已截到时长以内")
    credited_s = models.DecimalField("计入观看秒数", default=Decimal("0"), **SECONDS)
    position_s = models.DecimalField("续播位置", default=Decimal("0"), **SECONDS)
    position_at = models.DateTimeField("续播位置时间（手机）", null=True, blank=True)
    furthest_s = models.DecimalField("从头连续看到", default=Decimal("0"), **SECONDS)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    completed_by_run = models.BigIntegerField("完成依据的实操记录", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "课时进度"
        verbose_name_plural = "课时进度"
        constraints = [models.UniqueConstraint(fields=["user", "lesson"], name="lessonprogress_unique")]
        indexes = [models.Index(fields=["course", "user"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.lesson}"


# --- question banks and exams --------------------------------------------------------------------------
class Difficulty(models.TextChoices):
    EASY = "easy", "易"
    MEDIUM = "medium", "中"
    HARD = "hard", "难"


class KnowledgeTag(models.Model):
    """A knowledge point a question tests: linked to a standard, or naming a competency by its code."""

    name = models.CharField("知识点", max_length=100, unique=True)
    standard = models.ForeignKey(Standard, verbose_name="关联标准", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="knowledge_tags")
    competency_code = models.CharField("关联能力项编号", max_length=32, blank=True)

    class Meta:
        verbose_name = "知识点"
        verbose_name_plural = "知识点"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class QuestionBank(models.Model):
    name = models.CharField("题库名称", max_length=200)
    org_unit = models.ForeignKey(OrgUnit, verbose_name="所属单位", on_delete=models.PROTECT, related_name="+")
    course = models.ForeignKey(Course, verbose_name="所属课程", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="banks")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "题库"
        verbose_name_plural = "题库"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["org_unit", "name"], name="bank_unique_name")]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", "单选题"
        MULTIPLE = "multiple", "多选题"
        TRUE_FALSE = "true_false", "判断题"
        FILL = "fill", "填空题"

    bank = models.ForeignKey(QuestionBank, verbose_name="题库", on_delete=models.PROTECT, related_name="questions")
    code = models.CharField("题号", max_length=32, help_text="题库内唯一；导入时按题号更新")
    kind = models.CharField("题型", max_length=16, choices=Kind.choices)
    stem = models.TextField("题干")
    options = models.JSONField("选项", default=list, blank=True, help_text='[{"key": "A", "text": "…"}, …]')
    answer = models.JSONField("答案", help_text='单选 "A"；多选 ["A","C"]；判断 true/false；填空 [["答案","同义答案"], …]')
    explanation = models.TextField("解析", blank=True)
    difficulty = models.CharField("难度", max_length=8, choices=Difficulty.choices, default=Difficulty.MEDIUM)
    tags = models.ManyToManyField(KnowledgeTag, verbose_name="知识点", blank=True, related_name="questions")
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "试题"
        verbose_name_plural = "试题"
        ordering = ["bank_id", "code"]
        constraints = [models.UniqueConstraint(fields=["bank", "code"], name="question_unique_code")]
        indexes = [models.Index(fields=["bank", "difficulty"])]

    def __str__(self) -> str:
        return f"{self.code} {self.stem[:30]}"


class Exam(models.Model):
    class Mode(models.TextChoices):
        FIXED = "fixed", "固定试卷"
        RANDOM = "random", "按规则随机组卷"

    class Release(models.TextChoices):
        AFTER_SUBMIT = "after_submit", "交卷后公布"
        AFTER_CLOSE = "after_close", "考试窗口关闭后公布"

    class State(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"

    title = models.CharField("考试名称", max_length=200)
    org_unit = models.ForeignKey(OrgUnit, verbose_name="组考单位", on_delete=models.PROTECT, related_name="+",
                                 help_text="该单位（含下级）人员可参加")
    course = models.ForeignKey(Course, verbose_name="所属课程", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="exams", help_text="设置后仅该课程学员可参加")
    bank = models.ForeignKey(QuestionBank, verbose_name="随机组卷题库", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="exams")
    mode = models.CharField("组卷方式", max_length=8, choices=Mode.choices, default=Mode.FIXED)
    time_limit_minutes = models.PositiveSmallIntegerField("限时（分钟）", default=60,
                                                          validators=[MinValueValidator(1), MaxValueValidator(600)])
    pass_mark = models.DecimalField("及格分（百分制）", max_digits=5, decimal_places=1, default=Decimal("60"),
                                    validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))])
    attempts_allowed = models.PositiveSmallIntegerField("允许次数", default=1,
                                                        validators=[MinValueValidator(1), MaxValueValidator(20)])
    opens_at = models.DateTimeField("开放时间", null=True, blank=True)
    closes_at = models.DateTimeField("关闭时间", null=True, blank=True)
    release = models.CharField("成绩与解析公布", max_length=16, choices=Release.choices,
                               default=Release.AFTER_SUBMIT)
    shuffle_questions = models.BooleanField("打乱题序", default=True)
    shuffle_options = models.BooleanField("打乱选项", default=True)
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.DRAFT)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "考试"
        verbose_name_plural = "考试"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class ExamQuestion(models.Model):
    """A question of a fixed paper, with its points."""

    exam = models.ForeignKey(Exam, verbose_name="考试", on_delete=models.CASCADE, related_name="paper")
    question = models.ForeignKey(Question, verbose_name="试题", on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField("分值", max_digits=5, decimal_places=1, default=Decimal("5"),
                                 validators=[MinValueValidator(Decimal("0.1"))])
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "试卷试题"
        verbose_name_plural = "试卷试题"
        ordering = ["exam_id", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["exam", "question"], name="examquestion_unique")]

    def __str__(self) -> str:
        return f"{self.exam} · {self.question_id}（{self.points} 分）"


class ExamRule(models.Model):
    """Random paper: `count` active questions of the bank with this tag and difficulty (either may be empty)."""

    exam = models.ForeignKey(Exam, verbose_name="考试", on_delete=models.CASCADE, related_name="rules")
    tag = models.ForeignKey(KnowledgeTag, verbose_name="知识点", null=True, blank=True, on_delete=models.PROTECT,
                            related_name="+")
    difficulty = models.CharField("难度", max_length=8, choices=Difficulty.choices, blank=True)
    count = models.PositiveSmallIntegerField("题数", validators=[MinValueValidator(1)])
    points = models.DecimalField("每题分值", max_digits=5, decimal_places=1, default=Decimal("5"),
                                 validators=[MinValueValidator(Decimal("0.1"))])
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "组卷规则"
        verbose_name_plural = "组卷规则"
        ordering = ["exam_id", "order", "id"]

    def __str__(self) -> str:
        return f"{self.exam} · {self.tag or '全部知识点'} · {self.get_difficulty_display() or '任意难度'} × {self.count}"


class Attempt(models.Model):
    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", "答题中"
        SUBMITTED = "submitted", "已交卷"
        AUTO_SUBMITTED = "auto_submitted", "超时自动交卷"

    exam = models.ForeignKey(Exam, verbose_name="考试", on_delete=models.PROTECT, related_name="attempts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="考生", on_delete=models.PROTECT,
                             related_name="exam_attempts")
    number = models.PositiveSmallIntegerField("第几次")
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.IN_PROGRESS)
    started_at = models.DateTimeField("开始时间")
    deadline_at = models.DateTimeField("截止时间")
    submitted_at = models.DateTimeField("交卷时间", null=True, blank=True)
    paper = models.JSONField("试卷", help_text="[{question_id, points, options: [顺序]}]，开考时确定")
    total_points = models.DecimalField("卷面总分", max_digits=7, decimal_places=1)
    points = models.DecimalField("得分（卷面）", max_digits=7, decimal_places=1, null=True, blank=True)
    score = models.DecimalField("成绩（百分制）", max_digits=5, decimal_places=1, null=True, blank=True)
    passed = models.BooleanField("及格", null=True, blank=True)

    class Meta:
        verbose_name = "答卷"
        verbose_name_plural = "答卷"
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["exam", "user", "number"], name="attempt_unique_number"),
            # One open attempt per person and exam: a second start returns the open one.
            models.UniqueConstraint(fields=["exam", "user"], condition=Q(state="in_progress"),
                                    name="attempt_one_open"),
        ]
        indexes = [models.Index(fields=["state", "deadline_at"]), models.Index(fields=["exam", "state"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.exam} · 第{self.number}次"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.IN_PROGRESS


class AttemptAnswer(models.Model):
    """The latest saved answer to one question of an attempt. `seq` is the phone's counter for that
    answer: a save with a lower or equal seq (an older copy arriving late) changes nothing."""

    attempt = models.ForeignKey(Attempt, verbose_name="答卷", on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, verbose_name="试题", on_delete=models.PROTECT, related_name="+")
    answer = models.JSONField("作答", null=True, blank=True)
    seq = models.PositiveBigIntegerField("客户端序号", default=0)
    saved_at = models.DateTimeField("保存时间")
    awarded = models.DecimalField("得分", max_digits=5, decimal_places=1, null=True, blank=True)
    correct = models.BooleanField("正确", null=True, blank=True)

    class Meta:
        verbose_name = "作答"
        verbose_name_plural = "作答"
        ordering = ["attempt_id", "id"]
        constraints = [models.UniqueConstraint(fields=["attempt", "question"], name="attemptanswer_unique")]

    def __str__(self) -> str:
        return f"{self.attempt_id} · {self.question_id}"
