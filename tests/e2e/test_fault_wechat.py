"""WeChat unavailable, with real processes: logins through the server answer 503 wechat_unavailable
(and work again when WeChat is back); subscribe messages wait in the outbox while the sender process
keeps retrying, then each goes out exactly once."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import requests

from accounts.models import WechatIdentity
from notifications.models import OutboxMessage
from notifications.services import notify

from .servers import ROOT, free_port, live_database_url, server_env, start_uvicorn, stop

pytestmark = pytest.mark.e2e

TEMPLATES = '{"dispatch": {"template_id": "TPL-DISPATCH", "fields": {"thing1": "title"}}}'


def wait(condition, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_wechat_outage_login_503_and_outbox_delivers_once(fake_wechat, make_user, transactional_db, settings):
    env = server_env(DATABASE_URL=live_database_url(), WECHAT_API_BASE=fake_wechat.url,
                     WECHAT_APPID=fake_wechat.state.appid, WECHAT_SECRET=fake_wechat.state.secret,
                     WECHAT_READ_TIMEOUT="1", OUTBOX_RETRY_BASE_SECONDS="0.3",
                     WECHAT_SUBSCRIBE_TEMPLATES=TEMPLATES, LOG_LEVEL="ERROR")
    port = free_port()
    server = start_uvicorn(port, env)
    sender = subprocess.Popen([sys.executable, "manage.py", "run_outbox", "--interval", "0.1"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        fake_wechat.state.down = True
        response = requests.post(f"{base}/api/v1/auth/wechat-login", json={"code": "outage"}, timeout=15)
        assert response.status_code == 503 and response.json()["code"] == "wechat_unavailable"

        settings.WECHAT_SUBSCRIBE_TEMPLATES = {"dispatch": {"template_id": "TPL-DISPATCH",
                                                            "fields": {"thing1": "title"}}}
        people = []
        for n in range(5):
            user = make_user()
            WechatIdentity.objects.create(user=user, appid=settings.WECHAT_APPID, openid=f"worker-{n}")
            people.append(user)
        notify(recipients=people, kind="dispatch", title="新工单：3号楼空调不制冷", dedupe_key="outage:1")
        assert wait(lambda: OutboxMessage.objects.filter(attempts__gte=2, state="pending").count() == 5, 20)
        assert not fake_wechat.state.messages

        fake_wechat.state.down = False
        assert wait(lambda: OutboxMessage.objects.filter(state="sent").count() == 5, 30)
        time.sleep(1.0)  # the sender keeps polling: nothing may go out a second time
        assert sorted(m["touser"] for m in fake_wechat.state.messages) == [f"worker-{n}" for n in range(5)]
        again = requests.post(f"{base}/api/v1/auth/wechat-login", json={"code": "outage"}, timeout=15)
        assert again.status_code == 200
    finally:
        sender.terminate()
        sender.wait(timeout=10)
        stop(server)
