"""The API is a contract with the mini-program team: every operation the published document listed
stays, at the same path and method, with the same operation id, and what it accepted and promised.

`tests/contract/openapi-v1-before-layout.json` is the document as it was before the layout change
(issue 11). Additions are free: new operations, new optional inputs, new response fields and typed
answers where there were none. A change fails when a client built against the old document could break:
an operation gone, a parameter renamed or made required, a field removed from an answer, a type changed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

CONTRACTS = Path(__file__).parent / "contract"
IGNORED = {"title", "description", "example", "examples", "default"}


def resolve(schema, components: dict, seen: tuple = ()):
    """The schema with every $ref replaced by its target (cycles cut), without cosmetic keys."""
    if isinstance(schema, list):
        return [resolve(item, components, seen) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return {"$cycle": name}
        return resolve(components[name], components, (*seen, name))
    return {key: resolve(value, components, seen) for key, value in schema.items() if key not in IGNORED}


def variants(schema: dict) -> list[dict]:
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return [v for item in schema[key] for v in variants(item)]
    return [schema]


def accepts_all_of(new: dict, old: dict, where: str, problems: list[str]) -> None:
    """An input: whatever `old` accepted, `new` must accept."""
    if old == new:
        return
    old_variants, new_variants = variants(old), variants(new)
    if len(old_variants) > 1 or len(new_variants) > 1:
        for variant in old_variants:
            if not any(_same_type(variant, candidate) for candidate in new_variants):
                problems.append(f"{where}: accepts no longer {variant.get('type')}")
        return
    if old.get("type") != new.get("type"):
        problems.append(f"{where}: type {old.get('type')} → {new.get('type')}")
        return
    if "enum" in old and not set(old["enum"]) <= set(new.get("enum", old["enum"])):
        problems.append(f"{where}: enum values removed {sorted(set(old['enum']) - set(new['enum']))}")
    newly_required = set(new.get("required", [])) - set(old.get("required", []))
    if newly_required:
        problems.append(f"{where}: now requires {sorted(newly_required)}")
    for name, prop in old.get("properties", {}).items():
        if name not in new.get("properties", {}):
            problems.append(f"{where}.{name}: no longer accepted")
        else:
            accepts_all_of(new["properties"][name], prop, f"{where}.{name}", problems)
    if "items" in old and "items" in new:
        accepts_all_of(new["items"], old["items"], f"{where}[]", problems)


def promises_all_of(new: dict, old: dict, where: str, problems: list[str]) -> None:
    """An answer: whatever `old` promised, `new` must still give."""
    if old == new or not old:
        return
    old_variants, new_variants = variants(old), variants(new)
    if len(old_variants) > 1 or len(new_variants) > 1:
        for variant in new_variants:
            if not any(_same_type(variant, candidate) for candidate in old_variants):
                problems.append(f"{where}: may now be {variant.get('type')}")
        return
    if old.get("type") and old.get("type") != new.get("type"):
        problems.append(f"{where}: type {old.get('type')} → {new.get('type')}")
        return
    dropped = set(old.get("required", [])) - set(new.get("required", []))
    if dropped:
        problems.append(f"{where}: no longer always gives {sorted(dropped)}")
    for name, prop in old.get("properties", {}).items():
        if name not in new.get("properties", {}):
            problems.append(f"{where}.{name}: no longer given")
        else:
            promises_all_of(new["properties"][name], prop, f"{where}.{name}", problems)
    if "items" in old and "items" in new:
        promises_all_of(new["items"], old["items"], f"{where}[]", problems)


def _same_type(a: dict, b: dict) -> bool:
    return a.get("type") == b.get("type")


def content_schema(part: dict, components: dict) -> dict | None:
    content = (part or {}).get("content") or {}
    for media in ("application/json", "multipart/form-data"):
        if media in content:
            return resolve(content[media].get("schema", {}), components)
    return None


def not_null(body: dict) -> dict:
    """An optional body was published as `X | null`; no server has accepted a `null` body since issue 12
    (docs/adr/0061: a write's body is an object or nothing), and the document now says so (docs/adr/0063),
    so an old document's `null` is no promise a client could have relied on."""
    options = [v for v in body.get("anyOf", []) if v != {"type": "null"}]
    return options[0] if "anyOf" in body and len(options) == 1 else body


def contract_problems(old_doc: dict, new_doc: dict) -> list[str]:
    old_components = old_doc.get("components", {}).get("schemas", {})
    new_components = new_doc.get("components", {}).get("schemas", {})
    problems: list[str] = []
    for path, operations in old_doc["paths"].items():
        for method, old in operations.items():
            where = f"{method.upper()} {path}"
            new = new_doc["paths"].get(path, {}).get(method)
            if new is None:
                problems.append(f"{where}: gone")
                continue
            if new.get("operationId") != old.get("operationId"):
                problems.append(f"{where}: operationId {old.get('operationId')} → {new.get('operationId')}")
            old_params = {(p["in"], p["name"]): p for p in old.get("parameters", [])}
            new_params = {(p["in"], p["name"]): p for p in new.get("parameters", [])}
            for key, param in old_params.items():
                if key not in new_params:
                    problems.append(f"{where}: parameter {key[1]} ({key[0]}) gone")
                    continue
                if new_params[key].get("required") and not param.get("required"):
                    problems.append(f"{where}: parameter {key[1]} now required")
                accepts_all_of(resolve(new_params[key].get("schema", {}), new_components),
                               resolve(param.get("schema", {}), old_components), f"{where} ?{key[1]}", problems)
            for key, param in new_params.items():
                if key not in old_params and param.get("required"):
                    problems.append(f"{where}: new required parameter {key[1]}")
            old_body = content_schema(old.get("requestBody"), old_components)
            new_body = content_schema(new.get("requestBody"), new_components)
            if old_body is not None:
                if new_body is None:
                    problems.append(f"{where}: request body no longer accepted")
                else:
                    accepts_all_of(new_body, not_null(old_body), f"{where} body", problems)
            for status, response in old.get("responses", {}).items():
                if status not in new.get("responses", {}):
                    problems.append(f"{where}: response {status} gone")
                    continue
                old_answer = content_schema(response, old_components)
                if old_answer is None:
                    continue  # an untyped answer may become typed
                new_answer = content_schema(new["responses"][status], new_components)
                if new_answer is None:
                    problems.append(f"{where}: response {status} no longer typed")
                else:
                    promises_all_of(new_answer, old_answer, f"{where} → {status}", problems)
    return problems


@pytest.fixture(scope="module")
def current_document(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return json.loads(response.content)


@pytest.mark.parametrize("contract", sorted(p.name for p in CONTRACTS.glob("openapi-*.json")))
def test_every_operation_of_a_published_document_still_works_as_documented(contract, current_document):
    old = json.loads((CONTRACTS / contract).read_text(encoding="utf-8"))
    problems = contract_problems(old, current_document)
    assert not problems, "\n".join(problems)


def test_the_check_catches_what_would_break_a_client():
    """The checker itself: a renamed path, a removed answer field, a new required input all fail."""
    old = json.loads((CONTRACTS / "openapi-v1-before-layout.json").read_text(encoding="utf-8"))
    assert contract_problems(old, old) == []
    broken = json.loads(json.dumps(old))
    broken["paths"]["/api/v1/sheep"] = broken["paths"].pop("/api/v1/ping")
    ping = broken["components"]["schemas"]["PingOut"]
    del ping["properties"]["server_time"]
    ping["required"].remove("server_time")
    run_in = broken["components"]["schemas"]["RunIn"]
    run_in["required"].append("scan_id")
    broken["paths"]["/api/v1/runs/{run_id}"]["get"]["operationId"] = "practice_api_get_run"
    problems = "\n".join(contract_problems(old, broken))
    assert "GET /api/v1/ping: gone" in problems
    assert "now requires ['scan_id']" in problems
    assert "operationId workorders_api_get_run → practice_api_get_run" in problems
    problems = "\n".join(contract_problems(old, {**broken, "paths": {**broken["paths"], "/api/v1/ping":
                                                                     old["paths"]["/api/v1/ping"]}}))
    assert "server_time: no longer given" in problems
