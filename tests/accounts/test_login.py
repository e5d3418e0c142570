"""WeChat login, tokens and phone binding, through the real HTTP client against the fake WeChat."""

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import ApiToken, Role, User, WechatIdentity
from tests.conftest import assert_error


def login(api, code):
    return api.post("auth/wechat-login", {"code": code})


def test_first_login_creates_the_user_and_the_token_works(api, fake_wechat):
    response = login(api, "wx-openid-001")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["is_new"] is True
    assert set(body) == {"token", "expires_at", "user", "is_new"}
    assert set(body["user"]) >= {"id", "name", "roles"}
    identity = WechatIdentity.objects.get(openid="wx-openid-001")
    assert identity.user_id == body["user"]["id"]
    assert identity.unionid == "union-wx-openid-001"

    me = api.__class__(body["token"]).get("me")
    assert me.status_code == 200
    assert me.json()["id"] == body["user"]["id"]

    again = login(api, "wx-openid-001").json()
    assert again["is_new"] is False
    assert again["user"]["id"] == body["user"]["id"]
    assert again["token"] != body["token"]
    assert User.objects.count() == 1


def test_login_returns_the_roles_and_never_the_session_key(api, fake_wechat, org, make_user):
    user = make_user("王德明", roles=[(Role.MASTER, org.hvac), (Role.WORKER, org.hvac)])
    from django.conf import settings

    WechatIdentity.objects.create(user=user, appid=settings.WECHAT_APPID, openid="wang")
    response = login(api, "wang")
    body = response.json()
    assert body["is_new"] is False
    assert {(r["role"], r["org_unit_id"]) for r in body["user"]["roles"]} == {
        ("master", org.hvac.id), ("worker", org.hvac.id)}
    assert WechatIdentity.objects.filter(openid="wang").exists()
    session_key = fake_wechat.state.session_keys["wang"]
    assert session_key and session_key not in response.content.decode()
    me = api.__class__(body["token"]).get("me")
    assert session_key not in me.content.decode()


def test_token_is_stored_hashed(api, fake_wechat):
    token = login(api, "hash-check").json()["token"]
    stored = ApiToken.objects.get()
    assert stored.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored.key_hash


@pytest.mark.parametrize(
    ("code", "status", "error_code"),
    [
        ("invalid", 401, "invalid_code"),
        ("ratelimited", 429, "wechat_rate_limited"),
        ("risky", 403, "wechat_user_blocked"),
        ("busy", 503, "wechat_unavailable"),
    ],
)
def test_wechat_errors_map_to_clear_errors(api, fake_wechat, code, status, error_code):
    response = login(api, code)
    assert_error(response, status, error_code)
    assert not User.objects.exists()
    if status == 429:
        assert response["Retry-After"]


def test_busy_wechat_is_retried_once(api, fake_wechat):
    login(api, "busy")
    assert fake_wechat.state.calls["jscode2session"] == 2


def test_wechat_down_is_503_after_one_retry(api, fake_wechat):
    fake_wechat.state.down = True
    response = login(api, "someone")
    assert response.status_code == 503
    assert response.json()["code"] == "wechat_unavailable"
    assert fake_wechat.state.calls["jscode2session"] == 2


def test_wechat_timeout_is_bounded_and_503(api, fake_wechat, settings):
    settings.WECHAT_READ_TIMEOUT = 0.2
    fake_wechat.state.slow_seconds = 1
    response = login(api, "slow")
    assert response.status_code == 503
    assert response.json()["code"] == "wechat_unavailable"
    assert fake_wechat.state.calls["jscode2session"] == 2  # one retry, then give up


def test_wechat_unreachable_is_503(api, settings):
    settings.WECHAT_API_BASE = "http://127.0.0.1:9"  # nothing listens on the discard port
    response = login(api, "anyone")
    assert response.status_code == 503
    assert response.json()["code"] == "wechat_unavailable"


def test_empty_or_missing_code_is_422_naming_the_field(api, fake_wechat):
    for body in ({}, {"code": ""}, {"code": 5}):
        response = api.post("auth/wechat-login", body)
        assert response.status_code == 422
        assert response.json()["code"] == "validation_error"
        assert response.json()["detail"][0]["field"] == "code"


def test_missing_tampered_and_wrong_scheme_tokens_are_refused(api, fake_wechat):
    token = login(api, "tamper").json()["token"]
    assert api.get("me").status_code == 401
    assert api.get("me").json()["code"] == "unauthorized"
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    response = api.__class__(tampered).get("me")
    assert response.status_code == 401 and response.json()["code"] == "invalid_token"
    response = api.get("me", headers={"Authorization": f"Token {token}"})
    assert response.status_code == 401


def test_expired_token_is_refused(api, fake_wechat):
    token = login(api, "expiry").json()["token"]
    client = api.__class__(token)
    assert client.get("me").status_code == 200
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get("me")
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"


def test_logout_revokes_only_that_token(api, fake_wechat):
    first = api.__class__(login(api, "revoke").json()["token"])
    second = api.__class__(login(api, "revoke").json()["token"])
    assert first.post("auth/logout").status_code == 200
    response = first.get("me")
    assert response.status_code == 401 and response.json()["code"] == "token_revoked"
    assert second.get("me").status_code == 200


def test_disabled_user_cannot_use_a_token(api, fake_wechat):
    client = api.__class__(login(api, "disabled").json()["token"])
    User.objects.update(is_active=False)
    assert client.get("me").status_code == 403


def test_bind_phone_uses_the_access_token_and_each_code_once(api, fake_wechat):
    client = api.__class__(login(api, "phone-user").json()["token"])
    response = client.post("auth/phone", {"code": "phone-13912345678"})
    assert response.status_code == 200
    assert response.json() == {"phone": "13912345678"}
    assert client.get("me").json()["phone"] == "13912345678"  # the owner sees it in full
    assert fake_wechat.state.calls["stable_token"] == 1
    reused = client.post("auth/phone", {"code": "phone-13912345678"})
    assert reused.status_code == 400
    assert reused.json()["code"] == "invalid_phone_code"


def test_bind_phone_while_wechat_is_down_is_503(api, fake_wechat):
    client = api.__class__(login(api, "phone-down").json()["token"])
    fake_wechat.state.down = True
    response = client.post("auth/phone", {"code": "phone-13912345678"})
    assert response.status_code == 503
    assert response.json()["code"] == "wechat_unavailable"


def test_concurrent_first_logins_create_one_user(fake_wechat, postgres):
    from concurrent.futures import ThreadPoolExecutor

    from accounts.services import login_with_wechat

    def go(_):
        from django.db import connection

        try:
            return login_with_wechat(code="race").user.pk
        finally:
            connection.close()

    with ThreadPoolExecutor(4) as pool:
        ids = set(pool.map(go, range(4)))
    assert len(ids) == 1
    assert WechatIdentity.objects.filter(openid="race").count() == 1
