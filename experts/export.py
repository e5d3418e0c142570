"""The roster as a spreadsheet: one row per expert, the same fields as the JSON list."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["专家编号", "姓名", "工作单位", "职称", "技能等级", "类别", "专业", "手机号", "状态"]
WIDTHS = [12, 12, 28, 14, 12, 24, 30, 16, 8]


def roster_workbook(rows: list[dict], counts: dict) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "专家库"
    sheet.append(HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([row["code"], row["name"], row["unit"], row["title"], row["skill_level"],
                      "、".join(row["category_labels"]), "、".join(row["specialities"]), row["phone"],
                      row["status_label"]])
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"
    stats = book.create_sheet("统计")
    stats.append(["在库专家", counts["total"]])
    stats.append([])
    stats.append(["类别", "人数"])
    for item in counts["by_category"]:
        stats.append([item["label"], item["count"]])
    stats.append([])
    stats.append(["专业", "人数"])
    for item in counts["by_speciality"]:
        stats.append([item["name"], item["count"]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
