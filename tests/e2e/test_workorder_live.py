"""Work-order notifications over a real websocket: a dispatcher's API call to a live uvicorn server
reaches the assignee's open socket, and the worker's acceptance reaches the requester's. With Redis
the sockets sit on one server process and the API calls go to another (news crosses processes)."""

from __future__ import annotations

import json
import os
import uuid

import pytest
import requests
from django.conf import settings as django_settings
from websockets.sync.client import connect

from accounts.services import issue_token
from tests.orders import Desk

from .servers import free_port, live_database_url, server_env, start_uvicorn, stop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_desk(transactional_db, org, make_user, api):
    return Desk(org, make_user, api)


@pytest.fixture
def servers(transactional_db):
    """(socket host, API host): two processes sharing Redis when it is configured, else one."""
    extra = {"REDIS_URL": django_settings.REDIS_URL,
             "REDIS_KEY_PREFIX": f"shixun-e2e-{os.getpid()}-{uuid.uuid4().hex[:6]}"} if django_settings.REDIS_URL else {}
    env = server_env(DATABASE_URL=live_database_url(), SECURE_SSL_REDIRECT="0", LOG_LEVEL="WARNING", **extra)
    procs = []
    try:
        for _ in range(2 if extra else 1):
            port = free_port()
            procs.append(start_uvicorn(port, env))
            procs[-1].port = port
        hosts = [f"127.0.0.1:{p.port}" for p in procs]
        yield hosts[0], hosts[-1]
    finally:
        for proc in procs:
            stop(proc)


def frames_until(ws, kind: str, timeout: float = 10) -> dict:
    while True:
        frame = json.loads(ws.recv(timeout=timeout))
        if frame.get("type") == "notification" and frame["kind"] == kind:
            return frame


def test_a_dispatch_reaches_the_assignees_socket(live_desk, servers):
    desk = live_desk
    socket_host, api_host = servers
    order = desk.report(urgency="urgent")
    tokens = {name: issue_token(user=desk.people[name])[0] for name in ("dispatcher", "wang", "requester")}

    def post(name, path, body=None):
        response = requests.post(f"http://{api_host}/api/v1/{path}", json=body or {}, timeout=15,
                                 headers={"Authorization": f"Bearer {tokens[name]}"})
        assert response.status_code == 200, response.text
        return response.json()

    with connect(f"ws://{socket_host}/ws/notifications/?token={tokens['wang']}", open_timeout=10) as wang_ws, \
            connect(f"ws://{socket_host}/ws/notifications/?token={tokens['requester']}", open_timeout=10) as req_ws:
        assert json.loads(wang_ws.recv(timeout=10))["type"] == "hello"
        assert json.loads(req_ws.recv(timeout=10))["type"] == "hello"

        post("dispatcher", f"workorders/{order.pk}/dispatch", {"assignee_id": desk.wang.pk})
        news = frames_until(wang_ws, "workorder_dispatch")
        assert news["title"] == "新工单待接单" and news["data"]["id"] == order.pk
        assert news["data"]["state"] == "dispatched" and order.number in news["body"]

        post("wang", f"workorders/{order.pk}/accept")
        accepted = frames_until(req_ws, "workorder_accept")
        assert accepted["data"] == {"id": order.pk, "number": order.number, "event_id": accepted["data"]["event_id"],
                                    "state": "accepted", "action": "accept"}
        assert "王德明" in accepted["body"]
