"""Shared fixtures: the fake WeChat server, an org tree, users with roles, an API client, Redis."""

from __future__ import annotations

import json
import os
import re
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client

from wechat.fake import FakeWeChatServer

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def pytest_report_header(config):
    engine = django_settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    redis = "redis" if django_settings.REDIS_URL else "NO REDIS (cross-process tests will skip)"
    return [f"shixun: database={engine}, cache/channels={redis}, REQUIRE_SERVICES={int(REQUIRE_SERVICES)}"]


def pytest_sessionstart(session):
    from tests.realtime.frames import install

    install()  # every websocket frame a test receives is checked against the published schema
    # Production settings (DATABASE_URL) serve static files from collectstatic's manifest; the suite renders
    # admin pages without running collectstatic, so it reads them from the apps as the demo does.
    django_settings.STORAGES = {**django_settings.STORAGES,
                                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    if REQUIRE_SERVICES:
        if "postgresql" not in django_settings.DATABASES["default"]["ENGINE"]:
            raise pytest.UsageError("REQUIRE_SERVICES=1 but DATABASE_URL is not PostgreSQL")
        if not django_settings.REDIS_URL:
            raise pytest.UsageError("REQUIRE_SERVICES=1 but REDIS_URL is not set")


@pytest.fixture(scope="session", autouse=True)
def _release_stray_connections(django_db_setup, django_db_blocker):
    """Connections opened by asgiref executor threads (async tests) outlive their threads; end them so
    that the test database can be dropped at the end of the session."""
    yield
    if "postgresql" not in django_settings.DATABASES["default"]["ENGINE"]:
        return
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    connection.close()


def require_redis() -> str:
    """The Redis URL, or a loud skip (a failure when REQUIRE_SERVICES=1)."""
    url = django_settings.REDIS_URL
    if not url:
        message = "needs a live Redis: set REDIS_URL (this test is SKIPPED without it)"
        if REQUIRE_SERVICES:
            pytest.fail("REQUIRE_SERVICES=1: " + message)
        pytest.skip(message)
    return url


def is_postgres() -> bool:
    return "postgresql" in django_settings.DATABASES["default"]["ENGINE"]


@pytest.fixture
def postgres(transactional_db):
    """For tests of real concurrency (row locks, unique-index races): SQLite serialises writers, so
    these only mean something on PostgreSQL, which CI always provides."""
    if not is_postgres():
        message = "needs PostgreSQL (real concurrency or an outage): set DATABASE_URL (SKIPPED on SQLite)"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def redis_url() -> str:
    return require_redis()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path_factory):
    # Uploaded (and demo) photos and lesson files go to temporary folders, never into the working tree.
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    settings.PRIVATE_MEDIA_ROOT = tmp_path_factory.mktemp("private")


@pytest.fixture(autouse=True)
def _clean_cache():
    _clear_cache()
    yield
    _clear_cache()


def _clear_cache() -> None:
    if django_settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(django_settings.REDIS_URL)
        try:
            keys = list(client.scan_iter(f"{django_settings.REDIS_KEY_PREFIX}:*", count=500))
            if keys:
                client.delete(*keys)
        finally:
            client.close()
    else:
        cache.clear()


@pytest.fixture(scope="session")
def _fake_wechat_server():
    with FakeWeChatServer(appid=django_settings.WECHAT_APPID, secret=django_settings.WECHAT_SECRET) as server:
        yield server


@pytest.fixture
def fake_wechat(_fake_wechat_server, settings):
    """The fake WeChat server, reset, with the client pointed at it."""
    _fake_wechat_server.state.reset()
    settings.WECHAT_API_BASE = _fake_wechat_server.url
    settings.WECHAT_READ_TIMEOUT = 2
    return _fake_wechat_server


@pytest.fixture(autouse=True)
def _no_real_wechat(settings):
    # A test that forgets the fake_wechat fixture must never reach api.weixin.qq.com.
    settings.WECHAT_API_BASE = "http://127.0.0.1:9"


@pytest.fixture
def org(db):
    from accounts.models import OrgUnit
    from accounts.services import ensure_org_unit

    bureau = ensure_org_unit(name="测试管理局", kind=OrgUnit.Kind.BUREAU)
    base = ensure_org_unit(name="测试实训基地", kind=OrgUnit.Kind.BASE, parent=bureau)
    hvac = ensure_org_unit(name="暖通作业技师工作室", kind=OrgUnit.Kind.STUDIO, parent=base)
    bas = ensure_org_unit(name="楼宇自控技师工作室", kind=OrgUnit.Kind.STUDIO, parent=base)
    hvac_team = ensure_org_unit(name="暖通一班", kind=OrgUnit.Kind.TEAM, parent=hvac)
    return type("Org", (), {"bureau": bureau, "base": base, "hvac": hvac, "bas": bas, "hvac_team": hvac_team})


@pytest.fixture
def make_user(db):
    from accounts.models import User
    from accounts.services import grant_role

    counter = {"n": 0}

    def make(name: str = "", roles: list[tuple[str, Any]] = (), unit=None, phone: str = "") -> User:
        counter["n"] += 1
        user = User.objects.create(username=f"user{counter['n']}-{os.urandom(3).hex()}",
                                   display_name=name or f"测试用户{counter['n']}", phone=phone,
                                   primary_org_unit=unit)
        for role, org_unit in roles:
            grant_role(user=user, role=role, org_unit=org_unit)
        return user

    return make


class ApiClient:
    """A JSON client for /api/v1 that can act as a user (a real token, through the real auth)."""

    def __init__(self, token: str | None = None):
        self.client = Client()
        self.token = token

    def as_user(self, user) -> ApiClient:
        from accounts.services import issue_token

        token, _ = issue_token(user=user)
        return ApiClient(token)

    def _headers(self, headers: dict | None) -> dict:
        result = {}
        if self.token:
            result["HTTP_AUTHORIZATION"] = f"Bearer {self.token}"
        for key, value in (headers or {}).items():
            result["HTTP_" + key.upper().replace("-", "_")] = value
        return result

    def get(self, path: str, params: dict | None = None, headers: dict | None = None):
        return self.client.get(_url(path), params or {}, **self._headers(headers))

    def post(self, path: str, data: Any = None, headers: dict | None = None):
        body = json.dumps(data if data is not None else {}, default=str)
        return self.client.post(_url(path), body, content_type="application/json", **self._headers(headers))

    def delete(self, path: str, headers: dict | None = None):
        return self.client.delete(_url(path), **self._headers(headers))

    def raw(self, method: str, path: str, body: bytes | str = b"", content_type: str = "application/json",
            headers: dict | None = None):
        return self.client.generic(method, _url(path), body, content_type=content_type, **self._headers(headers))


def _url(path: str) -> str:
    """"me" → /api/v1/me; absolute paths ("/healthz") are used as given."""
    return path if path.startswith("/") else "/api/v1/" + path


CJK = re.compile(r"[\u4e00-\u9fff]")


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The response is the error envelope with this status and code, and a Chinese message."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert set(body) >= {"code", "message", "detail"}, body
    if code is not None:
        assert body["code"] == code, body
    assert CJK.search(body["message"]), body["message"]
    return body


@pytest.fixture
def api(db) -> ApiClient:
    return ApiClient()
