"""A real client against a real uvicorn: an unknown websocket path is an HTTP 404 with the JSON error (not
a 500 with a traceback), a bad token on /ws/notifications/ is a close with 4401 (not an HTTP 403)."""

import json

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from .servers import free_port, live_database_url, server_env, start_uvicorn, stop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def host(transactional_db):
    port = free_port()
    proc = start_uvicorn(port, server_env(DATABASE_URL=live_database_url(), LOG_LEVEL="WARNING"))
    try:
        yield f"127.0.0.1:{port}"
    finally:
        stop(proc)


def test_unknown_paths_are_404_and_bad_tokens_close_4401(host):
    for path in ["/ws/competitions/1/board", "/ws/nothing/"]:
        with pytest.raises(InvalidStatus) as refused:
            connect(f"ws://{host}{path}", open_timeout=10)
        assert refused.value.response.status_code == 404
        assert json.loads(refused.value.response.body)["code"] == "not_found"
    for path in ["/ws/notifications/?token=forged", "/ws/judging/", "/ws/competitions/1/jury/?token=x"]:
        with connect(f"ws://{host}{path}", open_timeout=10) as ws, pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
        assert closed.value.rcvd.code == 4401
