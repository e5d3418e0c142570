"""Secrets never reach the logs: tokens, session keys and phones are redacted by the log filter."""

import logging

from backend.logs import RedactSecretsFilter, redact


def test_redaction_patterns():
    assert redact("Authorization: Bearer abc.DEF-123") == "Authorization: Bearer [redacted]"
    assert "abcdef" not in redact('{"session_key": "abcdef==", "openid": "o1"}')
    assert redact("phone 13912345678 bound") == "phone 139****5678 bound"
    assert redact("access_token=fake-at-xyz&x=1").startswith("access_token=[redacted]")


def test_filter_rewrites_records_with_args():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "user %s phone %s", ("wang", "13800138000"), None)
    RedactSecretsFilter().filter(record)
    assert record.getMessage() == "user wang phone 138****8000"


def test_login_and_phone_binding_log_no_secrets(api, fake_wechat, caplog):
    from accounts.models import WechatIdentity

    caplog.set_level(logging.DEBUG)
    token = api.post("auth/wechat-login", {"code": "log-check"}).json()["token"]
    api.__class__(token).post("auth/phone", {"code": "phone-13912345678"})
    api.post("auth/wechat-login", {"code": "invalid"})
    session_key = WechatIdentity.objects.get(openid="log-check").session_key
    text = caplog.text
    assert token not in text and session_key not in text and "13912345678" not in text
