"""Spreadsheets of training: the leader's learning view and the setter's item analysis, from the same dicts
the JSON answers are made of (same rows, same order, same figures)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KIND_LABELS = {"single": "单选", "multiple": "多选", "true_false": "判断", "fill": "填空"}
DIFFICULTY_LABELS = {"easy": "易", "medium": "中", "hard": "难"}


def _sheet(book: Workbook, title: str, heading: str, header: list[str], widths: list[int], rows: list[list], *,
           first: bool = False):
    sheet = book.active if first else book.create_sheet()
    sheet.title = title
    sheet.append([heading])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    sheet.append(header)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in rows:
        sheet.append(row)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = sheet.cell(header_row + 1, 2)
    return sheet


def _save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def learning_workbook(data: dict) -> bytes:
    book = Workbook()
    today = f"{data['today']:%Y-%m-%d}"
    totals = data["totals"]
    heading = (f"{data['studio']['name']} 学习情况（{today}）：{data['people']} 人，指派 {totals['assigned']}，"
               f"结业 {totals['completed']}，逾期 {totals['overdue']}")
    _sheet(book, "人员", heading, ["姓名", "选课", "指派", "结业", "逾期", "学时", "考试次数", "通过考试", "通过率%"],
           [12, 8, 8, 8, 8, 8, 10, 10, 10],
           [[r["user"]["name"], r["enrolled"], r["assigned"], r["completed"], r["overdue"], r["hours"],
             r["exam_attempts"], r["exams_passed"], r["pass_rate"]] for r in data["rows"]], first=True)
    _sheet(book, "课程", f"{data['studio']['name']} 各课程完成情况（{today}）",
           ["课程", "选课", "指派", "结业", "逾期", "结业率%"], [30, 8, 8, 8, 8, 10],
           [[c["title"], c["enrolled"], c["assigned"], c["completed"], c["overdue"], c["completion_pct"]]
            for c in data["courses"]])
    return _save(book)


def analysis_workbook(data: dict) -> bytes:
    book = Workbook()
    exam = data["exam"]
    heading = (f"{exam.title} 试题分析：{data['attempts']} 份答卷，{data['candidates']} 人，平均分 {data['mean']}，"
               f"中位数 {data['median']}，及格率 {data['pass_rate']}%（高低分组各 {data['group_size']} 份）")
    _sheet(book, "试题分析", heading, ["题号", "题型", "设定难度", "题干", "作答次数", "难度系数（得分率）", "区分度"],
           [10, 8, 10, 50, 10, 16, 10],
           [[i["code"], KIND_LABELS.get(i["kind"], i["kind"]), DIFFICULTY_LABELS.get(i["difficulty"], i["difficulty"]),
             i["stem"], i["attempts"], i["difficulty_index"], i["discrimination"]] for i in data["items"]], first=True)
    _sheet(book, "成绩分布", f"{exam.title} 成绩分布", ["分数段", "人次"], [16, 10],
           [[f"{b['low']}–{b['high']}", b["count"]] for b in data["distribution"]])
    return _save(book)
