"""The HTTP contract, checked over every operation of the OpenAPI document (not a sample): bodies that are
not JSON objects, absurd numbers, lax types, escaped Chinese and raw field paths (issue 12)."""

from __future__ import annotations

import json
import re
import typing

import pytest
from django.core.management import call_command
from pydantic import TypeAdapter, ValidationError

from accounts.models import Role
from backend.api import api as ninja_api
from miniprogram_api.schemas import ID_MAX, Bool, Date, DateTime, Id, Int, Limit
from tests.conftest import ApiClient, assert_error
from tests.practice import practice  # noqa: F401 - shared fixture

WRITES = {"post", "put", "patch", "delete"}
NOT_OBJECTS = [b"[null,null]", b'"x"', b"1", b"null", b"true", b"[]"]


def body_not_object(response) -> bool:
    body = assert_error(response, 422, "validation_error")
    assert body["detail"] == [{"field": "body", "type": "body_not_object", "message": "应为 JSON 对象"}], body
    return True


def operations():
    schema = ninja_api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def fill(path: str, value: str = "1") -> str:
    return re.sub(r"\{[^}]+\}", value, path)


@pytest.fixture
def admin(org, make_user) -> ApiClient:
    return ApiClient().as_user(make_user("管理员", roles=[(Role.ADMIN, org.bureau)], unit=org.bureau))


def test_every_write_refuses_a_body_that_is_not_a_json_object(admin):
    """`[null,null]` to POST /notifications/read marked every notification read, `"x"` to rotate-code
    rotated the code: each write, whatever its declared body, refuses them before acting."""
    writes = [(path, method) for path, methods in ninja_api.get_openapi_schema()["paths"].items()
              for method in methods if method in WRITES]
    assert len(writes) > 40
    for path, method in writes:
        for body in NOT_OBJECTS:
            response = admin.raw(method.upper(), fill(path), body)
            assert body_not_object(response)
        assert_error(admin.raw(method.upper(), fill(path), b"{not json"), 400, "malformed_json")


def test_a_non_object_body_changes_nothing(practice):  # noqa: F811 - the shared fixture
    from notifications.models import Notification
    from notifications.services import notify

    notify(recipients=[practice.leader], kind="test", title="测试通知", body="正文", dedupe_key="contract:1")
    leader = practice.client(practice.leader)
    assert body_not_object(leader.raw("POST", "notifications/read", b"[null,null]"))
    assert Notification.objects.filter(recipient=practice.leader, read_at__isnull=True).count() == 1
    code = practice.code
    assert body_not_object(leader.raw("POST", f"points/{practice.point.pk}/rotate-code", b'"x"'))
    assert leader.get(f"points/{practice.point.pk}").json()["qr_code"] == code
    # an empty body and an object still work
    assert leader.raw("POST", f"points/{practice.point.pk}/rotate-code", b"").status_code == 200


def test_every_integer_parameter_and_body_field_is_bounded():
    """Ids and pages beyond a 64-bit integer answered 500 (OverflowError) or a 422 naming nothing."""
    schema = ninja_api.get_openapi_schema()
    components = schema["components"]["schemas"]
    unbounded = set()

    def walk(node, where, seen=()):
        if not isinstance(node, dict):
            return
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                walk(components[name], f"{where}>{name}", (*seen, name))
            return
        if node.get("type") == "integer" and "maximum" not in node:
            unbounded.add(where)
        for key in ("anyOf", "allOf", "oneOf"):
            for sub in node.get(key, []):
                walk(sub, where, seen)
        for name, sub in node.get("properties", {}).items():
            walk(sub, f"{where}.{name}", seen)
        walk(node.get("items"), f"{where}[]", seen)

    for path, method, operation in operations():
        for parameter in operation.get("parameters", []):
            walk(parameter.get("schema"), f"{method} {path} {parameter['name']}")
        for content in operation.get("requestBody", {}).get("content", {}).values():
            walk(content.get("schema"), f"{method} {path} body")
    assert sorted(unbounded) == []


def test_huge_ids_and_offsets_are_a_422_naming_the_field(admin):
    checked = 0
    for path, method, operation in operations():
        integers = [p for p in operation.get("parameters", [])
                    if any(s.get("type") == "integer" for s in [p["schema"], *p["schema"].get("anyOf", [])])]
        for parameter in integers:
            name = parameter["name"]
            url = fill(path, "1")
            if parameter["in"] == "path":
                url = path.replace("{" + name + "}", str(ID_MAX + 1))
                url = fill(url, "1")
                query = {}
            else:
                query = {name: str(10**20)}
            if method != "get":
                response = admin.raw(method.upper(), url + ("?" + f"{name}={10**20}" if query else ""), b"{}")
            else:
                response = admin.get(url, query)
            body = assert_error(response, 422, "validation_error")
            assert name in [d["field"] for d in body["detail"]], (method, path, body)
            assert name in body["message"]
            checked += 1
    assert checked > 60


@pytest.mark.parametrize("adapter, good, bad", [
    (Bool, [True, False, "true", "false"], [0, 1, "0", "1", "yes", None, 0.0]),
    (Date, ["2026-03-01"], [0, "0", 20260301, "20260301", "2026-03-01T08:00:00"]),
    (DateTime, ["2026-03-01T09:30:00+08:00", "2026-03-01"], [0, "0", 1772328600, "1772328600"]),
    # pydantic's lax int read `true` as 1: `{"entry_id": true}` named entry 1, `"backups": false` was 0
    (Id, [1, "7", ID_MAX], [True, False, 0, ID_MAX + 1]),
    (Int, [0, 3, "3"], [True, False]),
    (Limit, [1, "100"], [True, 0, 101]),
])
def test_strict_types_refuse_numbers_for_booleans_and_dates(adapter, good, bad):
    checker = TypeAdapter(adapter)
    for value in good:
        checker.validate_python(value)
    for value in bad:
        with pytest.raises(ValidationError):
            checker.validate_python(value)


def test_a_boolean_for_an_integer_is_refused_over_http(admin):
    body = assert_error(admin.post("experts/draws", {"purpose": "抽取", "count": 1, "backups": False}), 422,
                        "validation_error")
    assert body["detail"][0]["field"] == "backups" and body["detail"][0]["message"] == "应为整数"
    assert_error(admin.post("notifications/read", {"ids": [True]}), 422, "validation_error")
    body = assert_error(admin.post("workorders/1/confirm", {"rating": True}), 422, "validation_error")
    assert body["detail"][0]["field"] == "rating" and body["detail"][0]["message"] == "应为整数"


def body_models():
    """Every pydantic model a request body is read into (nested ones included), with where it is used."""
    from pydantic import BaseModel

    found: dict[type, str] = {}

    def nested(annotation):
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield annotation
        for arg in typing.get_args(annotation):
            yield from nested(arg)

    def walk(model, where):
        if model in found:
            return
        found[model] = where
        for name, field in model.model_fields.items():
            for sub in nested(field.annotation):
                walk(sub, f"{where}.{name}")

    for prefix, router in ninja_api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                for params in operation.models:
                    for name, field in params.model_fields.items():
                        for sub in nested(field.annotation):
                            walk(sub, f"{prefix}{path} {name}")
    return found


def test_no_body_field_reads_a_boolean_as_an_integer():
    """pydantic's lax int takes `true` for 1 in every plain `int` field (`{"rating": true}` rated an order 1):
    every integer a body carries, however nested (`list[...]`, `... | None`), is Id, Int, Offset or Limit
    (which refuse booleans) or strict."""
    from pydantic import Strict

    def guarded(metadata) -> bool:
        return any(isinstance(m, Strict) or "_not_a_bool" in repr(m) for m in metadata)

    def lax(annotation, metadata=()) -> bool:
        if annotation is int:
            return not guarded(metadata)
        if typing.get_origin(annotation) is typing.Annotated:
            base, *extra = typing.get_args(annotation)
            return lax(base, [*metadata, *extra])
        return any(lax(arg) for arg in typing.get_args(annotation))

    found = [f"{where} ({model.__name__}.{name})" for model, where in body_models().items()
             for name, field in model.model_fields.items() if lax(field.annotation, field.metadata)]
    assert found == []


def test_date_to_zero_and_integer_false_are_refused_over_http(admin):
    body = assert_error(admin.get("workorders", {"date_to": "0"}), 422, "validation_error")
    assert body["detail"][0]["field"] == "date_to" and body["detail"][0]["message"] == "应为日期（YYYY-MM-DD）"
    assert_error(admin.get("runs", {"mine": "0"}), 422, "validation_error")
    assert admin.get("runs", {"mine": "false"}).status_code == 200
    assert admin.get("workorders", {"date_to": "2026-03-01"}).status_code == 200


def test_validation_messages_are_chinese_and_name_fields_like_the_mini_program(admin):
    body = assert_error(admin.post("notifications/read", {"ids": [1, "x", 0]}), 422, "validation_error")
    fields = {d["field"]: d["message"] for d in body["detail"]}
    assert "ids[1]" in fields and "ids[2]" in fields, fields
    assert fields["ids[2]"] == "数值过小（不能小于 1）"
    assert all(re.search(r"[\u4e00-\u9fff]", m) for m in fields.values())
    assert "ids.1" not in body["message"]


def test_json_answers_are_utf8_without_escapes_everywhere(db, fake_wechat):
    """Every GET without parameters, as the demo admin on the demo data: Chinese as UTF-8, never \\uXXXX."""
    from accounts.services import issue_token
    from fixtures.accounts_demo import demo_user

    call_command("seed_demo", verbosity=0)
    admin = ApiClient(issue_token(user=demo_user("demo-admin"))[0])
    chinese = 0
    for path, method, _operation in operations():
        if method != "get" or "{" in path:
            continue
        response = admin.get(path)
        if not response.get("Content-Type", "").startswith("application/json"):
            continue
        assert b"\\u" not in response.content, path
        chinese += bool(re.search("[\u4e00-\u9fff]", response.content.decode()))
        json.loads(response.content)
    assert chinese > 10
    error = admin.get("runs", {"mine": "0"})
    assert b"\\u" not in error.content and "应为".encode() in error.content


def test_the_openapi_document_is_utf8_without_escapes(db):
    """ninja serves its document with Django's JsonResponse defaults: every Chinese description was
    `\\uXXXX`. It is served in UTF-8 like every other answer, and is the same document."""
    from django.test import Client
    from ninja.responses import NinjaJSONEncoder

    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert b"\\u" not in response.content
    assert "错误（统一格式）".encode() in response.content
    assert json.loads(response.content.decode("utf-8")) == json.loads(
        json.dumps(ninja_api.get_openapi_schema(), cls=NinjaJSONEncoder))


def test_every_operation_declares_its_answers_errors_included():
    """17 of the 20 contest endpoints declared no response: a schema fuzzer could check nothing. Every
    operation declares a typed 2xx (JSON with a schema, or a named file type) and the shared Error."""
    missing = []
    for path, method, operation in operations():
        responses = operation.get("responses", {})
        ok = {status: r for status, r in responses.items() if str(status).startswith("2")}
        typed = ok and all(
            any(media != "application/json" or content.get("schema") for media, content in
                r.get("content", {}).items()) for r in ok.values())
        errors = all(responses.get(s, {}).get("content", {}).get("application/json", {}).get("schema", {})
                     .get("$ref") == "#/components/schemas/Error" for s in ("4XX", "5XX"))
        if not (typed and errors):
            missing.append(f"{method.upper()} {path}: {sorted(responses)}")
    assert missing == []


def test_the_document_admits_only_bodies_and_numbers_the_server_reads():
    """Found by the fuzz (tests/test_fuzz_api.py): optional bodies were published as `X | null` while every
    write refuses a `null` body, and a Decimal as `number | any string`, so `""` passed the schema and got
    `decimal_parsing`. Optional bodies are published as the object, not required; a Decimal's string form
    carries the pattern of a number."""
    import re as regex

    from miniprogram_api.ninja_api import DECIMAL_PATTERN

    document = ninja_api.get_openapi_schema()
    for path, method, operation in operations():
        for content in operation.get("requestBody", {}).get("content", {}).values():
            assert {"type": "null"} not in content["schema"].get("anyOf", []), (method, path)
    strings = []

    def walk(node):
        if isinstance(node, dict):
            options = node.get("anyOf") or []
            if any(isinstance(o, dict) and o.get("type") == "number" for o in options):
                strings.extend(o for o in options if isinstance(o, dict) and o.get("type") == "string")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    assert strings and all(o.get("pattern") == DECIMAL_PATTERN for o in strings)
    assert all(regex.match(DECIMAL_PATTERN, v) for v in ("12.5", "-3", "1e2", ".5"))
    assert not any(regex.match(DECIMAL_PATTERN, v) for v in ("", " ", "选手", "1.2.3", "NaN"))
