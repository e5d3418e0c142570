"""The overview as an xlsx workbook: exactly the figures of the JSON answer (the same dict), one row per
unit, the asked unit first — so the export is scoped like the screen and the API."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

COLUMNS: list[tuple[str, str, str]] = [
    ("standards", "effective", "现行标准数"), ("standards", "with_recent_runs", "有实操的标准数"),
    ("standards", "with_recent_runs_share", "有实操的标准占比"),
    ("practice", "runs", "实操次数"), ("practice", "pass_rate", "实操合格率"), ("practice", "problem_runs", "异常实操"),
    ("practice", "scans", "扫码次数"), ("practice", "flagged_scans", "可疑扫码"),
    ("workorders", "orders", "工单数"), ("workorders", "deadlines_met_rate", "按时完成率"),
    ("workorders", "median_response_minutes", "响应时长中位数（分钟）"), ("workorders", "satisfaction", "满意度"),
    ("training", "assigned", "指派课程"), ("training", "assigned_completed", "指派已完成"),
    ("training", "hours", "完成学时"), ("training", "exam_pass_rate", "考试通过率"),
    ("contests", "held", "举办比武"), ("contests", "contestants", "参赛人数"), ("contests", "awards", "获奖数"),
    ("apprenticeships", "red", "带教红灯"), ("apprenticeships", "amber", "带教黄灯"),
    ("apprenticeships", "green", "带教绿灯"), ("apprenticeships", "completed_this_year", "本年出师"),
    ("evaluations", "surveys_closed", "截止问卷数"), ("evaluations", "survey_audience", "问卷应答人数"),
    ("evaluations", "survey_responded", "问卷已答人数"),
    ("evaluations", "survey_response_rate", "问卷回收率"), ("evaluations", "mean_satisfaction", "平均满意度"),
    ("evaluations", "open_improvement_actions", "未关闭整改"), ("evaluations", "improvement_actions_opened", "本期新增整改"),
]


def overview_xlsx(data: dict) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "监管总览"
    sheet.append([f"{data['unit']['name']} 监管总览", f"{data['date_from']} 至 {data['date_to']}",
                  f"生成时间 {data['generated_at']}"])
    sheet.append(["单位", *[label for _, _, label in COLUMNS]])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in [data["total"], *data["units"]]:
        name = row["unit"]["name"] + ("（合计）" if row is data["total"] else "")
        sheet.append([name, *[row[block][field] for block, field, _ in COLUMNS]])
    sheet.column_dimensions["A"].width = 24
    for index in range(2, len(COLUMNS) + 2):
        sheet.column_dimensions[get_column_letter(index)].width = 14
    sheet.freeze_panes = "B3"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
