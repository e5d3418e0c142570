"""Reading a question bank from an xlsx sheet (the layout is in docs/API.md).

Columns by header name on the first row: 题号, 题型, 题干, 选项A … 选项F, 答案, 难度, 知识点, 解析. Answers:
单选 `B`; 多选 `ACD` (or `A,C,D`); 判断 `对`/`错` (正确/错误, √/×, true/false); 填空 one cell, blanks
separated by `|`, accepted alternatives of one blank by `/` (`7/七|12`). 知识点: separated by `，`, `、` or `,`.
Each row is checked on its own; a bad row is reported (row number, column, message) and the others stand.
"""

from __future__ import annotations

import io
import re
import zipfile

from django.conf import settings

from miniprogram_api.errors import ApiError, unprocessable

KINDS = {"单选": "single", "单选题": "single", "single": "single", "多选": "multiple", "多选题": "multiple",
         "multiple": "multiple", "判断": "true_false", "判断题": "true_false", "true_false": "true_false",
         "填空": "fill", "填空题": "fill", "fill": "fill"}
DIFFICULTIES = {"易": "easy", "简单": "easy", "easy": "easy", "中": "medium", "中等": "medium", "medium": "medium",
                "难": "hard", "困难": "hard", "hard": "hard", "": "medium"}
TRUE = {"对", "正确", "√", "true", "是", "t", "1"}
FALSE = {"错", "错误", "×", "false", "否", "f", "0"}
OPTION_KEYS = "ABCDEF"
REQUIRED = ("题号", "题型", "题干", "答案")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_workbook(data: bytes) -> tuple[list[dict], list[dict]]:
    from openpyxl import load_workbook

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ApiError("not_a_spreadsheet", "请上传 Excel（.xlsx）文件", status=415)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken file
        raise ApiError("not_a_spreadsheet", "请上传 Excel（.xlsx）文件", status=415) from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [_text(h) for h in next(rows, ())]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise unprocessable("missing_columns", f"缺少列：{'、'.join(missing)}", detail={"missing": missing})
    column = {name: index for index, name in enumerate(header) if name}
    good, errors, seen = [], [], set()
    for number, values in enumerate(rows, start=2):
        if number - 1 > settings.EXAM_IMPORT_MAX_ROWS:
            raise unprocessable("too_many_rows", f"一次最多导入 {settings.EXAM_IMPORT_MAX_ROWS} 道题")
        cells = {name: _text(values[index]) if index < len(values) else "" for name, index in column.items()}
        if not any(cells.values()):
            continue
        try:
            row = _row(cells)
        except ValueError as error:
            field, message = error.args
            errors.append({"row": number, "field": field, "message": message})
            continue
        if row["code"] in seen:
            errors.append({"row": number, "field": "题号", "message": "题号在本表中重复"})
            continue
        seen.add(row["code"])
        good.append(row)
    return good, errors


def _row(cells: dict[str, str]) -> dict:
    code = cells.get("题号", "")
    if not code or len(code) > 32:
        raise ValueError("题号", "题号不能为空，且不超过 32 个字符")
    kind = KINDS.get(cells.get("题型", "").lower())
    if kind is None:
        raise ValueError("题型", "题型应为单选、多选、判断或填空")
    stem = cells.get("题干", "")
    if not stem:
        raise ValueError("题干", "题干不能为空")
    difficulty = DIFFICULTIES.get(cells.get("难度", "").lower())
    if difficulty is None:
        raise ValueError("难度", "难度应为易、中或难")
    options = [{"key": key, "text": cells[f"选项{key}"]} for key in OPTION_KEYS if cells.get(f"选项{key}")]
    raw = cells.get("答案", "")
    if kind in ("single", "multiple"):
        if len(options) < 2:
            raise ValueError("选项A", "选择题至少需要两个选项")
        keys = [k for k in re.sub(r"[\s,，、]", "", raw.upper())]
        valid = {o["key"] for o in options}
        if not keys or any(k not in valid for k in keys) or len(keys) != len(set(keys)):
            raise ValueError("答案", f"答案应为已填写选项的字母（{''.join(sorted(valid))}）")
        if kind == "single" and len(keys) != 1:
            raise ValueError("答案", "单选题只能有一个答案")
        if kind == "multiple" and len(keys) < 2:
            raise ValueError("答案", "多选题至少两个答案")
        answer: object = keys[0] if kind == "single" else sorted(keys)
    elif kind == "true_false":
        options = []
        if raw.lower() in TRUE:
            answer = True
        elif raw.lower() in FALSE:
            answer = False
        else:
            raise ValueError("答案", "判断题答案应为“对”或“错”")
    else:
        options = []
        blanks = [[alt.strip() for alt in blank.split("/") if alt.strip()] for blank in raw.split("|")]
        if not blanks or any(not b for b in blanks):
            raise ValueError("答案", "填空题每个空至少一个答案（空之间用 | 分隔）")
        answer = blanks
    tags = [t.strip() for t in re.split(r"[，、,]", cells.get("知识点", "")) if t.strip()]
    if any(len(t) > 100 for t in tags):
        raise ValueError("知识点", "知识点名称不超过 100 个字符")
    return {"code": code, "kind": kind, "stem": stem, "options": options, "answer": answer, "difficulty": difficulty,
            "explanation": cells.get("解析", ""), "tags": tags}
