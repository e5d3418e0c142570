"""The scheme freezes when an event opens: weights, scales, aggregation, tolerance, entries and panel
change only by the chief judge with a reason (audited, shown on the jury board), never after
publication — neither through the API nor the admin nor the models."""

import json
from decimal import Decimal

import pytest

from competitions import board
from competitions.models import Aspect, AuditLog, Entry, Event, PanelMember, SchemeFrozen, Section
from tests.conftest import assert_error


def jury_header(kit):
    return json.loads(board.snapshot_text(kit.contest.id, jury=True))["events"][0]


def scheme(kit, **body):
    return kit.client(kit.chief).post(f"judging/events/{kit.event.id}/scheme", {"reason": "规程勘误", **body})


@pytest.fixture
def superuser_client(client, make_user, settings):
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    superuser = make_user("管理员")
    superuser.is_staff = superuser.is_superuser = True
    superuser.save()
    client.force_login(superuser)
    return client


def test_models_refuse_scheme_changes_once_the_event_opened(kit, make_user):
    section, aspect = kit.sections[0], kit.aspects[0]
    section.weight = Decimal("50")
    with pytest.raises(SchemeFrozen):
        section.save()
    aspect.max_mark = Decimal("1")
    with pytest.raises(SchemeFrozen):
        aspect.save()
    with pytest.raises(SchemeFrozen):
        Aspect.objects.create(section=section, name="加一项", kind="measurement", max_mark=Decimal("1"))
    kit.event.tolerance = Decimal("2")
    with pytest.raises(SchemeFrozen):
        kit.event.save()
    with pytest.raises(SchemeFrozen):
        Entry.objects.create(event=kit.event, contestant=make_user("迟到的选手"))
    with pytest.raises(SchemeFrozen):
        PanelMember.objects.create(event=kit.event, judge=make_user("新裁判"))
    with pytest.raises(SchemeFrozen):
        PanelMember.objects.filter(event=kit.event, judge=kit.judges[4]).first().delete()
    event = Event.objects.get(pk=kit.event.pk)
    assert event.tolerance == Decimal("1") and Section.objects.get(pk=section.pk).weight == Decimal("60")
    # state changes of the event itself still work (lock, publish … save only their own fields)
    event.name = "暖通故障排除（决赛）"
    event.save()


def test_the_admin_shows_an_opened_event_read_only(kit, superuser_client):
    event_url = f"/admin/competitions/event/{kit.event.id}/change/"
    page = superuser_client.get(event_url)
    assert page.status_code == 200 and "tolerance" not in page.context["adminform"].form.fields
    posted = superuser_client.post(event_url, {"name": "改名", "tolerance": "3"})
    assert posted.status_code == 403
    for url in (f"/admin/competitions/section/{kit.sections[0].id}/change/",
                f"/admin/competitions/aspect/{kit.aspects[0].id}/change/",
                f"/admin/competitions/entry/{kit.entries[0].id}/change/"):
        assert superuser_client.post(url, {"weight": "1", "max_mark": "1"}).status_code == 403, url
        assert superuser_client.post(url.replace("/change/", "/delete/"), {"post": "yes"}).status_code == 403, url
    kit.event.refresh_from_db()
    assert kit.event.name == "暖通故障排除" and kit.event.tolerance == Decimal("1")


def test_the_chief_judge_changes_the_scheme_with_a_reason_audited_and_on_the_jury_board(kit):
    kit.complete(kit.entries[2], judgement_values=[3, 0, 2, 2, 1])
    code = kit.entries[2].code
    # trimmed: 10 + 40 × 5/3 ÷ 3 + 40 × 5/3 ÷ 10 = 38.888… → 38.89
    assert next(r for r in jury_header(kit)["rows"] if r["code"] == code)["total"] == "38.89"
    a, b = kit.sections
    assert_error(kit.client(kit.judges[1]).post(f"judging/events/{kit.event.id}/scheme",
                                                {"reason": "x", "tolerance": "2"}), 403, "not_chief_judge")
    assert_error(scheme(kit, reason=" ", tolerance="2"), 422, "reason_required")
    assert_error(scheme(kit, tolerance="9"), 422, "validation_error")
    assert_error(scheme(kit), 422, "no_change")
    # weights must still sum to 100 and aspects to their section: refused whole, nothing changed
    bad = scheme(kit, sections=[{"id": a.id, "weight": "70"}])
    assert_error(bad, 422, "scheme_invalid")
    assert Section.objects.get(pk=a.pk).weight == Decimal("60")
    assert not AuditLog.objects.filter(action="scheme_change").exists()
    response = scheme(kit, tolerance="1.5", aggregation="mean")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["changes"] == [{"what": "event.aggregation", "old": "trimmed", "new": "mean"},
                               {"what": "event.tolerance", "old": "1.00", "new": "1.5"}]
    logged = AuditLog.objects.get(pk=body["audit_id"])
    assert logged.action == "scheme_change" and logged.actor == kit.chief and logged.reason == "规程勘误"
    assert logged.data == {"changes": body["changes"]}
    header = jury_header(kit)
    assert [c["reason"] for c in header["scheme_changes"]] == ["规程勘误"]
    assert header["scheme_changes"][0]["changes"] == body["changes"]
    assert header["scheme_changes"][0]["actor"]["id"] == kit.chief.id
    public = json.loads(board.snapshot_text(kit.contest.id, jury=False))["events"][0]
    assert "scheme_changes" not in public
    kit.event.refresh_from_db()
    assert kit.event.aggregation == "mean" and kit.event.tolerance == Decimal("1.5")
    # the board follows the new rule at once: mean of all five, not trimmed
    # mean of all five: 10 + 40 × 8/5 ÷ 3 + 40 × 8/5 ÷ 10 = 37.733… → 37.73, public too (the panel is done)
    assert next(r for r in header["rows"] if r["code"] == code)["total"] == "37.73"
    assert next(r for r in public["rows"] if r["code"] == code)["total"] == "37.73"


def test_a_new_scale_below_marks_already_given_is_refused(kit):
    kit.mark(kit.judges[1], kit.entries[2], kit.judgement[1], 9)
    assert_error(scheme(kit, aspects=[{"id": kit.judgement[1].id, "scale_max": 5}]), 422, "scheme_invalid")
    assert Aspect.objects.get(pk=kit.judgement[1].pk).scale_max == 10


def test_never_after_publication(kit, superuser_client):
    for entry in kit.entries:
        kit.complete(entry)
    chief = kit.client(kit.chief)
    assert chief.post(f"judging/events/{kit.event.id}/lock").status_code == 200
    kit.recheck()
    assert chief.post(f"judging/events/{kit.event.id}/publish").status_code == 200
    assert_error(scheme(kit, tolerance="2"), 409, "scheme_frozen")
    assert superuser_client.post(f"/admin/competitions/event/{kit.event.id}/change/",
                                 {"name": "x", "tolerance": "3"}).status_code == 403
    section = kit.sections[0]
    section.weight = Decimal("10")
    with pytest.raises(SchemeFrozen):
        section.save()
    assert not AuditLog.objects.filter(action="scheme_change").exists()
