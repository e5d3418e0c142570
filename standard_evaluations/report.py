"""The evaluation report as an xlsx workbook (评价报告): exactly the figures of `selectors.campaign_report`
(one dict for the JSON answer and the file), one sheet per part: summary and scores by dimension, every
indicator, strengths, problems, improvement actions, the previous evaluation's actions with their
re-check, the panel and its recorded draws."""

from __future__ import annotations

import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

SOURCES = {"drawn": "专家库抽取", "picked": "指定"}
STATES = {"open": "评审中", "closed": "已结束"}
ACTION_STATES = {"open": "待整改", "submitted": "已提交整改材料", "closed": "已销号"}
RECHECKS = {"pending": "待复查", "passed": "复查通过", "failed": "复查未通过"}
SEAT_STATES = {"standby": "备选待命", "invited": "待确认", "confirmed": "已确认", "declined": "已谢绝"}


def _sheet(book: Workbook, title: str, header: list[str], rows: list[list], widths: list[int] | None = None):
    sheet = book.create_sheet(title)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for index, width in enumerate(widths or [16] * len(header), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    return sheet


def _num(value):
    return float(value) if value is not None else None


def report_xlsx(report: dict) -> bytes:
    book = Workbook()
    summary = book.active
    summary.title = "评价概况"
    progress = report["progress"]
    lines = [
        ("评价名称", report["title"]),
        ("被评价标准", f"{report['standard']['code']} {report['standard']['title']}"),
        ("被评价单位", report["unit"]["name"]),
        ("指标体系", f"{report['system']['name']} v{report['system']['version']}"),
        ("数据区间", f"{report['date_from']} 至 {report['date_to']}"),
        ("状态", STATES.get(report["state"], report["state"])),
        ("结束时间", timezone.localtime(report["closed_at"]).strftime("%Y-%m-%d %H:%M") if report["closed_at"] else ""),
        ("提前结束原因", report["close_reason"]),
        ("评审专家", report["panel_size"]),
        ("评审进度", f"{progress['reviewed']} / {progress['indicators']} 项指标"),
        ("总分", _num(report["score"])),
        ("整改阈值（%）", _num(report["threshold"])),
    ]
    for label, value in lines:
        summary.append([label, value])
        summary.cell(row=summary.max_row, column=1).font = Font(bold=True)
    summary.append([])
    summary.append(["维度", "权重（%）", "得分"])
    for cell in summary[summary.max_row]:
        cell.font = Font(bold=True)
    for dimension in report["dimensions"]:
        summary.append([f"{dimension['code']} {dimension['name']}", _num(dimension["weight"]), _num(dimension["score"])])
    summary.column_dimensions["A"].width = 22
    summary.column_dimensions["B"].width = 48
    _sheet(book, "指标得分", ["维度", "编号", "指标", "权重（%）", "评分专家数", "已评完", "得分", "得分率（%）"],
           [[d["name"], i["code"], i["name"], _num(i["weight"]), i["experts_scored"], "是" if i["reviewed"] else "否",
             _num(i["score"]), _num(i["percent"])] for d in report["dimensions"] for i in d["indicators"]],
           [16, 8, 30, 10, 10, 8, 10, 12])
    _sheet(book, "优势", ["编号", "指标", "得分率（%）"],
           [[i["code"], i["name"], _num(i["percent"])] for i in report["strengths"]], [8, 30, 12])
    _sheet(book, "问题", ["编号", "指标", "得分率（%）", "阈值（%）"],
           [[i["code"], i["name"], _num(i["percent"]), _num(report["threshold"])] for i in report["problems"]],
           [8, 30, 12, 10])
    _sheet(book, "整改事项", ["编号", "指标", "得分", "阈值", "责任人", "整改期限", "状态"],
           [[a["id"], a["item_label"], _num(a["score"]), _num(a["threshold"]), a["owner"] or "",
             a["due_date"].isoformat(), ACTION_STATES.get(a["state"], a["state"])] for a in report["actions"]],
           [8, 30, 10, 10, 12, 12, 14])
    _sheet(book, "上轮整改复查", ["编号", "来源评价", "指标", "得分", "阈值", "责任人", "整改状态", "复查", "复查得分",
                            "复查评价"],
           [[a["id"], a["campaign_title"], a["item_label"], _num(a["score"]), _num(a["threshold"]), a["owner"] or "",
             ACTION_STATES.get(a["state"], a["state"]), RECHECKS.get(a["recheck"], a["recheck"]),
             _num(a["recheck_score"]), a["recheck_campaign_id"] or ""] for a in report["previous_actions"]],
           [8, 30, 30, 10, 10, 12, 14, 12, 10, 10])
    _sheet(book, "评审专家", ["专家", "来源", "抽取记录"],
           [[m["name"], SOURCES.get(m["source"], m["source"]), m["draw_id"] or ""] for m in report["panel"]],
           [16, 14, 10])
    _sheet(book, "抽取记录", ["抽取记录", "随机种子", "候选人数", "顺序", "专家编号", "专家", "备选", "状态"],
           [[d["draw_id"], d["seed"], d["candidates"], s["position"], s["expert_code"], s["expert_name"],
             "是" if s["is_backup"] else "否", SEAT_STATES.get(s["status"], s["status"])]
            for d in report["draws"] for s in [*d["members"], *d["backups"]]],
           [10, 36, 10, 6, 12, 12, 6, 10])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
