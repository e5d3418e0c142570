"""Everything Shixun holds about one person, as a zip of JSON plus an xlsx (PIPL art. 45).

`SECTIONS` names every model that references the user model and the section it is exported in;
`EXCLUDED` names the ones left out and why. `tests/trust/test_data_export.py` walks `apps.get_models()`
and fails when a model that references users is in neither, so a new table cannot be forgotten.
Secrets never leave: token hashes and WeChat session keys (`SECRET_FIELDS`) are dropped. Nor does what
belongs to somebody else in a row the person only acted on (`OTHERS_ROWS`: a request they reviewed).
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.db.models.fields.files import FieldFile
from django.utils import timezone

# model label → section name in the export (rows where any of the model's user fields is the person)
SECTIONS: dict[str, str] = {
    "accounts.WechatIdentity": "微信身份",
    "accounts.RoleGrant": "角色授权",
    "accounts.ApiToken": "登录令牌（不含令牌本身）",
    "admin.LogEntry": "后台操作记录",
    "media.Photo": "上传的照片",
    "notifications.Notification": "站内消息",
    "notifications.OutboxMessage": "微信订阅消息",
    "standards.ProcedureVersion": "编写或发布的规程版本",
    "standards.QRCode": "生成或作废的二维码",
    "practice.ScanLog": "扫码记录",
    "practice.ProcedureRun": "实操记录",
    "practice.StepRecord": "步骤记录",
    "practice.RunReview": "实操审核",
    "workorders.WorkOrder": "工单",
    "workorders.WorkOrderEvent": "工单历史",
    "training.LessonMedia": "上传的课件",
    "training.Course": "创建的课程",
    "training.Assignment": "课程指派",
    "training.Enrolment": "选课",
    "training.ProgressItem": "学习进度",
    "training.LessonProgress": "课时学习记录",
    "training.Attempt": "考试记录",
    "competitions.Entry": "参赛报名",
    "competitions.PanelMember": "评委任命",
    "competitions.ModerationRequest": "复核申请",
    "competitions.Mark": "评分（作为评委）",
    "competitions.SheetSubmission": "评分表提交",
    "competitions.Appeal": "申诉",
    "competitions.AuditLog": "比武操作日志",
    "competitions.PublishedResult": "发布的比赛结果",
    "competitions.RecheckDraw": "抽取的复核名单（作为裁判长）",
    "competitions.RecheckConfirmation": "复核确认（作为第二名工作人员）",
    "competitions.Timekeeper": "计时员任命",
    "competitions.TimingRecord": "实操计时记录（作为计时员）",
    "competitions.SignUp": "比武报名（本人报名或审核）",  # main lacked these three (teams/sign-up merge)
    "competitions.EntryMember": "团体赛队员",
    "competitions.LotDraw": "主持的抽签（加密号与工位号）",
    "experts.Expert": "专家库档案",
    "experts.Application": "专家入库申请（本人申请或审核）",
    "experts.Draw": "发起的专家抽取",
    "evaluations.Campaign": "组织的评价活动",
    "evaluations.Completion": "问卷填写记录（匿名问卷的答卷与本人无关联，不在其中）",
    "evaluations.Response": "实名问卷的答卷",
    "evaluations.ImprovementAction": "负责的整改",
    "evaluations.ActionEvent": "整改中的本人操作",
    "standard_evaluations.IndicatorSystem": "编写的评价指标体系",
    "standard_evaluations.Campaign": "组织的标准实施评价",
    "standard_evaluations.PanelExpert": "参加的标准实施评价（评审专家）",
    "standard_evaluations.IndicatorScore": "标准实施评价中的本人评分",
    "apprenticeships.Agreement": "师徒协议",
    "apprenticeships.Rating": "能力评定",
    "apprenticeships.Countersign": "会签",
    "apprenticeships.Evidence": "带教证据",
    "apprenticeships.EvidenceSignature": "证据签字",
    "apprenticeships.Review": "阶段考核",
    "apprenticeships.ReviewSignature": "考核签字",
    "apprenticeships.Certificate": "签发的证书",
    "privacy.PrivacyAcceptance": "隐私指引同意记录",
    "privacy.DataExport": "个人信息导出记录",
    "privacy.DeletionRequest": "删除申请",
    "audit.AccessLogEntry": "访问日志（本人的操作）",
}

# model label → why it is not in the export
EXCLUDED: dict[str, str] = {
    "accounts.BindingCode": "一次性账号绑定码（只存摘要），首次微信登录即失效，不含个人信息",
    "experts.Avoidance": "他人专家档案中的回避对象（指向本人）：属于该专家的档案，本人的回避关系不以他人档案导出",
    "miniprogram_api.IdempotencyRecord": "接口重试用的应答副本（内容已在其他部分导出），按保存期限设置（默认 3 天）自动清除",
}

# Related rows reached through another table (not by a user field of their own).
INDIRECT: dict[str, tuple[str, str]] = {
    # section name → (model label, lookup from that model to the user)
    "评分（作为选手）": ("competitions.Mark", "entry__contestant"),
    "证书（作为学徒）": ("apprenticeships.Certificate", "agreement__apprentice"),
    "实操计时（作为选手）": ("competitions.TimingRecord", "entry__contestant"),
    "获奖（作为选手）": ("competitions.Award", "entry__contestant"),
    "获奖证书（作为选手）": ("competitions.AwardCertificate", "entry__contestant"),
}

# Rows about somebody else that hold the person only as the one who acted on them (a reviewer): model label →
# (the field naming whose row it is, the only fields exported when that is not the person). What the other
# person wrote or is (a deletion reason, their pseudonym, an applicant's phone and CV) stays theirs.
OTHERS_ROWS: dict[str, tuple[str, set[str]]] = {
    "privacy.DeletionRequest": ("user", {"id", "status", "requested_at", "decided_by", "decided_at",
                                         "decision_note"}),
    "experts.Application": ("applicant", {"id", "status", "reviewed_by", "reviewed_at", "reason", "created_at"}),
}

SECRET_FIELDS: dict[str, set[str]] = {
    "accounts.ApiToken": {"key_hash"},
}


def user_fields(model: type[models.Model]) -> list[str]:
    """Names of `model`'s fields that point at the user model (FK, one-to-one, many-to-many)."""
    user_model = get_user_model()
    return [f.name for f in model._meta.get_fields()
            if f.concrete and (f.many_to_one or f.one_to_one or f.many_to_many) and f.related_model is user_model]


def models_referencing_users() -> set[str]:
    return {m._meta.label for m in apps.get_models() if user_fields(m)}


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, (bytes, memoryview)):
        return None
    return value


def _row(obj: models.Model, label: str, user: Any = None) -> dict:
    secret = SECRET_FIELDS.get(label, set())
    kept: set[str] | None = None
    if label in OTHERS_ROWS and user is not None:
        owner_field, others = OTHERS_ROWS[label]
        if getattr(obj, f"{owner_field}_id") != user.pk:
            kept = others
    row: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in secret or (kept is not None and field.name not in kept):
            continue
        key = field.attname
        row[field.name if not field.is_relation else key] = _value(getattr(obj, key))
    return row


def _rows(label: str, q: Q, user: Any = None) -> list[dict]:
    model = apps.get_model(label)
    queryset = model._default_manager.filter(q).distinct().order_by("pk")
    return [_row(obj, label, user) for obj in queryset.iterator(chunk_size=500)]


def _q(model: type[models.Model], user: Any) -> Q:
    q = Q()
    for name in user_fields(model):
        q |= Q(**{name: user})
    return q


def count_rows(user: Any) -> int:
    total = 0
    for label in SECTIONS:
        model = apps.get_model(label)
        total += model._default_manager.filter(_q(model, user)).count()
    return total


def collect(user: Any) -> dict:
    """{"profile": …, "sections": {name: [rows]}} for `user`."""
    from privacy.selectors import profile

    sections: dict[str, list[dict]] = {}
    for label, name in SECTIONS.items():
        model = apps.get_model(label)
        sections[name] = _rows(label, _q(model, user), user)
    for name, (label, lookup) in INDIRECT.items():
        sections[name] = _rows(label, Q(**{lookup: user}))
    return {"exported_at": timezone.localtime().isoformat(), "profile": profile(user),
            "sections": sections, "excluded": EXCLUDED}


def workbook(data: dict) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "个人资料"
    for key, value in data["profile"].items():
        sheet.append([key, json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else value])
    used: set[str] = {sheet.title}
    for name, rows in data["sections"].items():
        title = name[:31]
        for bad in "[]:*?/\\":
            title = title.replace(bad, "_")
        while title in used:
            title = title[:29] + f"_{len(used)}"
        used.add(title)
        ws = book.create_sheet(title)
        header = sorted({key for row in rows for key in row})
        ws.append(header or ["（无记录）"])
        for row in rows:
            ws.append([json.dumps(row.get(k), ensure_ascii=False) if isinstance(row.get(k), (list, dict))
                       else row.get(k) for k in header])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


README = """\
这是“实训”保存的关于您的全部个人信息（依据《个人信息保护法》第四十五条）。
data.json：完整数据（机器可读）；data.xlsx：同样内容，每类一张工作表。
时间为北京时间。登录令牌与微信会话密钥属于安全凭据，不在导出范围内；excluded 列出未导出的数据及原因。
"""


def build_zip(user: Any) -> bytes:
    data = collect(user)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=1, default=str))
        archive.writestr("data.xlsx", workbook(data))
        archive.writestr("README.txt", README)
    return out.getvalue()
