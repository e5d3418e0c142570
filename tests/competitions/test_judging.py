"""The judge's phone: assignments, marks (idempotent, revised, refused with codes), blind judging,
recusal, sheet submission, and the board moving with each mark."""

import uuid
from decimal import Decimal

import pytest

from competitions import board
from competitions.models import Event, Mark, SheetSubmission
from tests.conftest import assert_error


def public_rows(kit):
    import json

    snap = json.loads(board.snapshot_text(kit.contest.id, jury=False))
    return {r["code"]: r for r in snap["events"][0]["rows"]}, snap


def live_rows(kit):
    """The board as it moves with each mark: the jury view (the public one waits for whole panels)."""
    import json

    snap = json.loads(board.snapshot_text(kit.contest.id, jury=True))
    return {r["code"]: r for r in snap["events"][0]["rows"]}, snap


def test_contest_list_and_detail(kit):
    client = kit.client(kit.spectator)
    listing = client.get("competitions")
    assert listing.status_code == 200
    assert [c["id"] for c in listing.json()] == [kit.contest.id]
    detail = client.get(f"competitions/{kit.contest.id}").json()
    event = detail["events"][0]
    assert event["state"] == "open" and event["aggregation"] == "trimmed"
    assert [s["weight"] for s in event["sections"]] == ["60.00", "40.00"]
    kinds = [a["kind"] for s in event["sections"] for a in s["aspects"]]
    assert kinds == ["measurement", "judgement", "judgement"]
    assert event["sections"][0]["aspects"][1]["scale_max"] == 3


def test_draft_contests_are_hidden_from_outsiders(make_kit, api):
    kit = make_kit(open_event=False)
    client = kit.client(kit.spectator)
    assert client.get("competitions").json() == []
    assert_error(client.get(f"competitions/{kit.contest.id}"), 404, "not_found")
    assert kit.client(kit.judges[1]).get(f"competitions/{kit.contest.id}").status_code == 200


def test_assignments_show_codes_and_my_marks_only(kit):
    entry = kit.entries[2]
    j1, j2 = kit.judges[1], kit.judges[2]
    assert kit.mark(j1, entry, kit.judgement[0], 3).status_code == 200
    assert kit.mark(j2, entry, kit.judgement[0], 1).status_code == 200
    body = kit.client(j2).get("judging/assignments").json()
    event = body["events"][0]
    assert event["id"] == kit.event.id and event["state"] == "open"
    assert {e["code"] for e in event["entries"]} == {e.code for e in kit.entries}
    assert all(set(e) == {"id", "code", "recused", "submitted"} for e in event["entries"])
    assert "name" not in str(event["entries"])  # codes only, no names
    assert [(m["entry_id"], m["value"]) for m in event["marks"]] == [(entry.id, "1.00")]
    assert {a["kind"] for a in event["aspects"]} == {"measurement", "judgement"}
    measurement = next(a for a in event["aspects"] if a["kind"] == "measurement")
    assert measurement["scale_max"] is None and measurement["max_mark"] == "20.00"


def test_blind_judging_no_route_shows_other_judges_marks(kit):
    entry = kit.entries[2]
    kit.mark(kit.judges[1], entry, kit.judgement[0], 3)
    other = kit.client(kit.judges[2])
    text = other.get("judging/assignments").content.decode() + other.get(f"competitions/{kit.contest.id}").content.decode()
    assert '"value"' not in text
    assert_error(other.get(f"competitions/{kit.contest.id}/jury-board"), 403, "not_jury")
    assert_error(other.get(f"competitions/{kit.contest.id}/results.xlsx"), 403, "not_jury")
    assert_error(other.get(f"competitions/{kit.contest.id}/audit"), 403, "not_jury")


def test_a_mark_is_created_acknowledged_and_moves_the_board(kit):
    entry = kit.entries[2]
    before = board.snapshot(kit.contest.id, jury=False)[0]
    response = kit.mark(kit.judges[1], entry, kit.measurement, "12.50", client_id="c-1")
    assert response.status_code == 200
    body = response.json()
    result = body["results"][0]
    assert result["status"] == 201 and result["client_id"] == "c-1" and result["replayed"] is False
    assert result["mark"]["value"] == "12.50" and result["mark"]["revision"] == 1
    assert body["seq"][str(kit.contest.id)] == before + 1
    rows, snap = live_rows(kit)
    assert snap["seq"] == before + 1
    assert rows[entry.code]["total"] == "12.50" and rows[entry.code]["rank"] == 1
    rows, snap = public_rows(kit)
    assert snap["seq"] == before + 1
    assert rows[entry.code]["name"] is None  # not published: codes only
    assert rows[entry.code]["total"] is None and rows[entry.code]["rank"] is None  # blind: panel not done


def test_resending_the_same_client_id_is_idempotent(kit):
    entry = kit.entries[2]
    first = kit.mark(kit.judges[1], entry, kit.judgement[0], 2, client_id="same")
    seq = board.snapshot(kit.contest.id, jury=False)[0]
    again = kit.mark(kit.judges[1], entry, kit.judgement[0], 2, client_id="same")
    assert again.status_code == 200
    result = again.json()["results"][0]
    assert result["status"] == 200 and result["replayed"] is True
    assert result["mark"]["id"] == first.json()["results"][0]["mark"]["id"]
    assert Mark.objects.filter(judge=kit.judges[1]).count() == 1
    assert board.snapshot(kit.contest.id, jury=False)[0] == seq  # a replay moves nothing
    conflict = kit.mark(kit.judges[1], entry, kit.judgement[0], 3, client_id="same")
    assert_error(conflict, 409, "idempotency_conflict")


def test_duplicates_inside_one_batch_count_once(kit):
    entry = kit.entries[2]
    item = {"client_id": "dup", "entry_id": entry.id, "aspect_id": kit.judgement[0].id, "value": 2}
    response = kit.post_marks(kit.judges[1], [item, item])
    assert [r["status"] for r in response.json()["results"]] == [201, 200]
    assert Mark.objects.filter(judge=kit.judges[1]).count() == 1


def test_a_new_value_before_submission_is_a_new_revision_and_all_are_kept(kit):
    entry = kit.entries[2]
    judge = kit.judges[1]
    kit.mark(judge, entry, kit.judgement[1], 4)
    second = kit.mark(judge, entry, kit.judgement[1], 7).json()["results"][0]["mark"]
    assert second["revision"] == 2
    assert list(Mark.objects.filter(judge=judge).order_by("revision").values_list("value", flat=True)) == [
        Decimal("4"), Decimal("7")]
    mine = kit.client(judge).get("judging/assignments").json()["events"][0]["marks"]
    assert [(m["value"], m["revision"]) for m in mine] == [("7.00", 2)]  # latest counts
    rows, _ = live_rows(kit)
    assert rows[entry.code]["sections"][str(kit.sections[1].id)] == "28.00"  # 40 × 7 ÷ 10


def test_measurement_latest_mark_by_any_judge_counts(kit):
    entry = kit.entries[2]
    kit.mark(kit.judges[1], entry, kit.measurement, "15")
    kit.mark(kit.judges[2], entry, kit.measurement, "17.25")
    rows, _ = live_rows(kit)
    assert rows[entry.code]["total"] == "17.25"


def test_trimmed_aggregation_on_the_board(kit):
    entry = kit.entries[2]  # a base contestant: nobody is recused
    for judge, value in zip(kit.judges, [3, 0, 2, 2, 1], strict=True):
        assert kit.mark(judge, entry, kit.judgement[0], value).status_code == 200
    rows, _ = live_rows(kit)
    # drop 3 and 0 → mean(2, 2, 1) = 5/3 → 40 × 5/3 ÷ 3 = 22.222… → 22.22
    assert rows[entry.code]["total"] == "22.22"


def test_mean_aggregation_and_float_rounding_case_on_the_board(make_kit):
    kit = make_kit(judges=4, aggregation="mean", scheme=[
        ("评判", "1.14", [("工艺", "judgement", "1.14", 10)]),
        ("测量", "98.86", [("读数", "measurement", "98.86", 3)]),
    ])
    entry = kit.entries[2]
    for judge, value in zip(kit.judges, [7, 7, 8, 8], strict=True):
        kit.mark(judge, entry, kit.judgement[0], value)
    rows, _ = live_rows(kit)
    assert rows[entry.code]["total"] == "0.86"  # float arithmetic would show 0.85


def test_tolerance_flag_on_the_jury_board_only(kit):
    import json

    entry = kit.entries[2]
    kit.mark(kit.judges[1], entry, kit.judgement[0], 0)
    kit.mark(kit.judges[2], entry, kit.judgement[0], 3)
    jury = json.loads(board.snapshot_text(kit.contest.id, jury=True))
    row = next(r for r in jury["events"][0]["rows"] if r["code"] == entry.code)
    assert row["flags"] == [{"aspect_id": kit.judgement[0].id, "aspect": "工艺", "spread": "3.00", "limit": "1.00"}]
    assert row["total"] == "20.00"  # still computed: 40 × 1.5 ÷ 3
    public = json.loads(board.snapshot_text(kit.contest.id, jury=False))
    assert "flags" not in public["events"][0]["rows"][0]


def test_ranks_and_ties_on_the_board(kit):
    a, b, c = kit.entries[1], kit.entries[2], kit.entries[3]
    kit.mark(kit.judges[1], a, kit.measurement, "10")
    kit.mark(kit.judges[1], b, kit.measurement, "10")
    kit.mark(kit.judges[1], c, kit.measurement, "5")
    kit.mark(kit.judges[1], c, kit.judgement[1], 1)  # section 2: 40 × 1 ÷ 10 = 4 → total 9
    rows, _ = live_rows(kit)
    assert (rows[a.code]["rank"], rows[b.code]["rank"], rows[c.code]["rank"]) == (1, 1, 3)
    # same total, different sections: the tie-break chain (section order) decides
    kit.mark(kit.judges[1], a, kit.measurement, "6")
    kit.mark(kit.judges[1], a, kit.judgement[1], 1)  # a: 6 + 4 = 10, section 1 = 6 < b's 10
    rows, _ = live_rows(kit)
    assert rows[a.code]["total"] == rows[b.code]["total"] == "10.00"
    assert (rows[b.code]["rank"], rows[a.code]["rank"]) == (1, 2)


@pytest.mark.parametrize("case", ["range_measurement", "precision", "range_judgement", "not_integer", "kind",
                                  "negative"])
def test_bad_values_are_refused_with_a_code(kit, case):
    entry = kit.entries[2]
    aspect, value, code = {
        "range_measurement": (kit.measurement, "20.01", "mark_out_of_range"),
        "precision": (kit.measurement, "10.005", "mark_precision"),
        "range_judgement": (kit.judgement[0], "4", "mark_out_of_range"),
        "not_integer": (kit.judgement[0], "2.5", "mark_not_integer"),
        "kind": (kit.judgement[0], "2", "wrong_aspect_kind"),
        "negative": (kit.measurement, "-1", "mark_out_of_range"),
    }[case]
    item = {"client_id": str(uuid.uuid4()), "entry_id": entry.id, "aspect_id": aspect.id, "value": value}
    if case == "kind":
        item["kind"] = "measurement"
    body = assert_error(kit.post_marks(kit.judges[1], [item]), 422, code)
    assert body["detail"]["results"][0]["code"] == code
    assert not Mark.objects.exists()


def test_range_texts_read_the_same_for_every_aspect_kind(kit):
    """Measurement said "0–20.00", judgement "0–3": one text, the bound written plainly."""
    entry = kit.entries[2]
    texts = []
    for aspect, value in [(kit.measurement, "20.01"), (kit.judgement[0], "4")]:
        item = {"client_id": str(uuid.uuid4()), "entry_id": entry.id, "aspect_id": aspect.id, "value": value}
        texts.append(assert_error(kit.post_marks(kit.judges[1], [item]), 422, "mark_out_of_range")["detail"]
                     ["results"][0]["message"])
    upper = f"{kit.measurement.max_mark.normalize():f}"
    assert texts == [f"测量项“{kit.measurement.name}”的分值应在 0–{upper} 之间",
                     f"评判项“{kit.judgement[0].name}”的分值应在 0–{kit.judgement[0].scale_max} 之间"]
    assert "." not in texts[0].split("0–")[1]


def test_refusals_for_panel_recusal_state_and_submission(kit, make_user):
    hvac_entry = kit.entries[0]  # HVAC team: judge 0 (HVAC studio) is recused
    other = kit.entries[2]
    assert_error(kit.mark(kit.judges[0], hvac_entry, kit.judgement[0], 2), 403, "recused")
    stranger = make_user("外来裁判")
    assert_error(kit.mark(stranger, other, kit.judgement[0], 2), 403, "not_on_panel")
    assert_error(kit.mark(kit.chief, other, kit.judgement[0], 2), 403, "not_on_panel")
    wrong = {"client_id": "x", "entry_id": other.id, "aspect_id": 999999, "value": "1"}
    assert_error(kit.post_marks(kit.judges[1], [wrong]), 404, "aspect_not_found")
    missing = {"client_id": "y", "entry_id": 999999, "aspect_id": kit.measurement.id, "value": "1"}
    assert_error(kit.post_marks(kit.judges[1], [missing]), 404, "entry_not_found")
    # submitted sheet
    for aspect in kit.judgement:
        kit.mark(kit.judges[1], other, aspect, 2)
    assert kit.client(kit.judges[1]).post(f"judging/entries/{other.id}/submit").status_code == 201
    assert_error(kit.mark(kit.judges[1], other, kit.judgement[0], 3), 409, "sheet_submitted")
    # locked event
    Event.objects.filter(pk=kit.event.pk).update(state=Event.State.LOCKED)
    assert_error(kit.mark(kit.judges[2], other, kit.judgement[0], 3), 409, "event_locked")
    Event.objects.filter(pk=kit.event.pk).update(state=Event.State.DRAFT)
    assert_error(kit.mark(kit.judges[2], other, kit.judgement[0], 3), 409, "event_not_open")
    assert Mark.objects.filter(judge__in=[kit.judges[0], kit.judges[2], stranger, kit.chief]).count() == 0


def test_mixed_batch_keeps_the_good_marks_and_reports_each(kit):
    entry = kit.entries[2]
    response = kit.post_marks(kit.judges[1], [
        {"client_id": "ok", "entry_id": entry.id, "aspect_id": kit.judgement[0].id, "value": 2},
        {"client_id": "bad", "entry_id": entry.id, "aspect_id": kit.judgement[0].id, "value": 9},
    ])
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == [201, 422]
    assert results[1]["code"] == "mark_out_of_range" and "0–3" in results[1]["message"]
    assert Mark.objects.count() == 1


def test_schema_errors_are_422_with_the_field(kit):
    client = kit.client(kit.judges[1])
    assert_error(client.post("judging/marks", {"marks": []}), 422, "validation_error")
    body = assert_error(client.post("judging/marks", {"marks": [{"entry_id": 1, "aspect_id": 1, "value": "x"}]}),
                        422, "validation_error")
    # fields as the mini-program's code names them (marks[0].value, not pydantic's marks.0.value), in Chinese
    assert {d["field"] for d in body["detail"]} >= {"marks[0].client_id", "marks[0].value"}
    messages = {d["field"]: d["message"] for d in body["detail"]}
    assert messages["marks[0].value"] == "应为数字" and messages["marks[0].client_id"] == "缺少必填字段"
    assert "marks[0].value" in body["message"] and "marks.0" not in body["message"]
    assert_error(client.raw("POST", "judging/marks", b"{not json"), 400, "malformed_json")
    assert_error(kit.api.post("judging/marks", {"marks": []}), 401)


def test_recused_entries_are_marked_in_assignments(kit):
    entries = kit.client(kit.judges[0]).get("judging/assignments").json()["events"][0]["entries"]
    recused = {e["id"] for e in entries if e["recused"]}
    assert recused == {kit.entries[0].id}
    entries = kit.client(kit.judges[1]).get("judging/assignments").json()["events"][0]["entries"]
    assert not any(e["recused"] for e in entries)


def test_submit_requires_every_judgement_aspect_and_is_idempotent(kit):
    entry = kit.entries[2]
    client = kit.client(kit.judges[1])
    kit.mark(kit.judges[1], entry, kit.judgement[0], 2)
    body = assert_error(client.post(f"judging/entries/{entry.id}/submit"), 409, "sheet_incomplete")
    assert body["detail"]["aspect_ids"] == [kit.judgement[1].id]
    kit.mark(kit.judges[1], entry, kit.judgement[1], 5)
    first = client.post(f"judging/entries/{entry.id}/submit")
    assert first.status_code == 201
    again = client.post(f"judging/entries/{entry.id}/submit")
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert SheetSubmission.objects.filter(entry=entry).count() == 1
    mine = client.get("judging/assignments").json()["events"][0]
    assert all(m["submitted"] for m in mine["marks"])
    assert_error(kit.client(kit.judges[0]).post(f"judging/entries/{kit.entries[0].id}/submit"), 403, "recused")


def test_recusal_rule_by_studio_or_team(org):
    from competitions.selectors import is_recused, studio_or_team_ids

    st = studio_or_team_ids()
    assert is_recused(org.hvac.path, org.hvac_team.path, st)       # studio vs a team inside it
    assert is_recused(org.hvac_team.path, org.hvac.path, st)
    assert is_recused(org.hvac_team.path, org.hvac_team.path, st)
    assert not is_recused(org.hvac.path, org.bas.path, st)          # different studios
    assert not is_recused(org.base.path, org.hvac_team.path, st)    # a base-level judge judges everyone
    assert not is_recused(org.bureau.path, org.base.path, st)
    assert not is_recused(None, org.hvac.path, st)


def test_query_counts_of_a_mark_do_not_grow_with_the_data(make_kit, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(kit, entry, value):
        client = kit.client(kit.judges[1])
        item = {"client_id": str(uuid.uuid4()), "entry_id": entry.id, "aspect_id": kit.judgement[0].id,
                "value": value}
        with CaptureQueriesContext(connection) as ctx:
            assert client.post("judging/marks", {"marks": [item]}).status_code == 200
        # Every statement, transaction control included (the test's transaction turns the request's
        # BEGIN/COMMIT into SAVEPOINT/RELEASE): what `make bench` counts too.
        ctx_queries[:] = [q["sql"][:90] for q in ctx.captured_queries]
        return len(ctx_queries)

    ctx_queries: list[str] = []
    small = make_kit(contestant_units=None)
    few = count(small, small.entries[2], 1)
    from competitions.models import Contest
    Contest.objects.all()  # second, larger contest
    big = make_kit(contestant_units=[small.org.base] * 30)
    for entry in big.entries[:20]:
        for judge in big.judges[1:]:
            big.mark(judge, entry, big.judgement[1], 5)
    many = count(big, big.entries[25], 2)
    assert many == few, (few, many)
    # token, BEGIN, entries, aspects, lock, events, panel, marks, 3 writes, COMMIT
    assert many <= 12, "\n".join(ctx_queries)


def test_query_counts_of_the_board_snapshot_do_not_grow_with_the_data(make_kit):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(kit):
        board._snapshot_cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            assert kit.api.get(f"competitions/{kit.contest.id}/board").status_code == 200
        return len(ctx)

    small = make_kit()
    big = make_kit(contestant_units=[small.org.base] * 30)
    for entry in big.entries[:10]:
        big.mark(big.judges[1], entry, big.measurement, "9")
    assert count(small) == count(big) <= 3
    # and the second viewer at the same seq reuses the serialised snapshot
    with CaptureQueriesContext(connection) as ctx:
        big.api.get(f"competitions/{big.contest.id}/board")
    assert len(ctx) == 1


def test_concurrent_resends_of_one_mark_create_it_once(postgres, kit):
    """A flaky phone resending the same mark several times at once (through any server process)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    from competitions import services

    entry, judge = kit.entries[2], kit.judges[1]
    item = services.MarkItem(client_id="resent", entry_id=entry.id, aspect_id=kit.judgement[0].id,
                             value=Decimal("2"))

    def send(_):
        try:
            return services.record_marks(judge=judge, items=[item]).results[0]
        finally:
            connection.close()

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(send, range(6)))
    assert sorted(r["status"] for r in results) == [200] * 5 + [201]
    assert len({r["mark"]["id"] for r in results}) == 1
    assert Mark.objects.filter(judge=judge).count() == 1


def test_admin_pages_of_every_contest_model(kit, client, make_user, settings):
    from django.contrib import admin

    # production settings use the manifest storage, which needs collectstatic
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

    from competitions import models

    superuser = make_user("管理员")
    superuser.is_staff = superuser.is_superuser = True
    superuser.save()
    client.force_login(superuser)
    kit.mark(kit.judges[1], kit.entries[2], kit.judgement[0], 2)
    for model in [m for m in admin.site._registry if m._meta.app_label == "competitions"]:
        url = f"/admin/competitions/{model._meta.model_name}/"
        response = client.get(url, {"q": "A"})
        assert response.status_code == 200, url
        assert model._meta.verbose_name  # Chinese names are set on every model
    assert len([m for m in admin.site._registry if m._meta.app_label == "competitions"]) == len(
        [m for m in vars(models).values() if isinstance(m, type) and issubclass(m, models.models.Model)
         and m._meta.app_label == "competitions" and not m._meta.abstract])


def test_the_sql_affiliation_is_the_python_one_for_every_unit(org, make_user):
    """The mark path and the board decide recusal from `affiliation_sql` (a subquery), the other services
    from `affiliation` (Python): both must name the same studio or team for every unit, nested ones too."""
    from accounts.models import OrgUnit
    from accounts.services import ensure_org_unit
    from competitions.selectors import affiliation, affiliation_sql, studio_or_team_ids

    inner_team = ensure_org_unit(name="暖通一班一组", kind=OrgUnit.Kind.TEAM, parent=org.hvac_team)
    loose_team = ensure_org_unit(name="基地直属班组", kind=OrgUnit.Kind.TEAM, parent=org.base)
    units = OrgUnit.objects.annotate(sql=affiliation_sql("path"))
    st = studio_or_team_ids()
    got = {unit.id: unit.sql for unit in units}
    assert got == {unit.id: affiliation(unit.path, st) for unit in units}
    assert got[inner_team.id] == org.hvac.id and got[loose_team.id] == loose_team.id
    assert got[org.base.id] is None and got[org.bureau.id] is None


def test_a_board_moved_mark_by_mark_equals_the_whole_event_recomputed(kit):
    """A mark recomputes only its entry's row and re-ranks the rest from the previous seq: after marks,
    re-marks, a measurement entered twice, a recused judge refused and a re-mark request, the stored
    rows must be exactly what recomputing the whole event from the database gives."""
    import random

    from competitions.models import ContestBoard

    rng = random.Random(13)
    for _ in range(40):
        entry, judge = rng.choice(kit.entries), rng.choice(kit.judges)
        aspect = rng.choice(kit.aspects)
        value = rng.randint(0, aspect.scale_max) if aspect.kind == "judgement" else f"{rng.randint(0, 2000) / 100}"
        kit.mark(judge, entry, aspect, value)  # some are refused (recusal): they must move nothing
    entry = kit.entries[1]
    kit.complete(entry, judgement_values=[0, 3, 3, 0, 3])  # a spread wide enough to flag
    stored = ContestBoard.objects.get(contest=kit.contest).state["events"][str(kit.event.id)]
    whole = board.compute_event(kit.event)
    assert stored["jury_rows"] == whole["jury_rows"]
    assert stored["public_rows"] == whole["public_rows"]
    assert any(row["flags"] for row in stored["jury_rows"]) and len({row["rank"] for row in stored["jury_rows"]}) > 1
