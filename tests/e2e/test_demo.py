"""`make run` as a user meets it: the demo runner serves the docs and a demo login works end to end
(real uvicorn, real fake-WeChat process, embedded SQLite)."""

import subprocess
import sys

import pytest
import requests

from .servers import ROOT, free_port, server_env, stop, wait_until_up

pytestmark = pytest.mark.e2e


def test_make_run_serves_docs_and_a_demo_login(tmp_path):
    port, wechat_port = free_port(), free_port()
    env = server_env(DATABASE_URL=f"sqlite:///{tmp_path}/demo.sqlite3", DEBUG="1")
    for key in ("REDIS_URL", "WECHAT_API_BASE"):
        env.pop(key, None)
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "run_demo", "--port", str(port), "--wechat-port", str(wechat_port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/healthz", proc, timeout=90)
        docs = requests.get(f"{base}/api/v1/docs", timeout=5)
        assert docs.status_code == 200 and "openapi.json" in docs.text
        login = requests.post(f"{base}/api/v1/auth/wechat-login", json={"code": "demo-master-wang"}, timeout=10)
        assert login.status_code == 200, login.text
        body = login.json()
        assert body["user"]["name"] == "王德明" and body["is_new"] is False
        me = requests.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"}, timeout=5)
        assert me.status_code == 200 and me.json()["id"] == body["user"]["id"]
        assert requests.get(f"{base}/admin/login/", timeout=5).status_code == 200
    finally:
        stop(proc)
    output = proc.stdout.read()
    assert "/api/v1/docs" in output
