"""Scans through real uvicorn workers sharing PostgreSQL and Redis: the cached answer follows a code
rotation made elsewhere at once, in every worker, and every scan is logged."""

import pytest
import requests

from accounts.models import Role
from accounts.services import issue_token
from practice.models import ScanLog
from standards import services as standards_services
from tests.practice import make_point, make_procedure, qr_of

from .servers import free_port, live_database_url, server_env, start_uvicorn, stop

pytestmark = pytest.mark.e2e


def test_real_workers_follow_a_rotation_at_once(transactional_db, redis_url, org, make_user, settings):
    procedure = make_procedure(studio=org.hvac)
    point = make_point(studio=org.hvac, procedures=[procedure])
    old_code = qr_of(point)
    worker = make_user("陈宇", roles=[(Role.WORKER, org.hvac)])
    token, _ = issue_token(user=worker)

    env = server_env(DATABASE_URL=live_database_url(), REDIS_URL=redis_url,
                     REDIS_KEY_PREFIX=settings.REDIS_KEY_PREFIX, DEBUG="0", SECURE_SSL_REDIRECT="0",
                     ALLOWED_HOSTS="127.0.0.1", DB_POOL_MIN="1", DB_POOL_MAX="4")
    port = free_port()
    proc = start_uvicorn(port, env, workers=2)
    base = f"http://127.0.0.1:{port}/api/v1"
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    try:
        def scan(code):
            # A fresh connection each time, so that both workers answer.
            return requests.get(f"{base}/scan/{code}", headers=session.headers, timeout=10)

        for _ in range(8):
            response = scan(old_code)
            assert response.status_code == 200, response.text
            assert response.json()["procedures"][0]["title"] == "冷水机组日常巡检"

        standards_services.rotate_code(point=point, reason="标签被复制")  # in this process, not the server's
        new_code = qr_of(point)
        for _ in range(8):
            refused = scan(old_code)
            assert refused.status_code == 410 and refused.json()["code"] == "qr_revoked"
            assert scan(new_code).status_code == 200
    finally:
        stop(proc)
    assert ScanLog.objects.filter(user=worker).count() == 24
    assert ScanLog.objects.filter(user=worker, outcome="revoked").count() == 8
