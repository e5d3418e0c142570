from tests.conftest import assert_error


def test_login_is_rate_limited_with_retry_after(api, fake_wechat, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": "3/60"}
    for _ in range(3):
        assert api.post("auth/wechat-login", {"code": "limited"}).status_code == 200
    response = api.post("auth/wechat-login", {"code": "limited"})
    body = assert_error(response, 429, "rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert body["detail"]["scope"] == "login"
    assert fake_wechat.state.calls["jscode2session"] == 3  # the refused request never reached WeChat


def test_limits_are_per_client_address_and_not_forgeable(db, fake_wechat, settings):
    from django.test import Client

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": "1/60"}

    def login(addr, forged=None):
        extra = {"REMOTE_ADDR": addr}
        if forged:
            extra["HTTP_X_FORWARDED_FOR"] = forged
        return Client().post("/api/v1/auth/wechat-login", {"code": "a"}, content_type="application/json", **extra)

    assert login("10.0.0.1").status_code == 200
    assert login("10.0.0.2").status_code == 200
    assert login("10.0.0.1").status_code == 429
    assert login("10.0.0.1", forged="1.2.3.4").status_code == 429
