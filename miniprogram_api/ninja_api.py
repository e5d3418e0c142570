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
        add_links(schema)
        return schema
