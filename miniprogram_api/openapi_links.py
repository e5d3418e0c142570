"""OpenAPI `links` derived from the document itself (docs/adr/0063-openapi-links-derived.md).

django-ninja publishes no links, so a client generator or a stateful fuzzer cannot tell that the `id` a
create answers is the `order_id` of `GET /workorders/{order_id}`. The rule, applied once to the generated
document (ShixunAPI.get_openapi_schema), so a new endpoint gets its links without anyone writing them:

- a *resource* is a path `C/{param}` with a GET (the read of one record) and a single path parameter;
- a write answers that resource when its success answer is an object with an `id` and either it is a POST
  to the collection `C` itself (the create), or its answer has the same schema as the resource's GET
  (a transition answering the record, a create under another path such as `POST /exams/{id}/attempts`
  answering the `AttemptOut` of `GET /attempts/{attempt_id}`);
- each such answer links to every operation under `C/{param}` (the read, its transitions, its
  sub-resources) with `param` = `$response.body#/id`.
"""

from __future__ import annotations

import re
from typing import Any

WRITES = ("post", "put", "patch")
PARAM = re.compile(r"\{([^}]+)\}")


def _answer_ref(response: dict[str, Any]) -> str | None:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return schema.get("$ref")


def _ok_ref(operation: dict[str, Any]) -> str | None:
    responses = operation.get("responses", {})
    return _answer_ref(responses.get(200) or responses.get("200") or {})


def _has_id(ref: str | None, components: dict[str, Any]) -> bool:
    if not ref or not ref.startswith("#/components/schemas/"):
        return False
    return "id" in components.get(ref.rsplit("/", 1)[-1], {}).get("properties", {})


def resources(document: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    """`C/{param}` → (param, the $ref its GET answers)."""
    found = {}
    for path, operations in document.get("paths", {}).items():
        names = PARAM.findall(path)
        if "get" in operations and len(names) == 1 and path.endswith("/{" + names[0] + "}"):
            found[path] = (names[0], _ok_ref(operations["get"]))
    return found


def add_links(document: dict[str, Any]) -> dict[str, Any]:
    paths = document.get("paths", {})
    components = document.get("components", {}).get("schemas", {})
    items = resources(document)
    for path, operations in paths.items():
        for method, operation in operations.items():
            if method not in WRITES or not isinstance(operation, dict):
                continue
            for status, response in operation.get("responses", {}).items():
                ref = _answer_ref(response) if str(status).startswith("2") else None
                if not _has_id(ref, components):
                    continue
                links = {}
                for item, (param, item_ref) in items.items():
                    collection = item.rsplit("/", 1)[0]
                    if not (path == collection and method == "post") and ref != item_ref:
                        continue
                    for target_path, targets in paths.items():
                        if target_path != item and not target_path.startswith(item + "/"):
                            continue
                        for target in targets.values():
                            if isinstance(target, dict) and target.get("operationId"):
                                links[target["operationId"]] = {
                                    "operationId": target["operationId"],
                                    "parameters": {param: "$response.body#/id"},
                                    "description": f"`id` of the answer is `{param}` of {target_path}",
                                }
                if links:
                    response["links"] = dict(sorted(links.items()))
    return document
