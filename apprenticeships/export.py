"""The leader's dashboard as an Excel workbook: the same rows, order and figures as the JSON."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .models import SkillLevel

RAG_LABELS = {"red": "红", "amber": "黄", "green": "绿", None: "—"}
RAG_FILLS = {"red": "F4B6B6", "amber": "FBE3A6", "green": "C6E8C6"}
STATE_LABELS = {"draft": "草拟", "active": "执行中", "completed": "已出师", "terminated": "已终止"}
HEADER = ["徒弟", "师傅", "工作室", "状态", "目标等级", "开始日期", "结束日期", "能力进度%", "应达进度%", "落后（百分点）",
          "已确认/能力项", "实训学时", "应达学时", "风险", "风险原因", "最近活动", "下次评价", "待确认能力项", "待签认证据"]
WIDTHS = [10, 10, 18, 8, 14, 12, 12, 10, 10, 12, 12, 10, 10, 6, 60, 12, 12, 12, 10]


def dashboard_workbook(data: dict) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "带教看板"
    counts = data["counts"]
    sheet.append([f"{data['studio']['name']} 师徒带教看板（{data['today']:%Y-%m-%d}）"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([f"红 {counts['red']} 人　黄 {counts['amber']} 人　绿 {counts['green']} 人　共 {data['count']} 行"])
    sheet.append([])
    sheet.append(HEADER)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    levels = dict(SkillLevel.choices)
    for row in data["rows"]:
        sheet.append([
            row["apprentice"]["name"], row["master"]["name"], row["studio"]["name"], STATE_LABELS[row["state"]],
            levels.get(row["target_level"], row["target_level"]), row["start_date"], row["end_date"],
            row["progress_pct"], row["expected_pct"], row["behind_pct"],
            f"{row['competencies_signed']}/{row['competencies_total']}", row["hours"], row["expected_hours"],
            RAG_LABELS[row["rag"]], "；".join(r["message"] for r in row["rag_reasons"]),
            row["last_activity"], row["next_review_due"], len(row["ready_for_countersign"]), row["unsigned_evidence"],
        ])
        rag_cell = sheet.cell(sheet.max_row, HEADER.index("风险") + 1)
        if row["rag"] in RAG_FILLS:
            rag_cell.fill = PatternFill("solid", fgColor=RAG_FILLS[row["rag"]])
        for column in (6, 7, 16, 17):
            sheet.cell(sheet.max_row, column).number_format = "yyyy-mm-dd"
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = sheet.cell(header_row + 1, 2)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
