"""Skill contests: marking schemes, entries, panels, append-only marks, appeals and the live board.

Raw facts (marks, audit entries) are appended, never edited: a correction is a new Mark row with a
higher revision, an actor and a reason. The board's `seq` lives on `ContestBoard`, one row per
contest, which every write that moves the board locks first, so seq is strictly increasing across
server processes and the board stored beside it is exactly the state at that seq.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from accounts.models import OrgUnit
from miniprogram_api.append_only import AppendOnlyModel

# --- the scheme freezes when an event opens (docs/SCORING.md "Scheme freeze") ------------------------
SCHEME_FIELDS = ("aggregation", "trim_k", "tolerance", "tie_break_by_sections", "tie_break_chain")
_scheme_change = threading.local()


class SchemeFrozen(Exception):
    """Something tried to change the scheme (weights, scale, aggregation, tolerance, entries, panel) of
    an event that has opened, other than the chief judge's logged change (services.change_scheme)."""


@contextmanager
def scheme_change_allowed():
    """The one door: services.change_scheme opens it for its own writes, after its checks."""
    _scheme_change.allowed = True
    try:
        yield
    finally:
        _scheme_change.allowed = False


def refuse_if_frozen(state: str | None, what: str) -> None:
    if state in (None, "draft") or getattr(_scheme_change, "allowed", False):
        return
    raise SchemeFrozen(f"项目已开始评分，{what}已冻结；只能由裁判长说明原因后修改（成绩公布后不能修改）")


class Contest(models.Model):
    name = models.CharField("名称", max_length=200)
    org_unit = models.ForeignKey(OrgUnit, verbose_name="主办单位", on_delete=models.PROTECT, related_name="contests",
                                 help_text="裁判长、监督仲裁的权限范围")
    venue = models.CharField("地点", max_length=200, blank=True)
    starts_at = models.DateTimeField("开始时间", null=True, blank=True)
    freeze_at = models.DateTimeField("封榜时间", null=True, blank=True,
                                     help_text="此后公开榜停止更新，成绩公布时揭晓；评审榜始终实时")
    appeal_window_minutes = models.PositiveIntegerField("申诉时限（分钟）", default=120)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "技能比武"
        verbose_name_plural = "技能比武"
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        adding = self._state.adding
        super().save(*args, **kwargs)
        if adding:
            ContestBoard.objects.get_or_create(contest=self)


class Event(models.Model):
    """A 项目 of the contest with its own marking scheme, panel and state."""

    class State(models.TextChoices):
        DRAFT = "draft", "筹备中"
        OPEN = "open", "评分中"
        LOCKED = "locked", "已锁定"
        PUBLISHED = "published", "已公布"

    class Aggregation(models.TextChoices):
        MEAN = "mean", "平均分"
        TRIMMED = "trimmed", "去掉最高最低后平均"

    contest = models.ForeignKey(Contest, verbose_name="比武", on_delete=models.CASCADE, related_name="events")
    name = models.CharField("项目名称", max_length=200)
    order = models.PositiveSmallIntegerField("顺序", default=0)
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.DRAFT)
    aggregation = models.CharField("评判分汇总方式", max_length=16, choices=Aggregation.choices,
                                   default=Aggregation.TRIMMED)
    trim_k = models.PositiveSmallIntegerField("去掉最高、最低各几个", default=1,
                                              help_text="评分数不少于 2k+3 时才去掉，否则取平均")
    tolerance = models.DecimalField("分差容限（0–3 分制）", max_digits=5, decimal_places=2, default=Decimal("1"),
                                    validators=[MinValueValidator(Decimal("0"))],
                                    help_text="评判分最高与最低之差超过此值（按分制折算）时提示仲裁复核")
    tie_break_by_sections = models.BooleanField("同分按模块比较", default=True)
    tie_break_chain = models.JSONField("同分比较顺序（模块 ID）", default=list, blank=True,
                                       help_text="留空表示按模块顺序依次比较")
    code_prefix = models.CharField("加密号前缀", max_length=4, default="A", blank=True)
    locked_at = models.DateTimeField("锁定时间", null=True, blank=True)
    published_at = models.DateTimeField("公布时间", null=True, blank=True)
    appeal_deadline = models.DateTimeField("申诉截止", null=True, blank=True)
    scheme_changes = models.JSONField("评分方案变更（开赛后）", default=list, blank=True,
                                      help_text="裁判长开赛后修改评分方案的记录（时间、人、原因、改动），评审榜显示；"
                                                "操作日志中有同样的记录")
    # --- teams, rounds, sign-up, theory (issue 17; docs/SCORING.md "Teams", "Rounds", "Sign-up") -------------
    participation = models.CharField("参赛形式", max_length=16, default="individual",
                                     choices=[("individual", "个人赛"), ("team", "团体赛")])
    team_min = models.PositiveSmallIntegerField("每队最少人数", default=2,
                                                validators=[MinValueValidator(2), MaxValueValidator(5)])
    team_max = models.PositiveSmallIntegerField("每队最多人数", default=5,
                                                validators=[MinValueValidator(2), MaxValueValidator(5)])
    previous_round = models.ForeignKey("self", verbose_name="上一轮（预赛）", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="next_rounds",
                                       help_text="决赛指向预赛：预赛前 N 名晋级")
    qualifiers = models.PositiveSmallIntegerField("晋级人数（上一轮前 N 名）", null=True, blank=True)
    carry_share = models.DecimalField("带入上一轮成绩的比例（%）", max_digits=5, decimal_places=2, default=Decimal("0"),
                                      validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
                                      help_text="0 表示本轮重新计分；30 表示总分 = 30% 上一轮 + 70% 本轮")
    min_skill_level = models.CharField("报名最低技能等级", max_length=8, blank=True, default="",
                                       choices=[("level5", "五级/初级工"), ("level4", "四级/中级工"),
                                                ("level3", "三级/高级工"), ("level2", "二级/技师"),
                                                ("level1", "一级/高级技师")])
    unit_quota = models.PositiveSmallIntegerField("每单位报名名额", null=True, blank=True,
                                                  help_text="留空表示不限；团体赛按队计")
    signup_open = models.BooleanField("接受报名", default=False,
                                      help_text="开启后选手可在小程序中看到本项目并报名；抽签后自动截止")
    kind = models.CharField("项目类型", max_length=16, default="practical",
                            choices=[("practical", "实操"), ("theory", "理论考试")])
    exam = models.ForeignKey("training.Exam", verbose_name="理论考试", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+",
                             help_text="理论项目：选手在该考试中的最好成绩即为总分")
    # --- practical timing and awards (H5: docs/SCORING.md "Timing", "Awards"; competitions/timing.py, awards.py)
    time_limit_minutes = models.PositiveSmallIntegerField("实操限时（分钟）", null=True, blank=True,
                                                          help_text="留空表示不计时")
    overtime_rule = models.CharField("超时规则", max_length=8, default="penalty",
                                     choices=[("penalty", "超时扣分（每开始一分钟）"), ("stop", "到时停止")])
    overtime_penalty = models.DecimalField("每超时一分钟扣分", max_digits=5, decimal_places=2, default=Decimal("0"),
                                           validators=[MinValueValidator(Decimal("0"))],
                                           help_text="超时规则为扣分时，每开始一分钟从总分中扣除的分数")
    award_mode = models.CharField("奖项设置方式", max_length=8, blank=True, default="",
                                  choices=[("", "不设奖项"), ("share", "按获奖比例（%）"), ("rank", "按名次人数")])
    award_tiers = models.JSONField("奖项档次", default=list, blank=True,
                                   help_text='如 [{"name": "一等奖", "value": 10}, …]；value 为比例（%）或人数')
    award_merit = models.BooleanField("其余选手设优胜奖", default=False)

    class Meta:
        verbose_name = "比赛项目"
        verbose_name_plural = "比赛项目"
        ordering = ["contest_id", "order", "id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        fields = kwargs.get("update_fields")
        if not self._state.adding and (fields is None or set(fields) & set(SCHEME_FIELDS)):
            stored = Event.objects.filter(pk=self.pk).values("state", *SCHEME_FIELDS).first()
            if stored and any(getattr(self, f) != stored[f] for f in SCHEME_FIELDS):
                refuse_if_frozen(stored["state"], "评分方案")
        super().save(*args, **kwargs)

    def clean(self):  # H5: award settings (competitions/awards.py)
        from .prizes import problems

        errors = problems(self)
        if errors:
            raise ValidationError({"award_tiers": errors})


def _event_state(**lookup) -> str | None:
    return Event.objects.filter(**lookup).values_list("state", flat=True).first()


class Section(models.Model):
    """A weighted part of the marking scheme; the weights of an event sum to 100."""

    event = models.ForeignKey(Event, verbose_name="项目", on_delete=models.CASCADE, related_name="sections")
    name = models.CharField("模块名称", max_length=200)
    order = models.PositiveSmallIntegerField("顺序", default=0)
    weight = models.DecimalField("权重（分）", max_digits=5, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))])

    class Meta:
        verbose_name = "评分模块"
        verbose_name_plural = "评分模块"
        ordering = ["event_id", "order", "id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        refuse_if_frozen(_event_state(pk=self.event_id), "评分模块")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        refuse_if_frozen(_event_state(pk=self.event_id), "评分模块")
        return super().delete(*args, **kwargs)


class Aspect(models.Model):
    class Kind(models.TextChoices):
        MEASUREMENT = "measurement", "测量（客观）"
        JUDGEMENT = "judgement", "评判（主观）"

    section = models.ForeignKey(Section, verbose_name="模块", on_delete=models.CASCADE, related_name="aspects")
    name = models.CharField("评分项", max_length=300)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    max_mark = models.DecimalField("满分", max_digits=6, decimal_places=2,
                                   validators=[MinValueValidator(Decimal("0.01"))])
    scale_max = models.PositiveSmallIntegerField("评判分制上限", default=3,
                                                 validators=[MinValueValidator(1), MaxValueValidator(100)],
                                                 help_text="评判项每位裁判给 0…上限 的整数（3、10 或 100）")
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "评分项"
        verbose_name_plural = "评分项"
        ordering = ["section_id", "order", "id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        refuse_if_frozen(_event_state(sections__id=self.section_id), "评分项")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        refuse_if_frozen(_event_state(sections__id=self.section_id), "评分项")
        return super().delete(*args, **kwargs)

    def clean(self):
        if self.kind == self.Kind.JUDGEMENT and not self.scale_max:
            raise ValidationError({"scale_max": "评判项必须设置分制上限"})


class Entry(models.Model):
    """A contestant in an event, known by an anonymised code (drawn by lot) until publication."""

    event = models.ForeignKey(Event, verbose_name="项目", on_delete=models.CASCADE, related_name="entries")
    contestant = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="选手", on_delete=models.PROTECT,
                                   related_name="contest_entries")
    org_unit = models.ForeignKey(OrgUnit, verbose_name="选手所在单位", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="contest_entries")
    code = models.CharField("加密号", max_length=16, blank=True, default="")
    drawn_at = models.DateTimeField("抽签时间", null=True, blank=True)
    # --- teams, rounds, sign-up (issue 17) ---------------------------------------------------------------
    team_name = models.CharField("队名", max_length=100, blank=True, default="",
                                 help_text="团体赛：一支队伍一个加密号，成员见“队员”；选手字段为队长")
    team_members = models.CharField("队员名单（显示用）", max_length=300, blank=True, default="",
                                    help_text="组队时写入（队员姓名，顿号分隔），榜单与成绩据此显示队伍成员")
    workstation = models.CharField("工位号", max_length=16, blank=True, default="")
    carried_from = models.ForeignKey("self", verbose_name="上一轮的参赛记录", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    carried_total = models.DecimalField("带入的上一轮总分", max_digits=7, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = "参赛选手"
        verbose_name_plural = "参赛选手"
        ordering = ["event_id", "code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "contestant"], name="entry_unique_contestant"),
            models.UniqueConstraint(fields=["event", "code"], condition=~models.Q(code=""),
                                    name="entry_unique_code"),
        ]

    def __str__(self) -> str:
        return self.code or f"#{self.pk}"

    def save(self, *args, **kwargs):
        if self._state.adding:  # drawing a code later is no change of who competes
            refuse_if_frozen(_event_state(pk=self.event_id), "参赛选手名单")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        refuse_if_frozen(_event_state(pk=self.event_id), "参赛选手名单")
        return super().delete(*args, **kwargs)


class PanelMember(models.Model):
    event = models.ForeignKey(Event, verbose_name="项目", on_delete=models.CASCADE, related_name="panel")
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="裁判", on_delete=models.PROTECT,
                              related_name="panels")
    is_chief = models.BooleanField("裁判长", default=False)
    # How the judge got the seat (issue 15): drawn from the expert roster, or picked by the organiser with
    # a reason; "" for seats set before the roster existed (and in the admin).
    source = models.CharField("来源", max_length=8, blank=True, default="",
                              choices=[("drawn", "专家库抽取"), ("picked", "主办方指定")])
    reason = models.CharField("指定理由", max_length=200, blank=True, default="")
    draw = models.ForeignKey("experts.Draw", verbose_name="抽取记录", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "裁判组成员"
        verbose_name_plural = "裁判组成员"
        ordering = ["event_id", "-is_chief", "id"]
        constraints = [models.UniqueConstraint(fields=["event", "judge"], name="panel_unique_judge")]

    def __str__(self) -> str:
        return f"{self.event} · {self.judge}"

    def save(self, *args, **kwargs):
        stored = None if self._state.adding else PanelMember.objects.filter(pk=self.pk).values_list(
            "event_id", "judge_id", "is_chief").first()
        if stored != (self.event_id, self.judge_id, self.is_chief):  # a no-op save (a demo reload) is no change
            refuse_if_frozen(_event_state(pk=self.event_id), "裁判组")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        refuse_if_frozen(_event_state(pk=self.event_id), "裁判组")
        return super().delete(*args, **kwargs)


class ModerationRequest(models.Model):
    """A re-mark of one aspect of one entry, asked by the chief judge (moderation) or after an upheld
    appeal. Listed judges may add marks for it even after their sheet is final or the event is locked."""

    class Source(models.TextChoices):
        MODERATION = "moderation", "仲裁复核"
        APPEAL = "appeal", "申诉复评"

    class Status(models.TextChoices):
        OPEN = "open", "待复评"
        RESOLVED = "resolved", "已完成"
        CANCELLED = "cancelled", "已撤销"

    event = models.ForeignKey(Event, verbose_name="项目", on_delete=models.CASCADE, related_name="moderation_requests")
    entry = models.ForeignKey(Entry, verbose_name="选手", on_delete=models.CASCADE, related_name="moderation_requests")
    aspect = models.ForeignKey(Aspect, verbose_name="评分项", on_delete=models.CASCADE,
                               related_name="moderation_requests")
    judges = models.JSONField("需复评的裁判 ID", default=list)
    source = models.CharField("来源", max_length=16, choices=Source.choices, default=Source.MODERATION)
    appeal = models.ForeignKey("Appeal", verbose_name="申诉", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="remark_requests")
    reason = models.TextField("原因")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.OPEN)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", on_delete=models.PROTECT,
                                     related_name="+")
    created_at = models.DateTimeField("发起时间", auto_now_add=True)
    resolved_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "复评请求"
        verbose_name_plural = "复评请求"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["event", "status"])]

    def __str__(self) -> str:
        return f"{self.entry} · {self.aspect}"


class Mark(AppendOnlyModel):
    """One mark as entered; never edited. The latest revision per (judge, entry, aspect) counts for
    judgement aspects, the latest mark by any judge for measurement aspects."""

    class Source(models.TextChoices):
        JUDGE = "judge", "裁判评分"
        OVERRIDE = "override", "裁判长更正"
        REMARK = "remark", "复评"

    event = models.ForeignKey(Event, verbose_name="项目", on_delete=models.PROTECT, related_name="marks")
    entry = models.ForeignKey(Entry, verbose_name="选手", on_delete=models.PROTECT, related_name="marks")
    aspect = models.ForeignKey(Aspect, verbose_name="评分项", on_delete=models.PROTECT, related_name="marks")
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="裁判", on_delete=models.PROTECT,
                              related_name="marks")
    value = models.DecimalField("分值", max_digits=7, decimal_places=2)
    revision = models.PositiveIntegerField("修订号", default=1)
    client_id = models.CharField("客户端编号", max_length=100)
    source = models.CharField("来源", max_length=16, choices=Source.choices, default=Source.JUDGE)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT,
                              related_name="+")
    reason = models.TextField("原因", blank=True)
    request = models.ForeignKey(ModerationRequest, verbose_name="复评请求", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="marks")
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "评分记录"
        verbose_name_plural = "评分记录"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["judge", "client_id"], name="mark_unique_client_id"),
            models.UniqueConstraint(fields=["judge", "entry", "aspect", "revision"], name="mark_unique_revision"),
        ]
        indexes = [models.Index(fields=["event", "id"]), models.Index(fields=["entry", "aspect"])]

    def __str__(self) -> str:
        return f"{self.entry} · {self.aspect} · {self.value}"


class SheetSubmission(AppendOnlyModel):
    """A judge's sheet for one entry is final: later changes only by the chief judge, with a reason."""

    entry = models.ForeignKey(Entry, verbose_name="选手", on_delete=models.PROTECT, related_name="submissions")
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="裁判", on_delete=models.PROTECT,
                              related_name="sheet_submissions")
    submitted_at = models.DateTimeField("提交时间", auto_now_add=True)

    class Meta:
        verbose_name = "评分表提交"
        verbose_name_plural = "评分表提交"
        ordering = ["-submitted_at"]
        constraints = [models.UniqueConstraint(fields=["entry", "judge"], name="sheet_unique_judge")]

    def __str__(self) -> str:
        return f"{self.entry} · {self.judge}"


class Appeal(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "待裁决"
        UPHELD = "upheld", "申诉成立"
        REJECTED = "rejected", "申诉驳回"

    entry = models.ForeignKey(Entry, verbose_name="选手", on_delete=models.PROTECT, related_name="appeals")
    aspect = models.ForeignKey(Aspect, verbose_name="评分项", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="appeals")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申诉人", on_delete=models.PROTECT,
                                 related_name="contest_appeals")
    client_id = models.CharField("客户端编号", max_length=100, blank=True)
    reason = models.TextField("申诉理由")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="裁决人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decision_reason = models.TextField("裁决理由", blank=True)
    decided_at = models.DateTimeField("裁决时间", null=True, blank=True)
    created_at = models.DateTimeField("提交时间", auto_now_add=True)

    class Meta:
        verbose_name = "申诉"
        verbose_name_plural = "申诉"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.entry} · {self.get_status_display()}"


class AuditLog(AppendOnlyModel):
    """Every override, moderation, lock/unlock/publish, appeal and decision, in order. Append-only."""

    class Action(models.TextChoices):
        OPEN = "open", "开始评分"
        DRAW = "draw", "抽签"
        OVERRIDE = "override", "裁判长更正分数"
        MODERATION = "moderation", "发起复评"
        REMARK_DONE = "remark_done", "复评完成"
        SUBMIT = "submit", "提交评分表"
        LOCK = "lock", "锁定"
        UNLOCK = "unlock", "解锁"
        PUBLISH = "publish", "公布成绩"
        APPEAL_FILED = "appeal_filed", "提出申诉"
        APPEAL_DECIDED = "appeal_decided", "申诉裁决"
        SCHEME_CHANGE = "scheme_change", "修改评分方案"
        REPUBLISH = "republish", "更正后重新公布成绩"
        RECHECK_DRAW = "recheck_draw", "抽取复核名单"
        RECHECK_CONFIRM = "recheck_confirm", "复核确认"
        SIGNUP_DECIDED = "signup_decided", "报名审核"  # issue 17: sign-up, lots, rounds, theory
        LOT_DRAW = "lot_draw", "抽签（加密号与工位号）"
        ADVANCE = "advance", "晋级"
        THEORY_SCORES = "theory_scores", "导入理论考试成绩"
        TIMING_START = "timing_start", "开始计时"  # H5: practical timing
        TIMING_STOP = "timing_stop", "停止计时"

    contest = models.ForeignKey(Contest, verbose_name="比武", on_delete=models.PROTECT, related_name="audit_log")
    event = models.ForeignKey(Event, verbose_name="项目", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="audit_log")
    action = models.CharField("操作", max_length=32, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT,
                              related_name="+")
    entry = models.ForeignKey(Entry, verbose_name="选手", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    aspect = models.ForeignKey(Aspect, verbose_name="评分项", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    reason = models.TextField("原因", blank=True)
    data = models.JSONField("详情", default=dict, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "操作日志"
        verbose_name_plural = "操作日志"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.actor}"


class PublishedResult(AppendOnlyModel):
    """One published version of an event's results: version 1 at publication, a new version whenever
    an appeal's re-mark (or any change after publication) moves a rank or a total. Never edited: the
    versions are the history, `changes` says what moved since the previous one."""

    event = models.ForeignKey(Event, verbose_name="项目", on_delete=models.PROTECT, related_name="published_results")
    version = models.PositiveIntegerField("版本")
    rows = models.JSONField("成绩", help_text="[{entry_id, code, rank, total, sections}]")
    changes = models.JSONField("与上一版相比的变化", default=list, blank=True)
    reason = models.TextField("原因", blank=True)
    appeal = models.ForeignKey(Appeal, verbose_name="申诉", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="公布人", on_delete=models.PROTECT,
                                     related_name="+")
    published_at = models.DateTimeField("公布时间", auto_now_add=True)

    class Meta:
        verbose_name = "成绩公布版本"
        verbose_name_plural = "成绩公布版本"
        ordering = ["event_id", "version"]
        constraints = [models.UniqueConstraint(fields=["event", "version"], name="published_result_unique_version")]

    def __str__(self) -> str:
        return f"{self.event} · 第 {self.version} 版"


class ContestBoard(models.Model):
    """The contest's live board: its seq and the rows as of that seq (jury view and public view).

    Every write that moves the board locks this row first (`select_for_update`), recomputes the
    affected event once, stores the result and the update message here and in `BoardUpdate`, and the
    news is sent after commit. Readers (a spectator connecting) read this one row."""

    contest = models.OneToOneField(Contest, verbose_name="比武", on_delete=models.CASCADE, primary_key=True,
                                   related_name="board")
    seq = models.BigIntegerField("序号", default=0)
    state = models.JSONField("榜单", default=dict)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "实时榜单"
        verbose_name_plural = "实时榜单"

    def __str__(self) -> str:
        return f"{self.contest} · #{self.seq}"


class BoardUpdate(models.Model):
    """The update messages of recent seqs, exactly as sent, so a client that missed some can resync."""

    contest = models.ForeignKey(Contest, verbose_name="比武", on_delete=models.CASCADE, related_name="board_updates")
    seq = models.BigIntegerField("序号")
    public_text = models.TextField("公开榜消息")
    jury_text = models.TextField("评审榜消息")
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "榜单更新"
        verbose_name_plural = "榜单更新"
        ordering = ["contest_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["contest", "seq"], name="board_update_unique_seq")]

    def __str__(self) -> str:
        return f"{self.contest_id} · #{self.seq}"


# --- recheck before publication (复核; docs/SCORING.md "Recheck before publication", ADR 0072) -------------
class RecheckDraw(AppendOnlyModel):
    """The recheck list of one lock of an event: every entry ranked in the top `top_n`, plus at least
    `share` of the others, drawn by sha256(seed + ":" + code) ascending (as the expert roster draws).
    One per lock: unlocking voids it (the figures may change), the next lock needs a new draw."""

    ALGORITHM = "sha256-v1"

    event = models.ForeignKey(Event, verbose_name="项目", on_delete=models.PROTECT, related_name="recheck_draws")
    locked_at = models.DateTimeField("所属锁定时间")
    seed = models.CharField("随机种子", max_length=64)
    algorithm = models.CharField("抽取算法", max_length=16, default=ALGORITHM)
    top_n = models.PositiveIntegerField("全部复核的前几名", default=10)
    share = models.DecimalField("其余选手抽取比例", max_digits=4, decimal_places=2, default=Decimal("0.15"))
    candidates = models.JSONField("锁定时的名次", help_text="[{entry_id, code, rank, total}]")
    drawn = models.JSONField("复核名单", help_text="[{entry_id, code, rank, total, why: top|sampled}]")
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="抽取人", on_delete=models.PROTECT,
                                 related_name="+")
    created_at = models.DateTimeField("抽取时间", auto_now_add=True)

    class Meta:
        verbose_name = "复核抽取"
        verbose_name_plural = "复核抽取"
        ordering = ["event_id", "id"]
        constraints = [models.UniqueConstraint(fields=["event", "locked_at"], name="recheck_draw_one_per_lock")]

    def __str__(self) -> str:
        return f"{self.event} · 复核 {len(self.drawn)} 人"


class RecheckConfirmation(AppendOnlyModel):
    """A second official confirms one drawn entry's result (not the chief judge who locked or drew)."""

    draw = models.ForeignKey(RecheckDraw, verbose_name="复核抽取", on_delete=models.PROTECT,
                             related_name="confirmations")
    entry = models.ForeignKey(Entry, verbose_name="选手", on_delete=models.PROTECT, related_name="+")
    total = models.CharField("确认的总分", max_length=16)
    note = models.CharField("说明", max_length=200, blank=True, default="")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="确认人", on_delete=models.PROTECT,
                                     related_name="+")
    confirmed_at = models.DateTimeField("确认时间", auto_now_add=True)

    class Meta:
        verbose_name = "复核确认"
        verbose_name_plural = "复核确认"
        ordering = ["draw_id", "id"]
        constraints = [models.UniqueConstraint(fields=["draw", "entry"], name="recheck_confirm_once")]

    def __str__(self) -> str:
        return f"{self.entry} · {self.confirmed_by}"


# --- teams, sign-up and the lot draw (issue 17; docs/SCORING.md "Teams" and "Sign-up") ------------------------
class EntryMember(models.Model):
    """A member of a team entry. `event` is copied from the entry so that the database itself keeps a person
    in one team per event."""

    event = models.ForeignKey(Event, verbose_name="项目", on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(Entry, verbose_name="队伍", on_delete=models.CASCADE, related_name="members")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="队员", on_delete=models.PROTECT,
                               related_name="contest_teams")
    org_unit = models.ForeignKey(OrgUnit, verbose_name="队员所在单位", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    is_captain = models.BooleanField("队长", default=False)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "队员"
        verbose_name_plural = "队员"
        ordering = ["entry_id", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["event", "member"], name="entry_member_one_team_per_event")]

    def __str__(self) -> str:
        return f"{self.entry} · {self.member}"

    def save(self, *args, **kwargs):
        if self._state.adding:
            refuse_if_frozen(_event_state(pk=self.event_id), "参赛选手名单")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        refuse_if_frozen(_event_state(pk=self.event_id), "参赛选手名单")
        return super().delete(*args, **kwargs)


class SignUp(models.Model):
    """报名: a contestant (a team's captain, with the members) applies to an event; the organiser approves or
    rejects with a reason; the lot draw turns the approved ones into entries."""

    class Status(models.TextChoices):
        PENDING = "pending", "待审核"
        APPROVED = "approved", "已通过"
        REJECTED = "rejected", "未通过"

    ACTIVE = ("pending", "approved")

    event = models.ForeignKey(Event, verbose_name="项目", on_delete=models.CASCADE, related_name="signups")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="报名人（团体赛为队长）",
                                  on_delete=models.PROTECT, related_name="contest_signups")
    org_unit = models.ForeignKey(OrgUnit, verbose_name="所在单位", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", help_text="名额按此单位计")
    team_name = models.CharField("队名", max_length=100, blank=True, default="")
    members = models.JSONField("队员 ID（含队长，按顺序）", default=list, blank=True)
    skill_level = models.CharField("申报技能等级", max_length=8, blank=True, default="")
    certificate_no = models.CharField("技能等级证书编号", max_length=64, blank=True, default="")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decision_reason = models.TextField("审核意见", blank=True)
    entry = models.OneToOneField(Entry, verbose_name="参赛记录", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="signup")
    created_at = models.DateTimeField("报名时间", auto_now_add=True)

    class Meta:
        verbose_name = "报名"
        verbose_name_plural = "报名"
        ordering = ["event_id", "id"]
        constraints = [models.UniqueConstraint(fields=["event", "applicant"], condition=models.Q(
            status__in=["pending", "approved"]), name="signup_one_active_per_person")]

    def __str__(self) -> str:
        return f"{self.event} · {self.applicant}"


class LotDraw(AppendOnlyModel):
    """The recorded lot draw of an event (once: the event is the primary key): the seed, and per approved
    sign-up the code and the workstation it drew. Order: sha256(f"{seed}:{signup_id}") ascending for the
    codes, sha256(f"{seed}:ws:{signup_id}") ascending for the workstations (docs/adr/0078)."""

    ALGORITHM = "sha256-v1"

    event = models.OneToOneField(Event, verbose_name="项目", on_delete=models.PROTECT, primary_key=True,
                                 related_name="lot_draw")
    seed = models.CharField("随机种子", max_length=64)
    algorithm = models.CharField("算法", max_length=16, default=ALGORITHM)
    rows = models.JSONField("抽签结果", help_text="[{signup_id, entry_id, code, workstation}]")
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="抽签人", on_delete=models.PROTECT,
                                 related_name="+")
    drawn_at = models.DateTimeField("抽签时间", auto_now_add=True)

    class Meta:
        verbose_name = "抽签记录"
        verbose_name_plural = "抽签记录"

    def __str__(self) -> str:
        return f"{self.event} · {self.seed}"


# --- practical timing, awards and award certificates (H5; competitions/timing.py, awards.py) -------------------
class Timekeeper(models.Model):
    """A 计时员 of an event: starts and stops the entries' tasks (so does the chief judge)."""

    event = models.ForeignKey(Event, verbose_name="项目", on_delete=models.CASCADE, related_name="timekeepers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="计时员", on_delete=models.PROTECT,
                             related_name="timekeeping")

    class Meta:
        verbose_name = "计时员"
        verbose_name_plural = "计时员"
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="timekeeper_unique_user")]

    def __str__(self) -> str:
        return f"{self.event} · {self.user}"


class TimingRecord(AppendOnlyModel):
    """The start or the stop of an entry's practical task, as recorded; never edited, once each."""

    class Kind(models.TextChoices):
        START = "start", "开始"
        STOP = "stop", "停止"

    entry = models.ForeignKey(Entry, verbose_name="选手", on_delete=models.PROTECT, related_name="timing")
    kind = models.CharField("类型", max_length=8, choices=Kind.choices)
    at = models.DateTimeField("时间")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="计时人", on_delete=models.PROTECT,
                              related_name="+")
    client_id = models.CharField("客户端编号", max_length=100)
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "计时记录"
        verbose_name_plural = "计时记录"
        ordering = ["entry_id", "at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "kind"], name="timing_once_per_kind"),
            models.UniqueConstraint(fields=["actor", "client_id"], name="timing_unique_client_id"),
        ]

    def __str__(self) -> str:
        return f"{self.entry} · {self.get_kind_display()}"


class Award(AppendOnlyModel):
    """An entry's prize in one published version of the event's results (computed at publication and at
    every republication: the versions are the history)."""

    event = models.ForeignKey(Event, verbose_name="项目", on_delete=models.PROTECT, related_name="awards")
    result = models.ForeignKey(PublishedResult, verbose_name="成绩版本", on_delete=models.PROTECT,
                               related_name="awards")
    entry = models.ForeignKey(Entry, verbose_name="选手", on_delete=models.PROTECT, related_name="awards")
    tier = models.CharField("奖项", max_length=20)
    tier_order = models.PositiveSmallIntegerField("档次")
    rank = models.PositiveIntegerField("名次")
    total = models.DecimalField("总分", max_digits=7, decimal_places=2)

    class Meta:
        verbose_name = "获奖"
        verbose_name_plural = "获奖"
        ordering = ["result_id", "tier_order", "rank", "id"]
        constraints = [models.UniqueConstraint(fields=["result", "entry"], name="award_unique_entry")]

    def __str__(self) -> str:
        return f"{self.entry} · {self.tier}"


class AwardCertificate(models.Model):
    """获奖证书: one per award of a winner, with an unguessable code (credentials.codes), a verifiable
    credential, and a revocation when a republication changes the award (then a new one is issued)."""

    code = models.CharField("验证码", max_length=16, unique=True)
    award = models.OneToOneField(Award, verbose_name="获奖", on_delete=models.PROTECT, related_name="certificate")
    entry = models.ForeignKey(Entry, verbose_name="选手", on_delete=models.PROTECT, related_name="award_certificates")
    contestant_name = models.CharField("姓名", max_length=100)
    unit_name = models.CharField("单位", max_length=200, blank=True)
    contest_name = models.CharField("比武", max_length=200)
    event_name = models.CharField("项目", max_length=200)
    tier = models.CharField("奖项", max_length=20)
    issued_at = models.DateTimeField("发证时间")
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_reason = models.TextField("撤销原因", blank=True)

    class Meta:
        verbose_name = "获奖证书"
        verbose_name_plural = "获奖证书"
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"{self.contestant_name} · {self.tier}"
