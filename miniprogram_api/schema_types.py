"""Field types shared by the apps' ninja schemas."""

from typing import Annotated

from pydantic import AfterValidator


def has_control_characters(text: str) -> bool:
    """Control characters other than line breaks and tabs: no field has a use for them, and a NUL
    cannot even be stored in PostgreSQL text (it would be a 500)."""
    return any(not ch.isprintable() and ch not in "\n\r\t" for ch in text)


def _refuse_control_characters(value: str | None) -> str | None:
    if value is not None and has_control_characters(value):
        raise ValueError("不能包含控制字符")
    return value


# A string from a phone: any text but control characters (a 422 naming the field otherwise).
Text = Annotated[str, AfterValidator(_refuse_control_characters)]
