"""How a recorded value becomes a verdict, per step type.

The server decides the verdict (a phone may show its own guess offline, but the stored verdict is
this one), so that every record is trustworthy evidence:

- check: the value itself, "pass" | "flag" | "fail";
- number: a JSON number; outside [lower_limit, upper_limit] → fail, else pass;
- meter: a JSON number ≥ 0; above the threshold (if any) → flag, else pass;
- choice: one of the options' values; the option's verdict (pass unless marked flag/fail);
- text: a non-empty string → pass;
- photo: no value, at least `min_photos` photos → pass;
- signature: no value, exactly one image → pass.

A value of the wrong type raises `StepValueError`; the service turns it into a 422 naming the step.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from miniprogram_api.schema_types import has_control_characters

from .models import MAX_PHOTOS, Step, Verdict

MAX_TEXT = 2000
NUMBER_LIMIT = Decimal("1e10")


class StepValueError(Exception):
    def __init__(self, message: str, expected: str):
        super().__init__(message)
        self.message = message
        self.expected = expected


@dataclass(frozen=True)
class Evaluation:
    value: Any  # the normalised value stored in the record
    number: Decimal | None
    verdict: str


EXPECTED = {
    Step.Type.CHECK: '"pass" / "flag" / "fail"',
    Step.Type.NUMBER: "数字",
    Step.Type.METER: "不小于 0 的数字",
    Step.Type.CHOICE: "选项值",
    Step.Type.TEXT: "文字",
    Step.Type.PHOTO: "照片（photo_ids）",
    Step.Type.SIGNATURE: "签名图片（photo_ids 中 1 张）",
}


def _number(value: Any) -> Decimal:
    # bool is an int in Python; a checkbox value must not pass for a reading.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError
    number = Decimal(str(value))
    if not number.is_finite() or abs(number) >= NUMBER_LIMIT:
        raise ValueError
    return number.quantize(Decimal("0.0001"))


def options_of(step: Step) -> list[dict]:
    """Options as the phone sees them: value, label, verdict (pass unless marked)."""
    result = []
    for option in step.options or []:
        if isinstance(option, str):
            option = {"value": option}
        value = str(option.get("value", ""))
        verdict = option.get("verdict") or ("fail" if option.get("fails") else Verdict.PASS)
        result.append({"value": value, "label": str(option.get("label") or value), "verdict": str(verdict)})
    return result


def evaluate(step: Step, value: Any, photo_count: int) -> Evaluation:
    """The normalised value and verdict of `value` (with `photo_count` photos) for `step`."""
    kind = step.type
    expected = EXPECTED.get(kind, "")

    def wrong(message: str = "") -> StepValueError:
        return StepValueError(message or f"应为{expected}", expected)

    if photo_count > MAX_PHOTOS:
        raise wrong(f"最多 {MAX_PHOTOS} 张照片")

    if kind == Step.Type.CHECK:
        if value not in (Verdict.PASS, Verdict.FLAG, Verdict.FAIL):
            raise wrong()
        return Evaluation(value=str(value), number=None, verdict=str(value))

    if kind in (Step.Type.NUMBER, Step.Type.METER):
        try:
            number = _number(value)
        except (ValueError, InvalidOperation):
            raise wrong() from None
        if kind == Step.Type.NUMBER:
            low, high = step.lower_limit, step.upper_limit
            outside = (low is not None and number < low) or (high is not None and number > high)
            verdict = Verdict.FAIL if outside else Verdict.PASS
        else:
            if number < 0:
                raise wrong()
            over = step.threshold is not None and number > step.threshold
            verdict = Verdict.FLAG if over else Verdict.PASS
        return Evaluation(value=float(number), number=number, verdict=str(verdict))

    if isinstance(value, str) and has_control_characters(value):
        raise wrong("不能包含控制字符")

    if kind == Step.Type.CHOICE:
        if not isinstance(value, str):
            raise wrong()
        for option in options_of(step):
            if option["value"] == value:
                verdict = option["verdict"] if option["verdict"] in Verdict.values else Verdict.PASS
                return Evaluation(value=value, number=None, verdict=str(verdict))
        allowed = "、".join(o["value"] for o in options_of(step))
        raise wrong(f"应为以下选项之一：{allowed}")

    if kind == Step.Type.TEXT:
        if not isinstance(value, str) or not value.strip():
            raise wrong("应为非空文字")
        if len(value) > MAX_TEXT:
            raise wrong(f"文字不能超过 {MAX_TEXT} 字")
        return Evaluation(value=value.strip(), number=None, verdict=str(Verdict.PASS))

    if kind == Step.Type.PHOTO:
        if value not in (None, ""):
            raise wrong("照片步骤不填 value，照片放在 photo_ids 中")
        needed = max(step.min_photos, 1)
        if photo_count < needed:
            raise wrong(f"至少需要 {needed} 张照片")
        return Evaluation(value=None, number=None, verdict=str(Verdict.PASS))

    if kind == Step.Type.SIGNATURE:
        if value not in (None, ""):
            raise wrong("签名步骤不填 value，签名图片放在 photo_ids 中")
        if photo_count != 1:
            raise wrong("需要且只需要 1 张签名图片")
        return Evaluation(value=None, number=None, verdict=str(Verdict.PASS))

    raise wrong("未知的步骤类型")


def worst(verdicts) -> str:
    """The run's verdict: the worst of its steps (fail > flag > pass)."""
    order = [Verdict.PASS, Verdict.FLAG, Verdict.FAIL]
    rank = max((order.index(v) for v in verdicts if v in order), default=0)
    return str(order[rank])


def condition_met(step: Step, verdict_of: dict[int, str]) -> bool:
    """Is a conditional step shown, given the current verdicts of the run's steps (by step id)?"""
    if not step.condition_step_id:
        return True
    return verdict_of.get(step.condition_step_id) in set(step.condition_verdicts or [])


def display_value(step: Step, value: Any) -> str:
    """A recorded value as a person reads it: the option's label, a number with its unit."""
    if value is None:
        return ""
    if step.type == Step.Type.CHOICE:
        return next((o["label"] for o in options_of(step) if o["value"] == value), str(value))
    if step.type in (Step.Type.NUMBER, Step.Type.METER):
        number = Decimal(str(value)).normalize()
        text = f"{number:f}"
        return f"{text} {step.unit}".strip()
    if step.type == Step.Type.CHECK:
        return Verdict(value).label if value in Verdict.values else str(value)
    return str(value)
