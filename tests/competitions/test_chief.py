"""The chief judge's and the arbitrator's actions: override with a reason, moderation (re-mark), lock,
unlock, publish (names revealed, appeal window), appeals and their re-marks, the audit log, the export."""

import io
import json
import uuid
from datetime import timedelta

from django.utils import timezone
from openpyxl import load_workbook

from competitions import board
from competitions.models import Appeal, AuditLog, Event, Mark, ModerationRequest
from miniprogram_api.append_only import AppendOnlyError
from tests.conftest import assert_error


def rows(kit, jury=False):
    snap = json.loads(board.snapshot_text(kit.contest.id, jury=jury))
    return {r["code"]: r for r in snap["events"][0]["rows"]}


def lock_ready(kit):
    for entry in kit.entries:
        kit.complete(entry)


def actions(kit):
    return list(AuditLog.objects.filter(contest=kit.contest).order_by("id").values_list("action", flat=True))


def test_override_after_submission_needs_the_chief_and_a_reason(kit):
    entry, judge = kit.entries[2], kit.judges[1]
    kit.complete(entry)
    old = Mark.objects.get(judge=judge, entry=entry, aspect=kit.judgement[0])
    payload = {"client_id": "ov-1", "judge_id": judge.id, "entry_id": entry.id, "aspect_id": kit.judgement[0].id,
               "value": "3", "reason": "裁判录入错误，经核对原始评分表更正"}
    assert_error(kit.client(judge).post("judging/marks/override", payload), 403, "not_chief_judge")
    assert_error(kit.client(kit.chief).post("judging/marks/override", {**payload, "reason": "  "}), 422,
                 "reason_required")
    response = kit.client(kit.chief).post("judging/marks/override", payload)
    assert response.status_code == 201, response.content
    mark = response.json()["mark"]
    assert mark["revision"] == 2 and mark["source"] == "override" and mark["value"] == "3.00"
    again = kit.client(kit.chief).post("judging/marks/override", payload)
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert Mark.objects.filter(judge=judge, entry=entry, aspect=kit.judgement[0]).count() == 2
    old.refresh_from_db()
    assert old.value == 2  # never edited in place
    log = AuditLog.objects.get(action=AuditLog.Action.OVERRIDE)
    assert log.actor == kit.chief and log.reason.startswith("裁判录入错误")
    assert log.data["old"] == "2.00" and log.data["new"] == "3.00"


def test_append_only_rows_cannot_be_edited_or_deleted(kit):
    kit.mark(kit.judges[1], kit.entries[2], kit.judgement[0], 2)
    mark = Mark.objects.get()
    mark.value = 3
    try:
        mark.save()
        raise AssertionError("edited a mark in place")
    except AppendOnlyError:
        pass
    try:
        mark.delete()
        raise AssertionError("deleted a mark")
    except AppendOnlyError:
        pass


def test_moderation_asks_judges_to_remark_and_keeps_old_marks(kit):
    entry = kit.entries[2]
    aspect = kit.judgement[0]
    kit.complete(entry, judgement_values=[0, 3, 3, 3, 3])
    assert rows(kit, jury=True)[entry.code]["flags"]
    chief = kit.client(kit.chief)
    assert_error(kit.client(kit.judges[1]).post(f"judging/events/{kit.event.id}/moderation",
                                                {"entry_id": entry.id, "aspect_id": aspect.id, "reason": "分差"}),
                 403, "not_chief_judge")
    response = chief.post(f"judging/events/{kit.event.id}/moderation",
                          {"entry_id": entry.id, "aspect_id": aspect.id, "reason": "分差超过容限，请复评",
                           "judge_ids": [kit.judges[0].id, kit.judges[1].id]})
    assert response.status_code == 201, response.content
    request_id = response.json()["id"]
    # locking is refused while the re-mark is open
    for other in kit.entries:
        if other != entry:
            kit.complete(other)
    assert_error(chief.post(f"judging/events/{kit.event.id}/lock"), 409, "moderation_open")
    # a judge not asked still cannot change the submitted sheet; the asked ones can, once each
    assert_error(kit.mark(kit.judges[2], entry, aspect, 2), 409, "sheet_submitted")
    assert kit.client(kit.judges[0]).get("judging/assignments").json()["events"][0]["remarks"][0]["id"] == request_id
    assert kit.mark(kit.judges[0], entry, aspect, 2).json()["results"][0]["mark"]["source"] == "remark"
    assert ModerationRequest.objects.get().status == "open"
    kit.mark(kit.judges[1], entry, aspect, 2)
    assert ModerationRequest.objects.get().status == "resolved"
    assert Mark.objects.filter(entry=entry, aspect=aspect).count() == 7  # 5 originals + 2 re-marks
    assert chief.post(f"judging/events/{kit.event.id}/lock").status_code == 200
    assert actions(kit)[-3:] == ["moderation", "remark_done", "lock"]


def test_lock_needs_every_sheet_then_unlock_needs_a_reason(kit):
    chief = kit.client(kit.chief)
    body = assert_error(chief.post(f"judging/events/{kit.event.id}/lock"), 409, "sheets_incomplete")
    assert len(body["detail"]["sheets"]) == 4 + 5 + 5 + 5  # the HVAC-team entry needs only 4 judges
    assert len(body["detail"]["measurements"]) == 4
    lock_ready(kit)
    assert_error(kit.client(kit.judges[1]).post(f"judging/events/{kit.event.id}/lock"), 403, "not_chief_judge")
    locked = chief.post(f"judging/events/{kit.event.id}/lock")
    assert locked.status_code == 200 and locked.json()["state"] == "locked"
    assert_error(kit.mark(kit.judges[1], kit.entries[2], kit.measurement, "1"), 409, "event_locked")
    assert_error(chief.post(f"judging/events/{kit.event.id}/unlock", {"reason": ""}), 422, "reason_required")
    unlocked = chief.post(f"judging/events/{kit.event.id}/unlock", {"reason": "3号选手测量项需复测"})
    assert unlocked.json()["state"] == "open"
    assert AuditLog.objects.get(action="unlock").reason == "3号选手测量项需复测"
    assert_error(chief.post(f"judging/events/{kit.event.id}/unlock", {"reason": "再次"}), 409, "event_not_locked")


def test_publish_reveals_names_and_opens_the_appeal_window(kit):
    chief = kit.client(kit.chief)
    assert_error(chief.post(f"judging/events/{kit.event.id}/publish"), 409, "event_not_locked")
    lock_ready(kit)
    chief.post(f"judging/events/{kit.event.id}/lock")
    assert all(r["name"] is None for r in rows(kit).values())
    kit.recheck()
    response = chief.post(f"judging/events/{kit.event.id}/publish", {})
    assert response.status_code == 200 and response.json()["state"] == "published"
    kit.event.refresh_from_db()
    assert kit.event.appeal_deadline - kit.event.published_at == timedelta(minutes=120)
    names = {r["name"] for r in rows(kit).values()}
    assert names == {c.name for c in kit.contestants}
    assert_error(chief.post(f"judging/events/{kit.event.id}/unlock", {"reason": "想改"}), 409, "event_published")
    assert actions(kit)[-7:] == ["lock", "recheck_draw"] + ["recheck_confirm"] * 4 + ["publish"]


def published(kit):
    lock_ready(kit)
    kit.client(kit.chief).post(f"judging/events/{kit.event.id}/lock")
    kit.recheck()
    kit.client(kit.chief).post(f"judging/events/{kit.event.id}/publish", {})
    kit.refresh()


def test_appeal_upheld_triggers_a_remark_that_adds_marks(kit):
    entry, aspect = kit.entries[2], kit.judgement[0]
    assert_error(kit.client(kit.contestants[2]).post(f"competitions/entries/{entry.id}/appeals",
                                                     {"client_id": "a1", "aspect_id": aspect.id, "reason": "不服"}),
                 409, "event_not_published")
    published(kit)
    before = rows(kit)[entry.code]["total"]
    contestant = kit.client(kit.contestants[2])
    assert_error(kit.client(kit.contestants[1]).post(f"competitions/entries/{entry.id}/appeals",
                                                     {"client_id": "a0", "reason": "别人的"}), 404)
    filed = contestant.post(f"competitions/entries/{entry.id}/appeals",
                            {"client_id": "a1", "aspect_id": aspect.id, "reason": "工艺项评分明显偏低"})
    assert filed.status_code == 201, filed.content
    again = contestant.post(f"competitions/entries/{entry.id}/appeals",
                            {"client_id": "a1", "aspect_id": aspect.id, "reason": "工艺项评分明显偏低"})
    assert again.status_code == 200 and Appeal.objects.count() == 1
    appeal_id = filed.json()["id"]
    decision = {"decision": "upheld", "reason": "经查评分依据不足，复评"}
    assert_error(kit.client(kit.chief).post(f"judging/appeals/{appeal_id}/decide", decision), 403, "not_arbitrator")
    decided = kit.client(kit.arbitrator).post(f"judging/appeals/{appeal_id}/decide", decision)
    assert decided.status_code == 200 and decided.json()["status"] == "upheld"
    assert len(decided.json()["remark_request_ids"]) == 1
    assert_error(kit.client(kit.arbitrator).post(f"judging/appeals/{appeal_id}/decide", decision), 409,
                 "appeal_decided")
    count = Mark.objects.filter(entry=entry, aspect=aspect).count()
    for judge in kit.free_judges(entry):
        assert kit.mark(judge, entry, aspect, 3).json()["results"][0]["status"] == 201
    assert Mark.objects.filter(entry=entry, aspect=aspect).count() == count + 5  # added, none edited
    assert ModerationRequest.objects.get().status == "resolved"
    assert rows(kit)[entry.code]["total"] != before
    assert rows(kit)[entry.code]["sections"][str(kit.sections[0].id)] == "50.00"  # 10 + 40 × 3 ÷ 3
    assert actions(kit)[-5:] == ["appeal_filed", "moderation", "appeal_decided", "remark_done", "republish"]
    # other judges still cannot touch the published event
    assert_error(kit.mark(kit.judges[1], entry, kit.judgement[1], 9), 409, "event_locked")


def test_appeal_rejected_and_window_closed(kit):
    entry = kit.entries[2]
    published(kit)
    contestant = kit.client(kit.contestants[2])
    filed = contestant.post(f"competitions/entries/{entry.id}/appeals", {"client_id": "a1", "reason": "有异议"})
    decided = kit.client(kit.arbitrator).post(f"judging/appeals/{filed.json()['id']}/decide",
                                              {"decision": "rejected", "reason": "评分符合标准"})
    assert decided.json()["status"] == "rejected" and not ModerationRequest.objects.exists()
    Event.objects.filter(pk=kit.event.pk).update(appeal_deadline=timezone.now() - timedelta(seconds=1))
    assert_error(contestant.post(f"competitions/entries/{entry.id}/appeals", {"client_id": "a2", "reason": "迟了"}),
                 409, "appeal_window_closed")
    listing = kit.client(kit.arbitrator).get(f"competitions/{kit.contest.id}/appeals").json()["items"]
    assert [a["status"] for a in listing] == ["rejected"]


def test_upheld_appeal_without_an_aspect_needs_aspect_ids(kit):
    published(kit)
    entry = kit.entries[2]
    filed = kit.client(kit.contestants[2]).post(f"competitions/entries/{entry.id}/appeals",
                                                {"client_id": "a1", "reason": "总分有误"})
    assert_error(kit.client(kit.arbitrator).post(f"judging/appeals/{filed.json()['id']}/decide",
                                                 {"decision": "upheld", "reason": "成立"}), 422, "aspects_required")
    assert Appeal.objects.get().status == "pending"  # nothing half-done


def test_audit_log_lists_every_action_in_order(kit):
    published(kit)
    log = kit.client(kit.chief).get(f"competitions/{kit.contest.id}/audit").json()["items"]
    assert [item["action"] for item in log] == ["open", "lock", "recheck_draw"] + ["recheck_confirm"] * 4 + ["publish"]
    assert log[0]["actor"]["name"] == "裁判长"


def test_results_xlsx_codes_before_publication_names_after(kit):
    lock_ready(kit)
    response = kit.client(kit.chief).get(f"competitions/{kit.contest.id}/results.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    results, marks = book["成绩"], book["评分明细"]
    values = [[c.value for c in row] for row in results.iter_rows()]
    header = next(v for v in values if v[0] == "名次")
    assert header[:4] == ["名次", "加密号", "姓名（公布后显示）", "总分"] and len(header) == 6
    data = [v for v in values if isinstance(v[0], int)]
    assert len(data) == 4 and all(v[2] is None for v in data)
    names = {c.name for c in kit.contestants}
    assert not any(str(c.value) in names for row in marks.iter_rows() for c in row)
    judge_rows = [[c.value for c in row] for row in marks.iter_rows(min_row=2)]
    assert len(judge_rows) == Mark.objects.count()
    assert {r[6] for r in judge_rows} >= {"裁判2", "裁判3"}
    kit.client(kit.chief).post(f"judging/events/{kit.event.id}/lock")
    kit.recheck()
    kit.client(kit.chief).post(f"judging/events/{kit.event.id}/publish", {})
    book = load_workbook(io.BytesIO(kit.client(kit.chief).get(f"competitions/{kit.contest.id}/results.xlsx").content))
    data = [[c.value for c in row] for row in book["成绩"].iter_rows() if isinstance(row[0].value, int)]
    assert {v[2] for v in data} == names
    assert_error(kit.client(kit.spectator).get(f"competitions/{kit.contest.id}/results.xlsx"), 403, "not_jury")


def test_open_validates_the_scheme(make_kit):
    kit = make_kit(open_event=False, scheme=[("实操", "60", [("测量", "measurement", "50", 3)]),
                                             ("规范", "30", [("规范性", "judgement", "30", 3)])])
    body = assert_error(kit.client(kit.chief).post(f"judging/events/{kit.event.id}/open"), 422, "scheme_invalid")
    problems = body["detail"]["problems"]
    assert any("100" in p for p in problems) and any("实操" in p for p in problems)
    kit.event.refresh_from_db()
    assert kit.event.state == "draft"


def test_open_draws_unique_codes(make_kit):
    kit = make_kit(open_event=False)
    response = kit.client(kit.chief).post(f"judging/events/{kit.event.id}/open")
    assert response.status_code == 200 and response.json()["state"] == "open"
    kit.refresh()
    codes = [e.code for e in kit.entries]
    assert len(set(codes)) == 4 and all(c.startswith("A") for c in codes)
    assert actions(kit) == ["open"]


def test_an_unknown_appeal_or_event_is_404(kit):
    assert_error(kit.client(kit.arbitrator).post("judging/appeals/999999/decide",
                                                 {"decision": "rejected", "reason": "无"}), 404)
    assert_error(kit.client(kit.chief).post("judging/events/999999/lock"), 404)
    assert_error(kit.client(kit.chief).post("judging/marks/override", {
        "client_id": str(uuid.uuid4()), "entry_id": 999999, "aspect_id": 1, "value": "1", "reason": "x"}), 404)


def test_results_are_versioned_and_a_remark_that_changes_nothing_publishes_no_new_version(kit):
    published(kit)
    listing = kit.client(kit.spectator).get(f"competitions/{kit.contest.id}/results").json()["items"]
    assert [(v["version"], v["changes"]) for v in listing] == [(1, [])]
    assert {r["name"] for r in listing[0]["rows"]} == {c.name for c in kit.contestants}
    entry, aspect = kit.entries[2], kit.judgement[0]
    filed = kit.client(kit.contestants[2]).post(f"competitions/entries/{entry.id}/appeals",
                                                {"client_id": "v1", "aspect_id": aspect.id, "reason": "复核"})
    kit.client(kit.arbitrator).post(f"judging/appeals/{filed.json()['id']}/decide",
                                    {"decision": "upheld", "reason": "复评"})
    previous = {m.judge_id: m.value for m in Mark.objects.filter(entry=entry, aspect=aspect)}
    for judge in kit.free_judges(entry):  # the same marks again
        kit.mark(judge, entry, aspect, int(previous[judge.id]))
    assert ModerationRequest.objects.get().status == "resolved"
    listing = kit.client(kit.spectator).get(f"competitions/{kit.contest.id}/results").json()["items"]
    assert [v["version"] for v in listing] == [1]
    assert "republish" not in actions(kit)
