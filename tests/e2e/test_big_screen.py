"""The venue's big screen in a real headless Chromium (Debian's /usr/bin/chromium driven by
playwright): it shows the board, a mark entered over the API changes the row, and after the server
restarts it reconnects and resyncs by seq to a change it missed. A screenshot goes to artifacts/."""

from __future__ import annotations

import os
import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from accounts.services import issue_token
from tests.competitions.conftest import Kit
from tests.conftest import REQUIRE_SERVICES

from .frames import PublishedFrames
from .servers import ROOT, free_port, live_database_url, server_env, start_uvicorn, stop

pytestmark = [pytest.mark.e2e, pytest.mark.serial, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "artifacts"
# playwright runs it headless in a fresh temporary profile of its own (its --user-data-dir)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def need_chromium():
    message = None
    if not shutil.which(CHROMIUM):
        message = "the big-screen test needs Debian's chromium (apt-get install chromium); SKIPPED"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            message = "the big-screen test needs the playwright package (dev extra); SKIPPED"
    if message:
        if REQUIRE_SERVICES:
            pytest.fail("REQUIRE_SERVICES=1: " + message)
        pytest.skip(message)


@pytest.fixture
def kit(api, org, make_user):
    return Kit(api, org, make_user)


def in_thread(fn, *args, **kwargs):
    """Run ORM work off the thread where playwright's sync API keeps its event loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


def complete_over_http(base: str, kit, entry, measurement: str) -> None:
    """What Kit.complete does, through the server (its publications reach the screen's websocket)."""
    for i, judge in enumerate(kit.free_judges(entry)):
        headers = {"Authorization": f"Bearer {issue_token(user=judge)[0]}"}
        marks = [{"client_id": str(uuid.uuid4()), "entry_id": entry.id, "aspect_id": a.id,
                  "value": str(min(2, a.scale_max))} for a in kit.judgement]
        if i == 0:
            marks.append({"client_id": str(uuid.uuid4()), "entry_id": entry.id, "aspect_id": kit.measurement.id,
                          "value": measurement})
        if marks:
            assert requests.post(f"{base}/api/v1/judging/marks", json={"marks": marks}, headers=headers,
                                 timeout=10).status_code == 200
        assert requests.post(f"{base}/api/v1/judging/entries/{entry.id}/submit", headers=headers,
                             timeout=10).status_code in (200, 201)


def test_big_screen_shows_live_marks_and_resyncs_after_a_restart(kit):
    need_chromium()
    from playwright.sync_api import sync_playwright

    env = server_env(DATABASE_URL=live_database_url(), SECURE_SSL_REDIRECT="0", LOG_LEVEL="WARNING",
                     REDIS_KEY_PREFIX=f"shixun-screen-{os.getpid()}")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    token, _ = issue_token(user=kit.judges[1])
    entry = kit.entries[2]
    server = start_uvicorn(port, env)
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                def public_total(code: str) -> str:
                    board_now = requests.get(f"{base}/api/v1/competitions/{kit.contest.id}/board", timeout=10).json()
                    return next(row["total"] for event in board_now["events"] for row in event["rows"]
                                if row["code"] == code)

                page = browser.new_page(viewport={"width": 1600, "height": 900})
                # every frame the screen receives, against the schema the server publishes
                frames = PublishedFrames.of(base)
                page.on("websocket", lambda ws: ws.on(
                    "framereceived", lambda payload, url=ws.url: frames.check(url, payload)))
                page.goto(f"{base}/screen/competitions/{kit.contest.id}/", timeout=10000)
                page.wait_for_selector("body[data-conn=open]", timeout=10000)
                row = f'tr[data-code="{entry.code}"]'
                # blind judging (docs/SCORING.md): no figures before the entry's whole panel has submitted
                assert page.get_attribute(row, "data-total") in ("", None)
                assert "评分中" in page.inner_text(row)
                assert page.inner_text("#title") == "测试技能比武"
                assert page.inner_text("#pill") == "实时"
                font = page.evaluate("getComputedStyle(document.body).fontFamily")
                assert font.startswith('"WenQuanYi Micro Hei"')

                response = requests.post(f"{base}/api/v1/judging/marks", timeout=10,
                                         headers={"Authorization": f"Bearer {token}"},
                                         json={"marks": [{"client_id": str(uuid.uuid4()), "entry_id": entry.id,
                                                          "aspect_id": kit.measurement.id, "value": "18.25"}]})
                assert response.status_code == 200, response.text
                assert "评分中" in page.inner_text(row)  # one judge's mark shows nothing
                in_thread(complete_over_http, base, kit, entry, "18.25")  # the whole panel submits: it shows
                total = public_total(entry.code)
                page.wait_for_selector(f'{row}[data-total="{total}"]', timeout=15000)
                assert page.get_attribute(row, "data-rank") == "1"
                assert total in page.inner_text(row)
                page.screenshot(path=str(ARTIFACTS / "big-screen.png"), full_page=True)
                seq = int(page.get_attribute("body", "data-seq"))

                # the server goes away; an entry is completed meanwhile; the screen comes back to it
                stop(server)
                page.wait_for_selector("body[data-conn=closed]", timeout=5000)
                assert "重连" in page.inner_text("#pill")
                in_thread(kit.complete, kit.entries[3], judgement_values=[5, 5, 5, 5, 5], measurement="19")
                server = start_uvicorn(port, env)
                other = f'tr[data-code="{kit.entries[3].code}"]'
                page.wait_for_selector(f'{other}[data-total="{public_total(kit.entries[3].code)}"]', timeout=15000)
                page.wait_for_selector("body[data-conn=open]", timeout=5000)
                assert int(page.get_attribute("body", "data-seq")) > seq
                page.screenshot(path=str(ARTIFACTS / "big-screen-after-reconnect.png"), full_page=True)
                frames.assert_clean(at_least=2)  # a snapshot before and after the restart at least
            finally:
                browser.close()
    finally:
        stop(server)


def test_big_screen_of_an_unknown_contest_is_404(db, client):
    assert client.get("/screen/competitions/999999/").status_code == 404


def test_big_screen_page_is_self_contained(kit, client):
    html = client.get(f"/screen/competitions/{kit.contest.id}/").content.decode()
    assert "测试技能比武" in html and "/ws/competitions/" in html and "resync" in html
    assert "<script src" not in html and "<link" not in html and "http://" not in html and "https://" not in html
