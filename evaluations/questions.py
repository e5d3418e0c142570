"""Survey questions and answers, pure: what a question definition may say, and whether a set of answers
fits a campaign's questions (types, ranges, required, "shown only if an earlier answer is X").

A definition is a dict:
    {"key": "q1", "kind": "single|multiple|scale|nps|matrix|text", "title": "…", "required": true,
     "options": [{"value": "a", "label": "…"}],        # single, multiple
     "rows": [{"key": "r1", "label": "…"}],            # matrix (rows × one scale)
     "scale": {"min": 1, "max": 5},                    # scale, matrix (1–5 by default); nps is always 0–10
     "show_if": {"question": "q0", "in": ["a", 1]},    # shown only if an earlier answer is one of these
     "dimension": "内容", "max_length": 500}
Answers are {key: value}: single → an option value, multiple → a list of option values, scale/nps → an
integer, matrix → {row key: integer}, text → a string.

A hidden question's answer is refused (422 `answer_to_hidden_question`), never silently stored: the
mini-program applies the same rule offline, and a stored response then never holds an answer its
respondent was not shown (docs/adr/0041).
"""

from __future__ import annotations

from typing import Any

from miniprogram_api.errors import unprocessable
from miniprogram_api.schema_types import has_control_characters

KINDS = ("single", "multiple", "scale", "nps", "matrix", "text")
SCORED = ("scale", "nps", "matrix")
DEFAULT_SCALE = {"min": 1, "max": 5}
NPS_SCALE = {"min": 0, "max": 10}
TEXT_MAX = 2000


def scale_of(question: dict) -> dict:
    if question["kind"] == "nps":
        return NPS_SCALE
    return question.get("scale") or DEFAULT_SCALE


def _bad(message: str, key: str | None = None):
    return unprocessable("invalid_questions", message, detail={"question": key} if key else None)


def validate_definition(questions: Any) -> list[dict]:
    """The questions, checked and normalised (defaults filled in); 422 `invalid_questions` otherwise."""
    if not isinstance(questions, list) or not questions:
        raise _bad("问卷至少需要一道题")
    seen: dict[str, dict] = {}
    out = []
    for q in questions:
        if not isinstance(q, dict) or not isinstance(q.get("key"), str) or not q["key"]:
            raise _bad("每道题都需要编号（key）")
        key = q["key"]
        if key in seen:
            raise _bad(f"题目编号重复：{key}", key)
        kind = q.get("kind")
        if kind not in KINDS:
            raise _bad(f"题型无效：{kind}", key)
        if not isinstance(q.get("title"), str) or not q["title"].strip():
            raise _bad(f"第 {key} 题缺少题干", key)
        item = {"key": key, "kind": kind, "title": q["title"].strip(), "required": bool(q.get("required", True))}
        if q.get("dimension"):
            item["dimension"] = str(q["dimension"])
        if kind in ("single", "multiple"):
            options = q.get("options")
            if not isinstance(options, list) or len(options) < 2 or not all(
                    isinstance(o, dict) and isinstance(o.get("value"), str) and o.get("label") for o in options):
                raise _bad(f"第 {key} 题至少需要两个选项", key)
            if len({o["value"] for o in options}) != len(options):
                raise _bad(f"第 {key} 题的选项重复", key)
            item["options"] = [{"value": o["value"], "label": str(o["label"])} for o in options]
        if kind in ("scale", "matrix"):
            scale = q.get("scale") or DEFAULT_SCALE
            low, high = scale.get("min"), scale.get("max")
            if not (isinstance(low, int) and isinstance(high, int) and 0 <= low < high <= 10):
                raise _bad(f"第 {key} 题的量表范围无效", key)
            item["scale"] = {"min": low, "max": high}
        if kind == "matrix":
            rows = q.get("rows")
            if not isinstance(rows, list) or not rows or not all(
                    isinstance(r, dict) and isinstance(r.get("key"), str) and r.get("label") for r in rows):
                raise _bad(f"第 {key} 题（矩阵）至少需要一行", key)
            if len({r["key"] for r in rows}) != len(rows):
                raise _bad(f"第 {key} 题的行重复", key)
            item["rows"] = [{"key": r["key"], "label": str(r["label"])} for r in rows]
        if kind == "text":
            item["max_length"] = min(int(q.get("max_length") or 500), TEXT_MAX)
        condition = q.get("show_if")
        if condition is not None:
            if not isinstance(condition, dict) or condition.get("question") not in seen:
                raise _bad(f"第 {key} 题的显示条件必须引用它之前的题目", key)
            earlier = seen[condition["question"]]
            if earlier["kind"] not in ("single", "multiple", "scale", "nps"):
                raise _bad(f"第 {key} 题的显示条件只能引用选择题或量表题", key)
            values = condition.get("in")
            if not isinstance(values, list) or not values:
                raise _bad(f"第 {key} 题的显示条件需要取值", key)
            item["show_if"] = {"question": condition["question"], "in": list(values)}
        seen[key] = item
        out.append(item)
    return out


def is_shown(question: dict, answers: dict) -> bool:
    """Shown when it has no condition, or the earlier question was shown and answered with one of the values
    (a multiple-choice answer counts when any chosen option is one of them)."""
    condition = question.get("show_if")
    if not condition:
        return True
    given = answers.get(condition["question"])
    if given is None:
        return False
    wanted = condition["in"]
    if isinstance(given, list):
        return any(value in wanted for value in given)
    return given in wanted


def _refuse(code: str, message: str, key: str):
    return unprocessable(code, message, detail={"question": key})


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_answers(questions: list[dict], answers: Any) -> dict:
    """The answers, checked against the questions in order; 422 with the question's key otherwise."""
    if not isinstance(answers, dict):
        raise unprocessable("invalid_answers", "答案必须是以题目编号为键的对象")
    known = {q["key"] for q in questions}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise _refuse("unknown_question", f"问卷中没有第 {unknown[0]} 题", unknown[0])
    accepted: dict = {}
    for q in questions:
        key = q["key"]
        value = answers.get(key)
        if value in (None, "", [], {}):
            value = None
        if not is_shown(q, accepted):
            if value is not None:
                raise _refuse("answer_to_hidden_question", f"第 {key} 题按前面的回答不应显示，不能作答", key)
            continue
        if value is None:
            if q["required"]:
                raise _refuse("answer_required", f"第 {key} 题为必答题", key)
            continue
        accepted[key] = _check_one(q, value)
    return accepted


def _check_one(q: dict, value):
    key, kind = q["key"], q["kind"]
    if kind == "single":
        if value not in {o["value"] for o in q["options"]}:
            raise _refuse("invalid_answer", f"第 {key} 题的选项无效", key)
        return value
    if kind == "multiple":
        values = {o["value"] for o in q["options"]}
        if not isinstance(value, list) or not all(isinstance(v, str) and v in values for v in value) \
                or len(set(value)) != len(value):
            raise _refuse("invalid_answer", f"第 {key} 题的选项无效", key)
        return sorted(value, key=[o["value"] for o in q["options"]].index)
    if kind in ("scale", "nps"):
        scale = scale_of(q)
        if not _is_int(value) or not scale["min"] <= value <= scale["max"]:
            raise _refuse("invalid_answer", f"第 {key} 题须为 {scale['min']}–{scale['max']} 的整数", key)
        return value
    if kind == "matrix":
        scale = scale_of(q)
        rows = [r["key"] for r in q["rows"]]
        if not isinstance(value, dict) or set(value) - set(rows):
            raise _refuse("invalid_answer", f"第 {key} 题（矩阵）的行无效", key)
        for row in rows:
            cell = value.get(row)
            if cell is None:
                if q["required"]:
                    raise _refuse("answer_required", f"第 {key} 题（矩阵）每一行都须作答", key)
                continue
            if not _is_int(cell) or not scale["min"] <= cell <= scale["max"]:
                raise _refuse("invalid_answer", f"第 {key} 题须为 {scale['min']}–{scale['max']} 的整数", key)
        return {row: value[row] for row in rows if value.get(row) is not None}
    if not isinstance(value, str) or len(value) > q.get("max_length", TEXT_MAX) or has_control_characters(value):
        raise _refuse("invalid_answer", f"第 {key} 题须为不超过 {q.get('max_length', TEXT_MAX)} 字的文字", key)
    return value.strip()
