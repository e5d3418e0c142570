"""results.xlsx: ranks, totals and sections per event, then every judge's marks (all revisions).
Names appear only for published events; before that, codes only.

Print-ready (issue 17): scores are numbers shown with two decimals (`0.00`; the exact Decimal becomes a
float only when the cell is written, and a 2-place Decimal survives that exactly), times are real Excel
datetimes in Asia/Shanghai (Excel has no time zones: a naive local datetime with a date format), and both
sheets print landscape, fitted to one page wide, with their header rows repeated on every page."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from .board import compute_event
from .models import Contest, Event, Mark

SHANGHAI = ZoneInfo("Asia/Shanghai")
SCORE_FORMAT = "0.00"
TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


def score(value) -> float | None:
    """A mark or figure (a Decimal, or its 2-place text from the board) as the number Excel stores."""
    if value is None or value == "":
        return None
    return float(Decimal(str(value)))


def local_time(moment: datetime | None) -> datetime | None:
    """An aware UTC datetime as the naive Asia/Shanghai wall-clock time Excel shows."""
    return None if moment is None else moment.astimezone(SHANGHAI).replace(tzinfo=None)


def print_layout(ws: Worksheet, title_rows: str) -> None:
    """Landscape, one page wide (as many pages tall as needed), `title_rows` repeated on each page."""
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = title_rows


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
    first_header_row = None
    for index, event in enumerate(events):
        computed = compute_event(event)
        published = event.state == Event.State.PUBLISHED
        sections = computed["header"]["sections"]
        if index:  # every further event starts on a new printed page
            sheet.row_breaks.append(Break(id=sheet.max_row))
        sheet.append([])
        title = f"{event.name}（{event.get_state_display()}）"
        sheet.append([title, "公布时间" if published else None, local_time(event.published_at) if published else None])
        sheet.cell(sheet.max_row, 1).font = bold
        if published:
            sheet.cell(sheet.max_row, 3).number_format = TIME_FORMAT
        header = ["名次", "加密号", "姓名" if published else "姓名（公布后显示）", "总分"] + [
            f"{s['name']}（{s['weight']}）" for s in sections] + extra_headers(event)
        sheet.append(header)
        first_header_row = first_header_row or sheet.max_row
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for row in computed["jury_rows"]:
            sheet.append([row["rank"], row["code"], row["name"] if published else "", score(row["total"])]
                         + [score(row["sections"][str(s["id"])]) for s in sections] + extra_cells(event, row))
            for cell in sheet[sheet.max_row][3:4 + len(sections)]:
                cell.number_format = SCORE_FORMAT
            for column in duration_columns(event, len(header)):
                sheet.cell(sheet.max_row, column).number_format = "[h]:mm:ss"  # a duration, not a time of day
                sheet.cell(sheet.max_row, column + 2).number_format = SCORE_FORMAT  # the penalty
        for mark in (Mark.objects.filter(event=event).select_related("entry__contestant", "aspect__section", "judge",
                                                                    "actor").order_by("entry__code", "aspect_id", "id")):
            marks_sheet.append([
                event.name, mark.entry.code, mark.entry.contestant.name if published else "",
                mark.aspect.section.name, mark.aspect.name, mark.aspect.get_kind_display(), mark.judge.name,
                score(mark.value), mark.revision, mark.get_source_display(), mark.actor.name, mark.reason,
                local_time(mark.created_at),
            ])
            marks_sheet.cell(marks_sheet.max_row, 8).number_format = SCORE_FORMAT
            marks_sheet.cell(marks_sheet.max_row, 13).number_format = TIME_FORMAT
    for ws in (sheet, marks_sheet):
        for index in range(1, ws.max_column + 1):
            ws.column_dimensions[get_column_letter(index)].width = 16
        ws.column_dimensions[get_column_letter(13 if ws is marks_sheet else 3)].width = 20
        for row in ws.iter_rows():
            for cell in row:
                cell.alignment = Alignment(vertical="center")
    marks_sheet.freeze_panes = "A2"
    # One event: its title and column header repeat on each printed page; several events each start
    # on their own page, under the contest's name.
    print_layout(sheet, f"1:{first_header_row}" if len(events) == 1 and first_header_row else "1:1")
    print_layout(marks_sheet, "1:1")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- timing and awards columns (H5) ---------------------------------------------------------------------------
def extra_headers(event: Event) -> list[str]:
    out = ["用时", "超时（分钟）", "超时扣分"] if event.time_limit_minutes else []
    return out + (["奖项"] if event.state == Event.State.PUBLISHED else [])


def extra_cells(event: Event, row: dict) -> list:
    from datetime import timedelta

    out: list = []
    if event.time_limit_minutes:
        timed = row.get("timing") or {}
        elapsed = timed.get("elapsed_seconds")
        out += [timedelta(seconds=elapsed) if elapsed is not None else None, timed.get("overtime_minutes", 0),
                score(timed.get("penalty", "0"))]
    if event.state == Event.State.PUBLISHED:
        out.append(row.get("award") or "")
    return out


def duration_columns(event: Event, width: int) -> list[int]:
    """The 1-based column of 用时 (a duration, shown as h:mm:ss), if the event is timed."""
    if not event.time_limit_minutes:
        return []
    return [width - len(extra_headers(event)) + 1]
