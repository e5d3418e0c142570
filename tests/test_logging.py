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
    assert WechatIdentity.objects.filter(openid="log-check").exists()
    session_key = fake_wechat.state.session_keys["log-check"]
    text = caplog.text
    assert token not in text and session_key not in text and "13912345678" not in text


def _plain_handler():
    import io

    from backend.logs import PlainFormatter, RedactSecretsFilter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(PlainFormatter("%(levelname)s %(name)s %(message)s"))
    return stream, handler, RedactSecretsFilter


def test_plain_format_redacts_tracebacks_and_stacks():
    stream, handler, _ = _plain_handler()
    logger = logging.getLogger("tests.plain-traceback")
    logger.addHandler(handler)
    try:
        try:
            raise RuntimeError("access_token=AT-secret-123 for 13912345678")
        except RuntimeError:
            logger.exception("failed")
        logger.warning("stack", stack_info=True)
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert "RuntimeError" in text and "139****5678" in text
    assert "AT-secret-123" not in text and "13912345678" not in text


def test_json_format_redacts_tracebacks():
    import json

    from backend.logs import JsonFormatter

    try:
        raise ValueError('{"session_key": "SK-very-secret=="}')
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", None, sys.exc_info())
    entry = json.loads(JsonFormatter().format(record))
    assert "SK-very-secret" not in entry["exc"] and "ValueError" in entry["exc"]


def test_every_logger_is_redacted_even_with_a_foreign_handler():
    """A handler that Django's LOGGING did not configure (uvicorn's, a library's) still gets clean
    records: redaction happens when the record is made."""
    import io

    from backend.logs import install

    install()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("uvicorn.tests-foreign")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        # uvicorn's websocket line, its access line (a formatter that reads the args) and ninja's auth error
        logger.info('%s - "WebSocket %s" [accepted]', "127.0.0.1:5000", "/ws/notifications/?token=TOK-abcdef123")
        logger.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/x?token=TOK-abcdef456&a=1", "1.1", 200)
        logger.error("Unexpected auth - 'Token TOK-abcdef789'")
        logger.info("%s", "Sec-WebSocket-Protocol: bearer, TOK-abcdef000")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert "TOK-" not in text
    assert "/ws/notifications/?token=[redacted]" in text and "&a=1" in text and " 200" in text


def test_ninja_logs_no_token_on_an_unexpected_scheme(api, make_user, caplog):
    caplog.set_level(logging.DEBUG)
    client = api.as_user(make_user())
    response = api.get("me", headers={"Authorization": f"Token {client.token}"})
    assert response.status_code == 401
    assert client.token not in caplog.text
