"""The results workbook: the same figures as the JSON results (overview, each question's distribution, the
org-unit cross-tab), and the responses sheet. Anonymous responses are listed without respondent, unit or
time, in the order of their random ids; a named campaign's responses carry names. Written with the small
streaming writer of evaluations/xlsx.py (docs/adr/0044)."""

from __future__ import annotations

from . import xlsx
from .models import Campaign

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KIND_LABELS = {"single": "单选", "multiple": "多选", "scale": "量表", "nps": "NPS", "matrix": "矩阵", "text": "填空"}


def _cell(value):
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}={v}" for k, v in value.items())
    return value


def workbook(campaign: Campaign, data: dict, responses: list[tuple[str | None, dict]]) -> bytes:
    book = xlsx.Book()
    overview = book.sheet("概览")
    overview.append([campaign.title], bold=True)
    overview.append(["评价对象", campaign.target_label])
    overview.append(["匿名", "是" if campaign.anonymous else "否"])
    overview.append(["答卷数", data["count"]])
    if data["suppressed"]:
        overview.append(["说明", data["suppressed_message"]])
        return book.save()
    overview.append(["总体得分（5 分制）", data["overall"]])
    for name, score in data["dimensions"].items():
        overview.append([f"维度：{name}", score])
    overview.append([])
    overview.append(["指标", "维度", "作答数", "得分"], bold=True)
    for item in data["items"]:
        overview.append([item["label"], item["dimension"], item["n"], item["score"]])

    sheet = book.sheet("各题分布")
    sheet.append(["题号", "题型", "题目", "行", "选项/分值", "人数", "占比%", "均分", "NPS"], bold=True)
    for q in data["questions"]:
        nps = q["nps"]["score"] if q["nps"] else None
        if q["kind"] == "matrix":
            for row in q["rows"]:
                for p in row["distribution"]:
                    sheet.append([q["key"], KIND_LABELS[q["kind"]], q["title"], row["label"], p["label"], p["count"],
                                  p["share"], row["mean"], None])
        elif q["kind"] == "text":
            sheet.append([q["key"], KIND_LABELS[q["kind"]], q["title"], None, "（见答卷）", q["answered"], None, None, None])
        else:
            for p in q["distribution"]:
                sheet.append([q["key"], KIND_LABELS[q["kind"]], q["title"], None, p["label"], p["count"], p["share"],
                              q["mean"], nps])

    if data["units"]:
        units = book.sheet("按单位")
        keys = [i["key"] for i in data["items"]]
        units.append(["单位", "答卷数", "总体得分"] + [i["label"] for i in data["items"]], bold=True)
        for cell in data["units"]:
            if cell["suppressed"]:
                units.append([cell["org_unit"]["name"], cell["count"], "（人数不足，不显示）"])
                continue
            scores = {i["key"]: i["score"] for i in cell["items"]}
            units.append([cell["org_unit"]["name"], cell["count"], cell["overall"]] + [scores.get(k) for k in keys])

    answers = book.sheet("答卷")
    columns = []
    for q in campaign.questions:
        if q["kind"] == "matrix":
            columns += [(q["key"], r["key"], f"{q['key']} {q['title']}：{r['label']}") for r in q["rows"]]
        else:
            columns.append((q["key"], None, f"{q['key']} {q['title']}"))
    head = ([] if campaign.anonymous else ["答卷人"]) + [c[2] for c in columns]
    answers.append(head, bold=True)
    for name, given in responses:
        row = [] if campaign.anonymous else [name or ""]
        for key, sub, _ in columns:
            value = given.get(key)
            row.append(_cell(value.get(sub) if sub and isinstance(value, dict) else value))
        answers.append(row)
    return book.save()
