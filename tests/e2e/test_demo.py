"""`make run` as a user meets it: the demo runner serves the docs and a demo login works end to end
(real uvicorn, real fake-WeChat process, embedded SQLite)."""

import subprocess
import sys
import time

import pytest
import requests

from .servers import ROOT, free_port, server_env, stop, wait_until_up

pytestmark = [pytest.mark.e2e, pytest.mark.serial]  # migrates and seeds a fresh demo: needs the CPU for its start-up timeout


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
        # Migrating a fresh database and loading every demo takes ~25 s of CPU; on a shared, loaded machine
        # that was 120 s of wall time.
        wait_until_up(f"{base}/healthz", proc, timeout=240)
        docs = requests.get(f"{base}/api/v1/docs", timeout=5)
        assert docs.status_code == 200 and "openapi.json" in docs.text
        login = requests.post(f"{base}/api/v1/auth/wechat-login", json={"code": "demo-master-wang"}, timeout=10)
        assert login.status_code == 200, login.text
        body = login.json()
        assert body["user"]["name"] == "王德明" and body["is_new"] is False
        me = requests.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"}, timeout=5)
        assert me.status_code == 200 and me.json()["id"] == body["user"]["id"]
        assert requests.get(f"{base}/admin/login/", timeout=5).status_code == 200
        dispatch_reaches_the_fake_wechat(base, wechat_port)
        a_lesson_video_plays(base)
    finally:
        stop(proc)
    output = proc.stdout.read()
    assert "/api/v1/docs" in output


def dispatch_reaches_the_fake_wechat(base: str, wechat_port: int) -> None:
    """The demo's subscribe templates are configured and its outbox sender runs: a dispatch made in the
    demo arrives at the fake WeChat as a subscribe message, with no extra step."""
    token = requests.post(f"{base}/api/v1/auth/wechat-login", json={"code": "demo-dispatcher"}, timeout=10).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    pool = requests.get(f"{base}/api/v1/workorders", params={"scope": "all", "state": "submitted", "urgency": "urgent"},
                        headers=headers, timeout=10).json()
    order = next(o for o in pool["items"] if o["category"] and o["category"]["name"] == "空调不制冷")
    wang = requests.post(f"{base}/api/v1/auth/wechat-login", json={"code": "demo-master-wang"}, timeout=10).json()
    dispatched = requests.post(f"{base}/api/v1/workorders/{order['id']}/dispatch", headers=headers, timeout=10,
                               json={"assignee_id": wang["user"]["id"]})
    assert dispatched.status_code == 200, dispatched.text
    deadline = time.time() + 30
    while time.time() < deadline:
        messages = requests.get(f"http://127.0.0.1:{wechat_port}/_fake/state", timeout=5).json()["messages"]
        sent = [m for m in messages if m["template_id"] == "demo-tpl-workorder-dispatch"
                and m["touser"] == "demo-master-wang" and m["data"]["character_string1"]["value"] == order["number"]]
        if sent:
            assert sent[0]["page"] == f"pages/workorder/detail?id={order['id']}"
            return
        time.sleep(0.5)
    raise AssertionError(f"the dispatch of {order['number']} never reached the fake WeChat: {messages[-3:]}")


def a_lesson_video_plays(base: str) -> None:
    """The demo's courses are on the grid, and a lesson video plays and seeks: a signed link, Range 206."""
    token = requests.post(f"{base}/api/v1/auth/wechat-login", json={"code": "demo-apprentice-li"}, timeout=10).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    grid = requests.get(f"{base}/api/v1/courses/matrix", headers=headers, timeout=10).json()
    assert grid["total"] >= 4
    mine = requests.get(f"{base}/api/v1/learning/mine", headers=headers, timeout=10).json()
    resume = next(row["resume"] for row in mine["courses"] if row["course"]["title"] == "公务用车安全驾驶")
    assert resume["title"] == "车辆例行检查（视频）" and resume["position_s"] == "10.0"  # half watched
    response = requests.get(f"{base}/api/v1/lessons/{resume['lesson_id']}/media", headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    link = response.json()
    part = requests.get(link["url"], headers={"Range": "bytes=0-99"}, timeout=10)
    assert part.status_code == 206 and len(part.content) == 100 and part.content[4:8] == b"ftyp"
