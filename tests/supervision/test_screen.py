"""The wall screen /screen/supervision/ in a real headless Chromium (Debian's /usr/bin/chromium driven by
playwright). The browser talks to this process's Django through playwright's request routing (no server, no
port), and both clocks are set: the page's (playwright's fake clock) and the server's (timezone.now)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from accounts.services import issue_token
from evaluations.services import open_action
from tests.e2e.test_big_screen import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, need_chromium
from tests.supervision import kit
from tests.supervision.test_overview_surveys import surveys

# The route handler runs in playwright's greenlet, which Django gives a connection of its own: the data
# must be committed for it to see.
pytestmark = [pytest.mark.django_db(transaction=True)]

SH = ZoneInfo("Asia/Shanghai")
BASE = "http://wall.test"


class Clock:
    def __init__(self, moment: datetime):
        self.now = moment


@pytest.fixture
def frozen(monkeypatch, settings):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM runs beside playwright's event loop
    clock = Clock(datetime(2026, 2, 28, 23, 59, 30, tzinfo=SH))
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock


def forward(route, request) -> None:
    """Answer the browser's request with this process's Django (the page, then its API calls)."""
    client = Client()
    headers = {}
    sent = request.all_headers()  # (request.headers leaves out security-related headers)
    if sent.get("authorization"):
        headers["HTTP_AUTHORIZATION"] = sent["authorization"]
    response = client.get(request.url[len(BASE):], **headers)
    route.fulfill(status=response.status_code, body=response.content,
                  headers={"Content-Type": response.get("Content-Type", "text/html")})


def test_the_wall_fits_refreshes_and_rolls_over_at_midnight(world, frozen, make_user):
    need_chromium()
    from playwright.sync_api import sync_playwright

    org = world.org
    # Twelve more studios under the base, so the table is full; a run just after midnight on 1 March.
    for n in range(12):
        make_user(f"占位{n}")
        from accounts.services import ensure_org_unit

        ensure_org_unit(name=f"第{n + 1:02d}技师工作室", kind="studio", parent=org.base)
    # The surveys of the overview's test (HVAC 3 of 4 answered, mean 4.00; BAS 2 of 4, too few to show a
    # score) and one open improvement action at HVAC.
    surveys(world, make_user)
    open_action(target_kind="studio", target_id=org.hvac.pk, target_label=org.hvac.name, source_kind="survey",
                source_id=1, source_label="实训满意度", item_key="q2", item_label="组织安排", score=Decimal("3.00"),
                threshold=Decimal("3.50"), owner=world.leader, org_unit=org.hvac, due_date=date(2026, 3, 20))
    late = kit.sh(2026, 3, 1, 0, 0, 3)
    kit.run(procedure=world.p1, point=world.hvac_point, performer=world.a, started=late)
    token, _ = issue_token(user=world.supervisor)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.clock.install(time=frozen.now)
            page.route(f"{BASE}/**", forward)
            page.goto(f"{BASE}/screen/supervision/?unit={org.base.pk}&refresh=60#token={token}")
            page.wait_for_selector("body[data-state=shown]")
            assert "token" not in page.url  # it left the address bar for the session's storage
            assert page.get_attribute("body", "data-window") == "2026-01-30/2026-02-28"
            assert page.inner_text("#title") == "测试实训基地 · 标准化动态监管"
            total = page.get_attribute("tr.total", "data-runs")
            assert total == "3"  # February's three runs at HVAC (the window is the last 30 days)
            # Everything fits 1920 × 1080: nothing scrolls and the last row ends inside the screen.
            size = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
            assert size[0] <= 1920 and size[1] <= 1080, size
            bottom = page.evaluate("Math.max(...[...document.querySelectorAll('tr, footer')]"
                                   ".map(e => e.getBoundingClientRect().bottom))")
            assert bottom <= 1080, bottom
            # The survey figures beside the open improvement actions: cards for the whole base, and per row.
            assert (page.inner_text("#survey-rate"), page.inner_text("#survey-satisfaction"),
                    page.inner_text("#open-actions")) == ("62.5%", "4.00", "1")
            cells = ("td.survey-rate", "td.survey-satisfaction", "td.open-actions")
            assert [page.inner_text(f"tr.total {c}") for c in cells] == ["62.5%", "4.00", "1"]
            hvac = f"tr.unit[data-unit-id='{org.hvac.pk}']"
            assert [page.inner_text(f"{hvac} {c}") for c in cells] == ["75.0%", "4.00", "1"]
            bas = f"tr.unit[data-unit-id='{org.bas.pk}']"
            assert [page.inner_text(f"{bas} {c}") for c in cells] == ["50.0%", "—", "0"]  # too few answers to show
            assert page.locator("tr.unit").count() == 12  # 14 units under the base: 12 shown, the rest named
            assert "另有 2 个下属单位" in page.inner_text("#note")
            page.screenshot(path=str(ARTIFACTS / "supervision-screen.png"))
            # It refreshes itself.
            loads = int(page.get_attribute("body", "data-loads"))
            page.clock.run_for(61_000)
            page.wait_for_function(f"Number(document.body.dataset.loads) > {loads}")
            # Past midnight in Shanghai the window moves on by itself, and the run at 00:00:03 counts.
            frozen.now = datetime(2026, 3, 1, 0, 0, 5, tzinfo=SH)
            page.clock.run_for(40_000)
            page.wait_for_function("document.body.dataset.window === '2026-01-31/2026-03-01'")
            assert page.get_attribute("tr.total", "data-runs") == "4"
        finally:
            browser.close()


def test_the_wall_without_a_supervision_grant_says_so(world, frozen):
    need_chromium()
    from playwright.sync_api import sync_playwright

    token, _ = issue_token(user=world.worker)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.route(f"{BASE}/**", forward)
            page.goto(f"{BASE}/screen/supervision/#token={token}")
            page.wait_for_selector("body[data-state=refused]")
            assert "只有监管人员" in page.inner_text("#main")
        finally:
            browser.close()
