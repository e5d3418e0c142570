"""schemathesis against /api/v1/openapi.json, on the demo data, as an anonymous caller and as the demo's
person of every role (the permission matrix's roles): no 5xx, every answer as documented (all of
schemathesis's checks), and no write accepts a body that is not a JSON object.

Two parts, both bounded for CI (2 cores; the file takes about two minutes):
- stateless: every operation, a few generated requests each, every one sent as every caller;
- stateful: schemathesis's state machine follows the OpenAPI links the document publishes
  (miniprogram_api/openapi_links.py: a create's `id` → the reads and transitions of that record), so
  requests reach records that exist instead of 404s; one run per caller, each scenario rolled back.

The demo is seeded once for the module inside a transaction that is rolled back at its end; every test
(and every caller's request within a test) runs in a savepoint of it, so no caller sees another's writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.db import transaction
from django.test import Client, override_settings
from hypothesis import HealthCheck, Phase, settings

from accounts.models import Role


def load_schema():
    # Logging out ends the caller's session and would make the rest of a run meaningless (tested elsewhere).
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application()).exclude(
        method="POST", path="/api/v1/auth/logout")
    # A request the schema allows may still be refused for a reason JSON Schema cannot say (a date range
    # longer than a year, a contest not open yet, a PNG sent as the lesson's video): a 4xx with its own
    # code. What it must not get is a refusal to read it (`schema_valid_passes_validation` below).
    loaded.config.checks.positive_data_acceptance.expected_statuses = [
        "2xx", "3xx", "400", "401", "403", "404", "409", "410", "413", "415", "422", "429"]
    return loaded


# Every caller: generated requests only (the coverage phase's boundary values, dozens per operation,
# times thirteen callers would take a quarter of an hour).
schema = load_schema()
schema.config.phases.coverage.enabled = False
# The coverage phase (every boundary of every parameter, bodies of the wrong type …) once, as the admin,
# who gets past authorisation on every operation.
boundaries = load_schema()

# The demo's person for each role of the permission matrix (tests/test_permission_matrix.py ROLES).
CALLERS = {
    "anonymous": None,
    "requester": "demo-requester",
    Role.WORKER: "demo-worker-chen",
    Role.APPRENTICE: "demo-apprentice-li",
    Role.MASTER: "demo-master-wang",
    Role.WORKSHOP_LEADER: "demo-leader-hvac",
    Role.DISPATCHER: "demo-dispatcher",
    Role.JUDGE: "demo-judge-3",
    Role.CHIEF_JUDGE: "demo-chief-judge",
    Role.ARBITRATOR: "demo-arbitrator",
    Role.TRAINER: "demo-trainer",
    Role.SUPERVISOR: "demo-supervisor",
    Role.ADMIN: "demo-admin",
}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
NOT_OBJECTS = (b"[null,null]", b'"x"')
SUPPRESSED = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much,
              HealthCheck.data_too_large]


@dataclass
class Demo:
    tokens: dict[str, str | None]
    media: str
    private: str
    refused_bodies: set = field(default_factory=set)  # (method, path template, caller) already checked


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, _fake_wechat_server, tmp_path_factory):
    from accounts.services import issue_token
    from fixtures.accounts_demo import demo_user

    media, private = str(tmp_path_factory.mktemp("fuzz-media")), str(tmp_path_factory.mktemp("fuzz-private"))
    with django_db_blocker.unblock(), override_settings(WECHAT_API_BASE=_fake_wechat_server.url,
                                                        MEDIA_ROOT=media, PRIVATE_MEDIA_ROOT=private):
        with transaction.atomic():
            call_command("seed_demo", verbosity=0)
            tokens = {caller: issue_token(user=demo_user(openid))[0] if openid else None
                      for caller, openid in CALLERS.items()}
            yield Demo(tokens, media, private)
            transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _fuzz_settings(db, monkeypatch, settings, demo, fake_wechat):
    """Django closes the connection at the end of each WSGI request; in-process calls share the test's
    connection (and its transaction), so keep it open as Django's own test client does. Disconnecting
    `close_old_connections` from the request signals is not enough: every use of Django's test Client
    (the non-object-body check below) connects it again when its request ends, so the closing itself is
    switched off for the test."""
    from django.db.backends.base.base import BaseDatabaseWrapper

    monkeypatch.setattr(BaseDatabaseWrapper, "close_if_unusable_or_obsolete", lambda self: None)
    settings.RATE_LIMITS = {key: "1000000/60" for key in settings.RATE_LIMITS}
    settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT = demo.media, demo.private
    # A login the fuzz did not generate, so that at least one session_key is known to look for.
    assert Client().post("/api/v1/auth/wechat-login", {"code": "fuzz-login"},
                         content_type="application/json").status_code == 200


def schema_valid_passes_validation(ctx, response, case):
    """A request generated from the schema (positive mode) is never refused as unparseable: a value of the
    wrong type or that cannot be read (`decimal_parsing`, `int_type`, `body_not_object` …) means the
    published schema admits what the server cannot read. Rules between fields or beyond the schema (both
    coordinates or neither, a value over a bound the string form of a number does not carry) stay 422s."""
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code != 422:
        return None
    body = response.json()
    details = [d for d in body.get("detail") or [] if isinstance(d, dict)]
    unreadable = [d for d in details
                  if str(d.get("type", "")).endswith(("_parsing", "_type")) or d.get("type") == "body_not_object"]
    # only when nothing else is wrong: the coverage phase marks a case positive when one part is valid
    if body.get("code") == "validation_error" and unreadable and len(unreadable) == len(details):
        raise AssertionError(f"schema-valid request refused as unreadable: {body}")
    return None


def headers_of(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def assert_no_session_key(response, fake_wechat) -> None:
    """WeChat's session_key is never stored nor shown (docs/adr/0086): none the fake server handed out
    (the fuzz's own logins included) appears in any answer."""
    keys = list(fake_wechat.state.session_keys.values())
    assert keys, "no login happened: the check would be vacuous"
    leaked = [key for key in keys if key.encode() in response.content]
    assert not leaked, (response.request.method, response.request.url)


def assert_refuses_non_objects(demo: Demo, case, caller: str) -> None:
    """The same operation and path with a body that is not a JSON object is refused, whatever the caller."""
    method = case.method.upper()
    if method not in WRITES or (method, case.path, caller) in demo.refused_bodies:
        return
    demo.refused_bodies.add((method, case.path, caller))
    token = demo.tokens[caller]
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    for body in NOT_OBJECTS:
        refused = Client().generic(method, case.formatted_path, body, content_type="application/json", **extra)
        assert refused.status_code == 422, (case.formatted_path, body, refused.content)
        assert refused.json()["detail"][0]["type"] == "body_not_object", refused.content


def call_as(case, demo: Demo, caller: str, fake_wechat):
    """One caller's request, checked, in a savepoint rolled back afterwards."""
    headers = headers_of(demo.tokens[caller])
    with transaction.atomic():
        response = case.call(headers=headers)
        case.validate_response(response, headers=headers,  # every check schemathesis has, and ours
                               additional_checks=[schema_valid_passes_validation])
        assert_no_session_key(response, fake_wechat)
        assert_refuses_non_objects(demo, case, caller)
        transaction.set_rollback(True)
    return response


def test_every_role_of_the_permission_matrix_is_played_by_a_demo_person():
    from tests.test_permission_matrix import ROLES

    assert set(CALLERS) == {"anonymous", *ROLES}


@schema.parametrize()
@settings(max_examples=2, deadline=None, derandomize=True, suppress_health_check=SUPPRESSED,
          phases=[Phase.explicit, Phase.generate])
def test_every_operation_as_every_role(case, demo, fake_wechat):
    for caller in CALLERS:
        call_as(case, demo, caller, fake_wechat)


@boundaries.parametrize()
@settings(max_examples=1, deadline=None, derandomize=True, suppress_health_check=SUPPRESSED,
          phases=[Phase.explicit, Phase.generate])
def test_every_operation_at_its_boundaries(case, demo, fake_wechat):
    call_as(case, demo, Role.ADMIN, fake_wechat)


def machine_for(caller: str, demo: Demo, fake_wechat):
    base = schema.as_state_machine()

    class CallerStateMachine(base):  # type: ignore[misc, valid-type]
        def setup(self):
            self._scenario = transaction.atomic()
            self._scenario.__enter__()

        def teardown(self):
            transaction.set_rollback(True)
            self._scenario.__exit__(None, None, None)

        def get_call_kwargs(self, case):
            return {"headers": headers_of(demo.tokens[caller])}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            # `headers` tells the auth checks that the token is ours, not generated (else "ignored auth")
            case.validate_response(response, headers=headers_of(demo.tokens[caller]), transport_kwargs=kwargs,
                                   recorder=self.recorder, additional_checks=[schema_valid_passes_validation])

        def after_call(self, response, case):
            super().after_call(response, case)
            assert_no_session_key(response, fake_wechat)
            assert_refuses_non_objects(demo, case, caller)

    return CallerStateMachine


@pytest.mark.parametrize("caller", list(CALLERS))
def test_linked_calls_as_every_role(caller, demo, fake_wechat):
    machine = machine_for(caller, demo, fake_wechat)
    machine.run(settings=settings(max_examples=6, stateful_step_count=6, deadline=None, derandomize=True,
                                  suppress_health_check=list(HealthCheck), phases=[Phase.generate]))


def test_the_published_links_chain_creates_to_their_records():
    """The document links a create's `id` to the record's read and transitions (what the stateful part
    follows), and every link names an operation and a path parameter of it that exist."""
    document = json.loads(Client().get("/api/v1/openapi.json").content)
    by_id = {op["operationId"]: (path, op) for path, item in document["paths"].items() for op in item.values()}
    created = document["paths"]["/api/v1/workorders"]["post"]["responses"]["201"]["links"]
    assert {by_id[link["operationId"]][0] for link in created.values()} >= {
        "/api/v1/workorders/{order_id}", "/api/v1/workorders/{order_id}/dispatch"}
    assert all(link["parameters"] == {"order_id": "$response.body#/id"} for link in created.values())
    attempt = document["paths"]["/api/v1/exams/{exam_id}/attempts"]["post"]["responses"]["201"]["links"]
    assert by_id[attempt["training_api_attempt_detail"]["operationId"]][0] == "/api/v1/attempts/{attempt_id}"
    count = 0
    for item in document["paths"].values():
        for operation in item.values():
            for response in operation["responses"].values():
                for link in response.get("links", {}).values():
                    path, target = by_id[link["operationId"]]
                    (param, expression), = link["parameters"].items()
                    assert f"{{{param}}}" in path and expression == "$response.body#/id"
                    count += 1
    assert count > 100


def test_every_schema_name_in_the_openapi_document_is_unique():
    """ninja names components after the schema classes: two classes with one name would silently show
    the mini-program team one of them for both endpoints."""
    from ninja import Schema

    from backend.api import api

    seen: dict[str, set[str]] = {}

    def walk(cls):
        for sub in cls.__subclasses__():
            if sub.__module__.split(".")[0] not in {"ninja", "pydantic"}:  # every app (a fixed list missed
                seen.setdefault(sub.__name__, set()).add(sub.__module__)  # evaluations' CampaignIn/Out)
            walk(sub)

    api.get_openapi_schema()  # imports every router's schemas
    walk(Schema)
    assert {name: modules for name, modules in seen.items() if len(modules) > 1} == {}
