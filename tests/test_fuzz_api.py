"""schemathesis against /api/v1/openapi.json, as an anonymous caller and as each role: no 5xx, and
every response matches the documented schema (error envelope included). Bounded for CI."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import Role, WechatIdentity

SESSION_KEY = "U2Vzc2lvbktleU5ldmVyU2hvd24="

# Logging out ends the caller's session and would make the rest of a run meaningless (tested elsewhere).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application()).exclude(
    method="POST", path="/api/v1/auth/logout")

# Representative callers: nobody, a front-line worker, a leader with a scope, a judge, an admin. The
# permission matrix (every endpoint × every role) lives in its own test; fuzzing every role would only
# multiply the same inputs.
ROLES = ["anonymous", Role.WORKER, Role.WORKSHOP_LEADER, Role.CHIEF_JUDGE, Role.ADMIN, Role.JUDGE,
         Role.APPRENTICE, Role.MASTER, Role.TRAINER]
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture(autouse=True)
def _keep_test_connection(monkeypatch):
    """Django closes the connection at the end of each WSGI request; in-process calls share the test's
    connection (and its transaction), so keep it open as Django's own test client does. Disconnecting
    `close_old_connections` from the request signals is not enough: every use of Django's test Client
    (the non-object-body check below) connects it again when its request ends, so the closing itself is
    switched off for the test."""
    from django.db.backends.base.base import BaseDatabaseWrapper

    monkeypatch.setattr(BaseDatabaseWrapper, "close_if_unusable_or_obsolete", lambda self: None)


@pytest.fixture
def role_token(request, org, make_user):
    role = request.param
    if role == "anonymous":
        return None
    from accounts.services import issue_token

    unit = org.bureau if role == Role.ADMIN else org.hvac
    user = make_user(roles=[(role, unit)], unit=org.hvac)
    # A WeChat identity with a recognisable session key: it must never appear in any answer.
    WechatIdentity.objects.create(user=user, appid="wx-fuzz", openid=f"fuzz-{role}")
    return issue_token(user=user)[0]


@pytest.mark.parametrize("role_token", ROLES, indirect=True)
@schema.parametrize()
@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_api_never_fails_and_matches_its_schema(case, role_token, fake_wechat):
    headers = {"Authorization": f"Bearer {role_token}"} if role_token else {}
    response = case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance,
                                                                status_code_conformance],
                                      excluded_checks=[negative_data_rejection])
    assert SESSION_KEY.encode() not in response.content
    if case.method.upper() in WRITES:
        # the same operation and path with a body that is not a JSON object is refused, whatever the role
        from django.test import Client

        extra = {"HTTP_AUTHORIZATION": headers["Authorization"]} if headers else {}
        refused = Client().generic(case.method.upper(), case.formatted_path, b"[null,null]",
                                   content_type="application/json", **extra)
        assert refused.status_code == 422, refused.content
        assert refused.json()["detail"][0]["type"] == "body_not_object", refused.content


def test_every_schema_name_in_the_openapi_document_is_unique():
    """ninja names components after the schema classes: two classes with one name would silently show
    the mini-program team one of them for both endpoints."""
    from ninja import Schema

    from backend.api import api

    seen: dict[str, set[str]] = {}

    def walk(cls):
        for sub in cls.__subclasses__():
            if sub.__module__.split(".")[0] in {"accounts", "miniprogram_api", "notifications", "standards",
                                                "workorders", "competitions", "apprenticeships", "training", "experts",
                                                "standard_evaluations", "supervision"}:
                seen.setdefault(sub.__name__, set()).add(sub.__module__)
            walk(sub)

    api.get_openapi_schema()  # imports every router's schemas
    walk(Schema)
    assert {name: modules for name, modules in seen.items() if len(modules) > 1} == {}
