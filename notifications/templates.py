"""Subscribe-message templates: which WeChat template each notification kind uses and how the
notification's values fill its fields. Both are settings (`WECHAT_SUBSCRIBE_TEMPLATES`), because
template ids are issued per mini-program in the WeChat console.

A mapping looks like {"template_id": "…", "page": "pages/workorder/detail?id={id}",
"fields": {"thing1": "title", "character_string2": "number", "time3": "time"}}: each template field
takes the named value. WeChat limits field lengths by type, so values are cut to fit.
"""

from __future__ import annotations

from django.conf import settings

# WeChat's limits per field type (characters); a longer value makes the whole send fail with 47003.
FIELD_LIMITS = {"thing": 20, "character_string": 32, "phrase": 5, "name": 10, "number": 32, "letter": 32,
                "symbol": 5, "car_number": 8, "phone_number": 17, "amount": 32, "date": 32, "time": 32}


def field_type(field: str) -> str:
    return field.rstrip("0123456789")


def fit(field: str, value) -> str:
    text = str(value if value is not None else "")
    limit = FIELD_LIMITS.get(field_type(field), 20)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def template_for(kind: str) -> dict | None:
    template = settings.WECHAT_SUBSCRIBE_TEMPLATES.get(kind)
    return template if template and template.get("template_id") else None


def render(kind: str, values: dict) -> tuple[str, str, dict] | None:
    """(template_id, page, data) for a notification kind, or None when no template is configured."""
    template = template_for(kind)
    if template is None:
        return None
    data = {field: {"value": fit(field, values.get(source, ""))} for field, source in template["fields"].items()}
    page = template.get("page", "").format_map(_Default(values))
    return template["template_id"], page, data


class _Default(dict):
    def __missing__(self, key):
        return ""
