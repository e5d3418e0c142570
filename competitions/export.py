"""results.xlsx: ranks, totals and sections per event, then every judge's marks (all revisions).
Names appear only for published events; before that, codes only."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .board import compute_event
from .models import Contest, Event, Mark

SHANGHAI = ZoneInfo("Asia/Shanghai")


def results_workbook(contest: Contest) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "成绩"
    marks_sheet = book.create_sheet("评分明细")
    bold = Font(bold=True)
    sheet.append([contest.name])
    sheet["A1"].font = Font(bold=True, size=14)
    marks_sheet.append(["项目", "加密号", "姓名", "模块", "评分项", "类型", "裁判", "分值", "修订", "来源", "录入人",
                        "原因", "录入时间"])
    for cell in marks_sheet[1]:
        cell.font = bold
    events = list(Event.objects.filter(contest=contest).exclude(state=Event.State.DRAFT).order_by("order", "id"))
    for event in events:
        computed = compute_event(event)
        published = event.state == Event.State.PUBLISHED
        sections = computed["header"]["sections"]
        sheet.append([])
        sheet.append([f"{event.name}（{event.get_state_display()}）"])
        sheet.cell(sheet.max_row, 1).font = bold
        header = ["名次", "加密号", "姓名" if published else "姓名（公布后显示）", "总分"] + [
            f"{s['name']}（{s['weight']}）" for s in sections]
        sheet.append(header)
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for row in computed["jury_rows"]:
            sheet.append([row["rank"], row["code"], row["name"] if published else "", float_free(row["total"])]
                         + [float_free(row["sections"][str(s["id"])]) for s in sections])
        for mark in (Mark.objects.filter(event=event).select_related("entry__contestant", "aspect__section", "judge",
                                                                    "actor").order_by("entry__code", "aspect_id", "id")):
            marks_sheet.append([
                event.name, mark.entry.code, mark.entry.contestant.name if published else "",
                mark.aspect.section.name, mark.aspect.name, mark.aspect.get_kind_display(), mark.judge.name,
                float_free(str(mark.value)), mark.revision, mark.get_source_display(), mark.actor.name, mark.reason,
                mark.created_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"),
            ])
    for ws in (sheet, marks_sheet):
        for index in range(1, ws.max_column + 1):
            ws.column_dimensions[get_column_letter(index)].width = 16
        ws.freeze_panes = "A2" if ws is marks_sheet else None
        for row in ws.iter_rows():
            for cell in row:
                cell.alignment = Alignment(vertical="center")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def float_free(text: str):
    """Totals go into the sheet as exact decimals (openpyxl writes Decimal as a number)."""
    from decimal import Decimal

    return Decimal(text)
