"""The NinjaAPI class every mini-program API is built on (backend/api.py makes the one instance).

It documents the error envelope on every operation, so that clients (and schemathesis) know that any
4xx/5xx answer is {"code", "message", "detail"}; and it keeps operation ids stable when code moves.
"""

from __future__ import annotations

import sys
from functools import partial

from django.urls import path
from ninja import NinjaAPI
from ninja.renderers import JSONRenderer
from ninja.responses import Response

from miniprogram_api.openapi_links import add_links

ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["code", "message", "detail"],
    "properties": {
        "code": {"type": "string", "description": "stable snake_case error code"},
        "message": {"type": "string", "description": "中文说明，可直接展示给用户"},
        "detail": {"description": "details: the fields at fault, the actions allowed now, …"},
    },
}


# What pydantic's Decimal parses from a string (its JSON Schema says only "a string"): "12.5", "-3", "1e2".
DECIMAL_PATTERN = r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$"


def _optional_body_is_absent_not_null(operation: dict) -> None:
    """ninja publishes an optional body as `X | null`; the server (rightly, miniprogram_api.envelope) refuses
    a body that is not an object, `null` included. Published: the object, not required, i.e. send it or
    send nothing."""
    body = operation.get("requestBody") if isinstance(operation, dict) else None
    for content in (body or {}).get("content", {}).values():
        schema = content.get("schema", {})
        options = [s for s in schema.get("anyOf", []) if s != {"type": "null"}]
        if "anyOf" in schema and len(options) == 1 and len(options) < len(schema["anyOf"]):
            content["schema"] = options[0]
            body["required"] = False


def _decimal_strings_are_numbers(node) -> None:
    """pydantic publishes a Decimal input as `number | string`; any string then passed the schema and got a
    422 from the parser. The string branch says which strings are numbers."""
    if isinstance(node, dict):
        options = node.get("anyOf")
        if isinstance(options, list) and any(isinstance(o, dict) and o.get("type") == "number" for o in options):
            for index, option in enumerate(options):
                if option == {"type": "string"}:
                    options[index] = {"type": "string", "pattern": DECIMAL_PATTERN}
        for value in node.values():
            _decimal_strings_are_numbers(value)
    elif isinstance(node, list):
        for value in node:
            _decimal_strings_are_numbers(value)


class UTF8JSONRenderer(JSONRenderer):
    """Chinese as UTF-8, not `\\uXXXX` escapes: a third of the bytes, and readable in logs and curl."""

    json_dumps_params = {"ensure_ascii": False}


def openapi_json(request, api: NinjaAPI, **kwargs):
    """ninja's own view renders the document with Django's JsonResponse defaults (`\\uXXXX` escapes):
    the same document, in UTF-8 like every other answer."""
    return Response(api.get_openapi_schema(path_params=kwargs),
                    json_dumps_params=UTF8JSONRenderer.json_dumps_params)


class ShixunAPI(NinjaAPI):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("renderer", UTF8JSONRenderer())
        super().__init__(*args, **kwargs)

    def _get_urls(self):
        """ninja's URLs, with the OpenAPI document served by `openapi_json` above."""
        return [path(self.openapi_url.lstrip("/"), partial(openapi_json, api=self), name="openapi-json")
                if getattr(url, "name", None) == "openapi-json" else url for url in super()._get_urls()]

    def get_openapi_operation_id(self, operation) -> str:
        """`<module>_<function>`, as django-ninja names them, unless the module declares the
        `OPERATION_ID_PREFIX` its operations were published under: generated clients name their methods
        after operation ids, so moving an endpoint to another module must not rename it
        (docs/adr/0004-operation-ids-are-contract.md)."""
        view = operation.view_func
        module = sys.modules.get(view.__module__)
        prefix = getattr(module, "OPERATION_ID_PREFIX", view.__module__.replace(".", "_"))
        return f"{prefix}_{view.__name__}"

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        error = {"description": "错误（统一格式）",
                 "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                if isinstance(operation, dict) and "responses" in operation:
                    operation["responses"].setdefault("4XX", error)
                    operation["responses"].setdefault("5XX", error)
                _optional_body_is_absent_not_null(operation)
        _decimal_strings_are_numbers(schema)
        add_links(schema)
        return schema
