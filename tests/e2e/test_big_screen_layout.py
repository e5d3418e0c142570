"""The big screen's layout in headless Chromium (issue 17): at 1920×1080 twenty rows fit without a
scrollbar, more rows are shown page by page (the pages turn by themselves), and at phone width
(390×844) the total column stays on the screen. The page gets the real public board snapshot of a
published 40-entry event through a stand-in WebSocket, so no server runs."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from competitions import board, services
from competitions.models import Aspect, Event
from tests.competitions.conftest import Kit

from .test_big_screen import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, need_chromium

pytestmark = [pytest.mark.e2e]

ORIGIN = "http://screen.test"
# The demo's four sections (long names, so the phone really is too narrow for every column).
SCHEME = [("安全与作业规范", "20", [("个人防护与上锁挂牌", "measurement", "20", 3)]),
          ("故障诊断", "40", [("故障点判断准确", "measurement", "40", 3)]),
          ("维修与调试", "30", [("系统恢复运行参数达标", "measurement", "30", 3)]),
          ("职业素养", "10", [("现场整理与沟通", "measurement", "10", 3)])]
FAKE_SOCKET = """
window.WebSocket = function (url) {
  var ws = this; ws.url = url; ws.readyState = 1; ws.send = function () {}; ws.close = function () {};
  setTimeout(function () { if (ws.onopen) ws.onopen(); ws.onmessage({data: window.__snapshot}); }, 0);
};
"""


@pytest.fixture
def snapshot(api, org, make_user):
    """The public snapshot of a published event with 40 entries (names, totals, four sections)."""
    kit = Kit(api, org, make_user, judges=1, scheme=SCHEME, contestant_units=[org.base] * 40)
    judge = kit.judges[0]
    aspects = list(Aspect.objects.filter(section__event=kit.event).order_by("section__order"))
    for n, entry in enumerate(kit.entries):
        items = [services.MarkItem(client_id=f"m{entry.id}-{a.id}", entry_id=entry.id, aspect_id=a.id,
                                   value=(a.max_mark * Decimal(100 - n) / 100).quantize(Decimal("0.01")))
                 for a in aspects]
        services.record_marks(judge=judge, items=items)
        services.submit_sheet(judge=judge, entry_id=entry.id)
    # prizes by rank (1 / 2 / 3 places): the published board carries them, the screen shows them
    Event.objects.filter(pk=kit.event.pk).update(award_mode="rank", award_tiers=[
        {"name": "一等奖", "value": 1}, {"name": "二等奖", "value": 2}, {"name": "三等奖", "value": 3}])
    services.lock_event(actor=kit.chief, event_id=kit.event.id)
    kit.recheck()
    services.publish_event(actor=kit.chief, event_id=kit.event.id)
    text = board.snapshot_text(kit.contest.id, jury=False)
    assert len(json.loads(text)["events"][0]["rows"]) == 40
    return kit, text


def with_rows(text: str, count: int) -> str:
    snap = json.loads(text)
    snap["events"][0]["rows"] = snap["events"][0]["rows"][:count]
    return json.dumps(snap, ensure_ascii=False)


def open_screen(browser, html, kit, text: str, width: int, height: int, query: str = ""):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.route(f"{ORIGIN}/**", lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8",
                                                           body=html))
    page.add_init_script(f"window.__snapshot = {json.dumps(text)};" + FAKE_SOCKET)
    page.goto(f"{ORIGIN}/screen/competitions/{kit.contest.id}/{query}")
    page.wait_for_selector("body[data-conn=open]", timeout=10000)
    return page


def geometry(page) -> dict:
    return page.evaluate("""() => {
      const rows = [...document.querySelectorAll('tbody tr')].filter(tr => tr.offsetParent !== null);
      const rect = el => el.getBoundingClientRect();
      return {
        docHeight: document.documentElement.scrollHeight, docWidth: document.documentElement.scrollWidth,
        innerHeight: innerHeight, innerWidth: innerWidth,
        page: document.body.dataset.page, pages: Number(document.body.dataset.pages),
        visible: rows.map(tr => tr.dataset.code),
        inside: rows.every(tr => rect(tr).bottom <= innerHeight && rect(tr).top >= 0),
        awards: rows.map(tr => { const td = tr.querySelector('td.award');
                                 return td && td.offsetParent !== null ? td.textContent : null; }),
        totals: rows.map(tr => { const r = rect(tr.querySelector('td.total'));
                                 return {left: r.left, right: r.right, bottom: r.bottom, width: r.width,
                                         text: tr.querySelector('td.total').textContent}; }),
      };
    }""")


def test_twenty_rows_fit_1920x1080_and_more_rows_page_by_themselves(snapshot, client):
    need_chromium()
    from playwright.sync_api import sync_playwright

    kit, text = snapshot
    html = client.get(f"/screen/competitions/{kit.contest.id}/").content.decode()  # before playwright's loop
    codes = [r["code"] for r in json.loads(text)["events"][0]["rows"]]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = open_screen(browser, html, kit, with_rows(text, 20), 1920, 1080)
            g = geometry(page)
            assert g["docHeight"] <= 1080 and g["docWidth"] <= 1920, g
            assert g["pages"] == 1 and g["visible"] == codes[:20] and g["inside"], g
            assert all(t["right"] <= 1920 and t["text"] for t in g["totals"])
            assert g["awards"][:7] == ["一等奖", "二等奖", "二等奖", "三等奖", "三等奖", "三等奖", ""], g["awards"]
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "big-screen-1920x1080-20-rows.png"))
            print("1920x1080, 20 rows:", {k: g[k] for k in ("docHeight", "docWidth", "pages")})
            page.close()

            page = open_screen(browser, html, kit, text, 1920, 1080, "?page_seconds=1")
            g = geometry(page)
            assert g["docHeight"] <= 1080 and g["inside"], g
            assert g["pages"] >= 2 and len(g["visible"]) >= 20, g
            seen = list(g["visible"])
            for _ in range(g["pages"] - 1):  # the pages turn by themselves and show the other rows
                page.wait_for_function(f"document.body.dataset.page !== {json.dumps(g['page'])}", timeout=5000)
                g = geometry(page)
                assert g["docHeight"] <= 1080 and g["inside"], g
                seen += g["visible"]
            assert sorted(seen) == sorted(codes) and len(seen) == len(codes)  # each row on exactly one page
            assert "页" in page.inner_text("section.event h2")
            page.screenshot(path=str(ARTIFACTS / "big-screen-1920x1080-40-rows-last-page.png"))
            print("1920x1080, 40 rows:", {k: g[k] for k in ("docHeight", "pages")}, "rows/page", len(g["visible"]))
        finally:
            browser.close()


def test_the_total_column_is_on_screen_at_phone_width(snapshot, client):
    need_chromium()
    from playwright.sync_api import sync_playwright

    kit, text = snapshot
    html = client.get(f"/screen/competitions/{kit.contest.id}/").content.decode()  # before playwright's loop
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = open_screen(browser, html, kit, text, 390, 844)
            g = geometry(page)
            assert g["docWidth"] <= 390 and g["docHeight"] <= 844, g
            assert g["visible"] and g["inside"], g
            for total in g["totals"]:
                assert total["left"] >= 0 and total["right"] <= 390 and total["width"] > 20, total
                assert Decimal(total["text"])  # the figure itself, e.g. 100.00
            assert page.locator("th.total").first.is_visible()
            assert not page.locator("td.sec").first.is_visible()  # the section figures give way
            assert page.locator("td.name").first.inner_text()  # names after publication
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "big-screen-390x844.png"))
            print("390x844:", {k: g[k] for k in ("docHeight", "docWidth", "pages")}, "total right",
                  max(t["right"] for t in g["totals"]))
        finally:
            browser.close()
