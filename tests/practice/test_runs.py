"""Runs: start (exactly once), record steps (server verdicts, exactly once), complete, correct."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.utils import timezone

from practice.models import ProcedureRun, StepRecord
from standards import services as standards_services
from standards.models import Step
from tests.conftest import assert_error
from tests.practice import make_point, make_procedure, new_id, photo_ids
from workorders.models import WorkOrder


def test_the_whole_flow_scan_run_steps_complete(practice):
    worker = practice.client(practice.worker)
    scanned = worker.get(f"scan/{practice.code}", {"client_time": timezone.now().isoformat(),
                                                   "latitude": 31.8108, "longitude": 119.9741, "accuracy": 15})
    assert scanned.status_code == 200, scanned.content
    body = scanned.json()
    assert body["point"]["code"] == "HVAC-01" and body["flags"] == [] and body["open_run"] is None
    (procedure,) = body["procedures"]
    assert procedure["version_id"] == practice.version.pk and procedure["standard_code"] == "GB 50365-2019"
    assert [s["type"] for s in procedure["steps"]] == [
        "check", "number", "choice", "meter", "text", "photo", "signature", "text"]
    assert procedure["steps"][1]["lower_limit"] == 6 and procedure["steps"][1]["unit"] == "℃"
    assert procedure["steps"][4]["condition"] == {"step_id": practice.step(1).pk, "verdicts": ["fail", "flag"]}

    started = worker.post("runs", {"client_id": new_id(), "point_code": practice.code,
                                   "procedure_version_id": procedure["version_id"],
                                   "started_at": timezone.now().isoformat(), "scan_id": body["scan_id"]})
    assert started.status_code == 201, started.content
    run = started.json()
    assert run["status"] == "open" and run["scan_id"] == body["scan_id"] and run["flags"] == []

    values = practice.good_values(worker)
    for position, value in values.items():
        photos = value if isinstance(value, list) else []
        response = practice.record(worker, run["id"], position, None if photos else value, photos=photos)
        assert response.status_code == 201, response.content
        assert response.json()["verdict"] == "pass"

    rescanned = worker.get(f"scan/{practice.code}").json()
    assert rescanned["open_run"]["id"] == run["id"]
    assert len(rescanned["open_run"]["records"]) == len(values)

    done = worker.post(f"runs/{run['id']}/complete", {"completed_at": timezone.now().isoformat()})
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "completed" and done.json()["verdict"] == "pass"
    assert done.json()["review_state"] == "pending"
    assert worker.get(f"scan/{practice.code}").json()["open_run"] is None


def test_starting_a_run_twice_with_one_client_id_gives_the_same_run(practice):
    worker = practice.client(practice.worker)
    client_id = new_id()
    first = practice.start(worker, client_id=client_id)
    again = practice.start(worker, client_id=client_id)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert ProcedureRun.objects.filter(client_id=client_id).count() == 1


def test_a_client_id_reused_for_another_version_is_a_conflict(practice):
    other = make_procedure(studio=practice.org.hvac, code="SOP-T-002", title="空调末端故障排查",
                           steps=[{"title": "检查", "type": Step.Type.CHECK}])
    practice.point.procedures.add(other)
    worker = practice.client(practice.worker)
    client_id = new_id()
    practice.start(worker, client_id=client_id)
    response = worker.post("runs", {"client_id": client_id, "point_code": practice.code,
                                    "procedure_version_id": other.current_version_id,
                                    "started_at": timezone.now().isoformat()})
    assert_error(response, 409, "client_id_conflict")


def test_run_refusals(practice):
    worker = practice.client(practice.worker)
    unknown = worker.post("runs", {"client_id": new_id(), "point_code": "nope", "procedure_version_id": 1,
                                   "started_at": timezone.now().isoformat()})
    assert_error(unknown, 404, "qr_unknown")
    missing_version = worker.post("runs", {"client_id": new_id(), "point_code": practice.code,
                                           "procedure_version_id": 999999, "started_at": timezone.now().isoformat()})
    assert_error(missing_version, 422, "unknown_procedure_version")

    draft = standards_services.create_draft(procedure=practice.procedure)
    unpublished = worker.post("runs", {"client_id": new_id(), "point_code": practice.code,
                                       "procedure_version_id": draft.pk, "started_at": timezone.now().isoformat()})
    assert_error(unpublished, 422, "version_not_published")

    elsewhere = make_procedure(studio=practice.org.bas, code="SOP-B-001", title="楼宇自控系统点位检查",
                               steps=[{"title": "检查", "type": Step.Type.CHECK}])
    not_here = worker.post("runs", {"client_id": new_id(), "point_code": practice.code,
                                    "procedure_version_id": elsewhere.current_version_id,
                                    "started_at": timezone.now().isoformat()})
    assert_error(not_here, 422, "procedure_not_at_point")

    malformed = worker.post("runs", {"client_id": "", "point_code": practice.code})
    body = assert_error(malformed, 422, "validation_error")
    assert {d["field"] for d in body["detail"]} >= {"client_id", "procedure_version_id", "started_at"}

    practice.point.is_active = False
    practice.point.save()
    assert_error(practice.start(worker), 409, "point_inactive")
    assert ProcedureRun.objects.count() == 0


def test_a_revoked_code_refuses_new_runs_but_keeps_runs_begun_before_it(practice):
    worker = practice.client(practice.worker)
    before = timezone.now() - timedelta(minutes=30)
    standards_services.rotate_code(point=practice.point)
    assert_error(practice.start(worker), 410, "qr_revoked")
    offline = practice.start(worker, started_at=before)  # begun offline before the label was changed
    assert offline.status_code == 201, offline.content
    assert "code_revoked_since" in offline.json()["flags"]


def test_the_label_code_typed_by_hand_works_but_is_flagged(practice):
    worker = practice.client(practice.worker)
    response = worker.post("runs", {"client_id": new_id(), "point_code": "hvac-01",
                                    "procedure_version_id": practice.version.pk,
                                    "started_at": timezone.now().isoformat()})
    assert response.status_code == 201, response.content
    assert set(response.json()["flags"]) == {"manual_entry", "no_scan"}


def test_a_run_links_to_the_callers_recent_scan_and_inherits_its_flags(practice):
    worker = practice.client(practice.worker)
    scan = worker.get(f"scan/{practice.code}", {"source": "manual"}).json()
    run = practice.start(worker).json()
    assert run["scan_id"] == scan["scan_id"] and run["flags"] == ["manual_entry"]
    someone_else = practice.client(practice.apprentice)
    assert practice.start(someone_else).json()["flags"] == ["no_scan"]
    foreign = someone_else.post("runs", {"client_id": new_id(), "point_code": practice.code,
                                         "procedure_version_id": practice.version.pk,
                                         "started_at": timezone.now().isoformat(), "scan_id": scan["scan_id"]})
    assert_error(foreign, 422, "scan_mismatch")


def test_recording_a_step_twice_with_one_client_id_stores_it_once(practice):
    worker = practice.client(practice.worker)
    run_id = practice.start(worker).json()["id"]
    client_id = new_id()
    first = practice.record(worker, run_id, 2, 9.5, client_id=client_id)
    again = practice.record(worker, run_id, 2, 9.5, client_id=client_id)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json() == again.json()
    assert first.json()["verdict"] == "fail"
    assert StepRecord.objects.filter(client_id=client_id).count() == 1
    assert WorkOrder.objects.filter(run_id=run_id).count() == 1
    elsewhere = practice.record(worker, run_id, 1, "pass", client_id=client_id)
    assert_error(elsewhere, 409, "client_id_conflict")


def test_recording_again_appends_a_record_that_supersedes_the_first(practice):
    worker = practice.client(practice.worker)
    run_id = practice.start(worker).json()["id"]
    first = practice.record(worker, run_id, 2, 9.5).json()
    second = practice.record(worker, run_id, 2, 7.0).json()
    assert second["supersedes_id"] == first["id"] and second["verdict"] == "pass"
    detail = worker.get(f"runs/{run_id}").json()
    records = {r["id"]: r for r in detail["records"]}
    assert records[first["id"]]["superseded"] is True and records[second["id"]]["superseded"] is False
    # The failure was real when it happened: its work order stays, and only one.
    assert len(detail["work_orders"]) == 1


def test_a_step_of_another_procedure_is_422(practice):
    other = make_procedure(studio=practice.org.hvac, code="SOP-T-009", title="其他规程",
                           steps=[{"title": "别的检查", "type": Step.Type.CHECK}])
    worker = practice.client(practice.worker)
    run_id = practice.start(worker).json()["id"]
    response = worker.post(f"runs/{run_id}/steps", {"client_id": new_id(), "step_id": other.current_version.steps.get().pk,
                                                    "value": "pass"})
    assert_error(response, 422, "step_not_in_procedure")


def test_only_the_performer_records_steps(practice):
    worker = practice.client(practice.worker)
    run_id = practice.start(worker).json()["id"]
    for user in (practice.apprentice, practice.master, practice.leader):
        assert_error(practice.record(practice.client(user), run_id, 1, "pass"), 404, "not_found")


def test_complete_lists_the_missing_required_steps(practice):
    worker = practice.client(practice.worker)
    run_id = practice.start(worker).json()["id"]
    practice.record(worker, run_id, 1, "pass")
    practice.record(worker, run_id, 2, 7)
    response = worker.post(f"runs/{run_id}/complete", {})
    body = assert_error(response, 422, "required_steps_missing")
    missing = [m["title"] for m in body["detail"]["missing"]]
    # Step 5 is conditional (step 1 passed: not shown, not required); step 8 is optional.
    assert missing == ["压缩机运行声音", "电能表读数", "控制面板照片", "巡检人签名"]
    assert "压缩机运行声音" in body["message"]
    assert ProcedureRun.objects.get(pk=run_id).status == "open"


def test_a_completed_run_is_immutable_and_completing_again_is_harmless(practice):
    worker = practice.client(practice.worker)
    run_id = practice.finished_run(worker)
    again = worker.post(f"runs/{run_id}/complete", {})
    assert again.status_code == 200 and again.json()["status"] == "completed"
    late = practice.record(worker, run_id, 8, "补充")
    assert_error(late, 409, "run_completed")
    assert not StepRecord.objects.filter(run_id=run_id, step=practice.step(8)).exists()


def test_a_correction_is_a_new_record_with_a_reason(practice):
    worker = practice.client(practice.worker)
    run_id = practice.finished_run(worker)
    original = StepRecord.objects.get(run_id=run_id, step=practice.step(2))
    no_reason = worker.post(f"runs/{run_id}/corrections", {"client_id": new_id(), "step_id": practice.step(2).pk,
                                                           "value": 9.1})
    assert_error(no_reason, 422, "validation_error")
    corrected = worker.post(f"runs/{run_id}/corrections", {
        "client_id": new_id(), "step_id": practice.step(2).pk, "value": 9.1, "reason": "温度计读数看错，复测为 9.1 ℃"})
    assert corrected.status_code == 201, corrected.content
    body = corrected.json()
    assert body["is_correction"] and body["supersedes_id"] == original.pk and body["verdict"] == "fail"
    original.refresh_from_db()
    assert float(original.value) == 7.2  # untouched
    run = worker.get(f"runs/{run_id}").json()
    assert run["verdict"] == "fail" and run["status"] == "completed"
    assert [o["step_id"] for o in run["work_orders"]] == [practice.step(2).pk]


def test_an_approved_run_cannot_be_corrected(practice):
    worker = practice.client(practice.worker)
    run_id = practice.finished_run(worker)
    practice.client(practice.master).post(f"runs/{run_id}/review", {"decision": "approved"})
    response = worker.post(f"runs/{run_id}/corrections", {"client_id": new_id(), "step_id": practice.step(2).pk,
                                                          "value": 7.5, "reason": "补记"})
    assert_error(response, 409, "run_already_approved")


def test_a_failed_or_flagged_step_opens_one_corrective_work_order(practice):
    worker = practice.client(practice.worker)
    run_id = practice.start(worker).json()["id"]
    flagged = practice.record(worker, run_id, 3, "slight", note="压缩机有轻微异响").json()
    failed = practice.record(worker, run_id, 2, 11.5).json()
    practice.record(worker, run_id, 2, 12.0)  # failing again: still the same order
    orders = list(WorkOrder.objects.filter(run_id=run_id).order_by("id"))
    assert [(o.step_id, o.urgency, o.source, o.state) for o in orders] == [
        (practice.step(3).pk, "low", "run_step", "submitted"),
        (practice.step(2).pk, "normal", "run_step", "submitted"),
    ]
    first, second = orders
    assert first.step_record_id == flagged["id"] and second.step_record_id == failed["id"]
    assert first.number.startswith(f"WO-{timezone.localdate():%Y%m%d}-") and first.number != second.number
    assert first.point_id == practice.point.pk and first.location_text == "行政中心B1冷冻机房"
    assert "压缩机运行声音" in first.description and "压缩机有轻微异响" in first.description
    assert first.requester == practice.worker


def test_concurrent_starts_with_one_client_id_create_one_run(practice, postgres):
    from django.db import connection

    worker = practice.worker
    client_id = new_id()

    def start(_):
        from practice.services import create_run

        try:
            run, _created = create_run(user=worker, client_id=client_id, point_code=practice.code,
                                       procedure_version_id=practice.version.pk, started_at=timezone.now())
            return run.pk
        finally:
            connection.close()

    with ThreadPoolExecutor(6) as pool:
        ids = set(pool.map(start, range(6)))
    assert len(ids) == 1
    assert ProcedureRun.objects.filter(client_id=client_id).count() == 1


def test_concurrent_failing_records_of_one_step_open_one_order(practice, postgres):
    from django.db import connection

    from practice.services import create_run, record_step

    run, _ = create_run(user=practice.worker, client_id=new_id(), point_code=practice.code,
                        procedure_version_id=practice.version.pk, started_at=timezone.now())
    same_id = new_id()

    def record(index):
        try:
            record, _created = record_step(user=practice.worker, run_id=run.pk,
                                           client_id=same_id if index % 2 else new_id(),
                                           step_id=practice.step(2).pk, value=15)
            return record.pk
        finally:
            connection.close()

    with ThreadPoolExecutor(6) as pool:
        list(pool.map(record, range(6)))
    assert StepRecord.objects.filter(client_id=same_id).count() == 1
    assert StepRecord.objects.filter(run=run).count() == 4  # 3 distinct ids + the shared one
    assert WorkOrder.objects.filter(run=run).count() == 1


def test_photo_ids_must_be_the_callers_own_unused_uploads(practice):
    worker = practice.client(practice.worker)
    other = practice.client(practice.apprentice)
    run_id = practice.start(worker).json()["id"]
    theirs = photo_ids(other, 2)
    response = practice.record(worker, run_id, 6, None, photos=theirs)
    body = assert_error(response, 422, "photo_invalid")
    assert body["detail"]["photo_ids"] == theirs
    mine = photo_ids(worker, 2)
    assert practice.record(worker, run_id, 6, None, photos=mine).status_code == 201
    reused = practice.record(worker, run_id, 6, None, photos=mine)
    assert_error(reused, 422, "photo_invalid")


def test_points_elsewhere_do_not_leak_into_a_run(practice):
    # A second point with the same procedure: the run is tied to the point whose code was scanned.
    other_point = make_point(studio=practice.org.hvac, procedures=[practice.procedure], code="HVAC-02",
                             name="2号冷水机组")
    worker = practice.client(practice.worker)
    run = practice.start(worker).json()
    assert run["point"]["id"] == practice.point.pk != other_point.pk
