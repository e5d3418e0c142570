"""Hours logged from the phone (idempotent), expected progress and expected hours pro rata, with a
frozen clock; dates are Asia/Shanghai dates."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from apprenticeships.models import Evidence
from tests.conftest import assert_error

from .conftest import new_id

START = date(2026, 3, 2)  # the template runs 52 weeks: to 2027-03-01, 364 days


def test_expected_progress_and_hours_follow_the_calendar(teaching, clock):
    clock.set(START)
    agreement = teaching.create(start=START)
    assert agreement["end_date"] == "2027-03-01" and agreement["planned_hours"] == 400.0
    assert (agreement["expected_pct"], agreement["expected_hours"], agreement["hours"]) == (0.0, 0.0, 0.0)

    clock.set(START + timedelta(days=91))  # a quarter of 364 days
    for day, hours in ((START + timedelta(days=10), "3.5"), (START + timedelta(days=90), "4")):
        assert teaching.hours(agreement["id"], hours, day).status_code == 201
    detail = teaching.detail(agreement["id"], teaching.apprentice)
    assert detail["expected_pct"] == 25.0 and detail["expected_hours"] == 100.0 and detail["hours"] == 7.5
    assert detail["last_activity"] == str(START + timedelta(days=90))
    logged = [e for e in detail["general_evidence"] if e["kind"] == "practice_hours"]
    assert sorted(e["hours"] for e in logged) == [3.5, 4.0] and all(e["status"] == "submitted" for e in logged)

    clock.set(START + timedelta(days=364 + 30))  # past the end: expected stops at 100 %
    detail = teaching.detail(agreement["id"])
    assert detail["expected_pct"] == 100.0 and detail["expected_hours"] == 400.0


def test_hours_resent_with_their_client_id_count_once(teaching, clock):
    clock.set(START)
    agreement = teaching.create(start=START)
    body = {"client_id": new_id(), "hours": "2.5", "description": "风机盘管拆洗", "date": str(START)}
    apprentice = teaching.client(teaching.apprentice)
    first = apprentice.post(f"apprenticeships/{agreement['id']}/hours", body)
    again = apprentice.post(f"apprenticeships/{agreement['id']}/hours", body)
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    assert teaching.detail(agreement["id"])["hours"] == 2.5
    assert Evidence.objects.count() == 1
    # The same id for something else is refused, not silently merged.
    assert_error(apprentice.post(f"apprenticeships/{agreement['id']}/evidence",
                                 {"client_id": body["client_id"], "kind": "media", "photo_ids": [1]}),
                 409, "client_id_conflict")


def test_the_day_is_the_shanghai_day(teaching, clock):
    clock.set(START)
    agreement = teaching.create(start=START)
    late_evening = timezone.make_aware(datetime.combine(START + timedelta(days=5), time(23, 30)))  # 15:30 UTC
    clock.now = late_evening
    response = teaching.hours(agreement["id"], 1)
    assert response.json()["occurred_on"] == str(START + timedelta(days=5))
    clock.now = late_evening + timedelta(hours=1)  # 00:30 the next day in Shanghai, still the 5th in UTC
    assert teaching.hours(agreement["id"], 1).json()["occurred_on"] == str(START + timedelta(days=6))


def test_bad_hours_are_refused_with_a_reason_and_nothing_is_logged(teaching, clock):
    clock.set(START + timedelta(days=20))
    agreement = teaching.create(start=START)
    today = clock.today
    assert_error(teaching.hours(agreement["id"], 2, today + timedelta(days=1)), 422, "invalid_date")
    assert_error(teaching.hours(agreement["id"], 2, START - timedelta(days=1)), 422, "invalid_date")
    assert_error(teaching.hours(agreement["id"], 25, today), 422, "validation_error")
    assert_error(teaching.hours(agreement["id"], 0, today), 422, "validation_error")
    assert_error(teaching.hours(agreement["id"], "2.25", today), 422, "validation_error")
    assert teaching.hours(agreement["id"], 20, today).status_code == 201
    body = assert_error(teaching.hours(agreement["id"], 5, today), 422, "too_many_hours")
    assert body["detail"]["logged"] == 20.0
    assert_error(teaching.hours(agreement["id"], 1, today, plan_item_id=999999), 422, "unknown_plan_item")
    assert Evidence.objects.count() == 1


def test_hours_need_an_active_agreement_and_a_party_to_it(teaching, clock, make_user):
    clock.set(START)
    agreement = teaching.create(start=START, activate=False)
    assert_error(teaching.hours(agreement["id"], 2), 409, "agreement_not_active")
    teaching.client(teaching.leader).post(f"apprenticeships/{agreement['id']}/activate")
    assert_error(teaching.hours(agreement["id"], 2, user=teaching.leader), 403, "evidence_not_allowed")
    stranger = make_user("另一名徒弟", roles=[("apprentice", teaching.org.hvac)], unit=teaching.org.hvac)
    assert_error(teaching.hours(agreement["id"], 2, user=stranger), 404, "not_found")
    # The master may log for the apprentice; then it is signed at once.
    response = teaching.hours(agreement["id"], 2, user=teaching.master)
    assert response.status_code == 201 and response.json()["status"] == "signed"


def test_the_master_signs_submitted_evidence_once(teaching, clock):
    clock.set(START)
    agreement = teaching.create(start=START)
    evidence = teaching.hours(agreement["id"], 3).json()
    assert_error(teaching.client(teaching.apprentice).post(f"apprenticeships/evidence/{evidence['id']}/sign", {}),
                 403, "not_the_master")
    first = teaching.client(teaching.master).post(f"apprenticeships/evidence/{evidence['id']}/sign",
                                                  {"comment": "属实"})
    again = teaching.client(teaching.master).post(f"apprenticeships/evidence/{evidence['id']}/sign", {})
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    detail = teaching.detail(agreement["id"])
    assert detail["general_evidence"][0]["status"] == "signed" and detail["unsigned_evidence"] == 0


def test_a_masters_note_is_signed_and_does_not_count_as_activity(teaching, clock):
    clock.set(START)
    agreement = teaching.create(start=START)
    clock.set(START + timedelta(days=40))
    item = teaching.item(agreement, "B1")
    response = teaching.client(teaching.master).post(f"apprenticeships/{agreement['id']}/evidence", {
        "client_id": new_id(), "kind": "master_note", "plan_item_id": item["id"], "description": "登高作业未系安全带，已当场纠正"})
    assert response.status_code == 201 and response.json()["status"] == "signed"
    assert_error(teaching.client(teaching.apprentice).post(f"apprenticeships/{agreement['id']}/evidence", {
        "client_id": new_id(), "kind": "master_note", "description": "自评"}), 403, "evidence_not_allowed")
    assert_error(teaching.client(teaching.master).post(f"apprenticeships/{agreement['id']}/evidence", {
        "client_id": new_id(), "kind": "master_note"}), 422, "validation_error")
    detail = teaching.detail(agreement["id"])
    assert detail["last_activity"] is None and detail["days_inactive"] == 40
