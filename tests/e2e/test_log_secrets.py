"""All log output of a real server (plain format, access log on, INFO) after a login, a phone binding,
authenticated and malformed requests and websockets in both token transports: no token, session key,
WeChat access token or phone number appears in it."""

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import requests
from websockets.sync.client import connect

from .servers import ROOT, free_port, live_database_url, server_env, stop, wait_until_up

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_e2e_run_logs_no_secret(fake_wechat):
    from accounts.models import WechatIdentity

    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix=f"logscan-{port}-", suffix=".log", delete=False)
    env = server_env(DATABASE_URL=live_database_url(), LOG_FORMAT="plain", LOG_LEVEL="DEBUG",
                     WECHAT_API_BASE=fake_wechat.url)
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "backend.asgi:application", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "debug"],  # the access log stays on: it is what printed websocket ?token= before
        cwd=ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/healthz", proc)
        login = requests.post(f"{base}/api/v1/auth/wechat-login", json={"code": "logscan-user"}, timeout=10)
        assert login.status_code == 200, login.text
        token = login.json()["token"]
        bearer = {"Authorization": f"Bearer {token}"}
        phone = requests.post(f"{base}/api/v1/auth/phone", json={"code": "phone-13912345678"}, headers=bearer,
                              timeout=10)
        assert phone.status_code == 200, phone.text
        assert requests.get(f"{base}/api/v1/me", headers=bearer, timeout=10).status_code == 200
        # django-ninja logs the whole header of an unexpected scheme
        assert requests.get(f"{base}/api/v1/me", headers={"Authorization": f"Token {token}"},
                            timeout=10).status_code == 401
        assert requests.get(f"{base}/api/v1/me?token={token}", timeout=10).status_code == 401
        with connect(f"ws://127.0.0.1:{port}/ws/notifications/?token={token}", open_timeout=10) as legacy:
            legacy.recv(timeout=10)
        with connect(f"ws://127.0.0.1:{port}/ws/notifications/", subprotocols=["bearer", token],
                     open_timeout=10) as ws:
            assert ws.subprotocol == "bearer"
            ws.recv(timeout=10)
        assert WechatIdentity.objects.filter(openid="logscan-user").exists()
        session_key = fake_wechat.state.session_keys["logscan-user"]
        access_token = fake_wechat.state.current_token
    finally:
        stop(proc)
    text = Path(log.name).read_text(encoding="utf-8", errors="replace")
    assert "WebSocket /ws/notifications/" in text and "/api/v1/me" in text  # the log did record the run
    assert "/ws/notifications/?token=[redacted]" in text
    assert token not in text
    assert session_key and session_key not in text
    assert access_token and access_token not in text
    assert "13912345678" not in text
