"""POST /sync: runs made offline, applied in order, one result per item, never twice however resent."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.utils import timezone

from practice.models import ProcedureRun, ScanLog, StepRecord
from standards import services as standards_services
from tests.conftest import ApiClient, assert_error
from tests.practice import new_id, photo_ids
from workorders.models import WorkOrder


def offline_run(practice, client, *, minutes_ago=90, values=None, complete=True, scan=True) -> dict:
    started = timezone.now() - timedelta(minutes=minutes_ago)
    values = values or practice.good_values(client)
    steps = []
    for offset, (position, value) in enumerate(values.items()):
        photos = value if isinstance(value, list) else []
        steps.append({"client_id": new_id(), "step_id": practice.step(position).pk,
                      "value": None if photos else value, "photo_ids": photos, "note": "",
                      "recorded_at": (started + timedelta(minutes=offset + 1)).isoformat()})
    item = {"client_id": new_id(), "point_code": practice.code, "procedure_version_id": practice.version.pk,
            "started_at": started.isoformat(), "steps": steps}
    if scan:
        item["scan"] = {"source": "camera", "client_time": started.isoformat(), "latitude": 31.8108,
                        "longitude": 119.9741, "accuracy": 30}
    if complete:
        item["completed_at"] = (started + timedelta(minutes=len(steps) + 2)).isoformat()
    return item


def statuses(result: dict) -> tuple:
    return result["status"], [s["status"] for s in result["steps"]], (result["complete"] or {}).get("status")


def test_a_batch_is_applied_in_order_with_one_result_per_item(practice):
    worker = practice.client(practice.worker)
    batch = [offline_run(practice, worker, minutes_ago=m) for m in (180, 120, 60)]
    response = worker.post("sync", {"runs": batch})
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["client_id"] for r in results] == [item["client_id"] for item in batch]
    for result in results:
        assert statuses(result) == ("created", ["created"] * 6, "created")
        assert result["run"]["status"] == "completed" and result["run"]["verdict"] == "pass"
        assert result["run"]["flags"] == []
    runs = list(ProcedureRun.objects.order_by("id"))
    assert [r.client_id for r in runs] == [item["client_id"] for item in batch]
    assert StepRecord.objects.count() == 18
    # The offline scan of each run is logged when it syncs, marked as such.
    logs = ScanLog.objects.filter(via_sync=True)
    assert logs.count() == 3 and all(r.scan_id for r in runs)


def test_resending_the_whole_batch_creates_nothing(practice):
    worker = practice.client(practice.worker)
    batch = [offline_run(practice, worker, minutes_ago=m) for m in (120, 60)]
    first = worker.post("sync", {"runs": batch}).json()["results"]
    for _ in range(2):
        again = worker.post("sync", {"runs": batch}).json()["results"]
        assert [statuses(r) for r in again] == [("already_had", ["already_had"] * 6, "already_had")] * 2
        assert [r["run_id"] for r in again] == [r["run_id"] for r in first]
        assert [[s["record"]["id"] for s in r["steps"]] for r in again] == \
            [[s["record"]["id"] for s in r["steps"]] for r in first]
    assert (ProcedureRun.objects.count(), StepRecord.objects.count(), ScanLog.objects.count()) == (2, 12, 2)


def test_resending_half_a_batch_then_the_rest(practice):
    worker = practice.client(practice.worker)
    first_run, second_run = offline_run(practice, worker, minutes_ago=120), offline_run(practice, worker)
    # The connection dropped after the first run and three steps of the second went through.
    partial_second = {**second_run, "steps": second_run["steps"][:3]}
    partial_second.pop("completed_at")
    worker.post("sync", {"runs": [first_run, partial_second]})
    assert StepRecord.objects.count() == 9
    # The phone resends its queue from the second run: nothing twice, the rest applied.
    response = worker.post("sync", {"runs": [second_run]}).json()["results"]
    assert statuses(response[0]) == ("already_had", ["already_had"] * 3 + ["created"] * 3, "created")
    # And a resend of everything afterwards is all already_had.
    everything = worker.post("sync", {"runs": [first_run, second_run]}).json()["results"]
    assert {s for r in everything for s in statuses(r)[1]} == {"already_had"}
    assert (ProcedureRun.objects.count(), StepRecord.objects.count()) == (2, 12)
    assert ProcedureRun.objects.filter(status="completed").count() == 2


def test_a_rejected_item_is_reported_and_the_rest_applied(practice):
    worker = practice.client(practice.worker)
    good = offline_run(practice, worker)
    unknown_point = {**offline_run(practice, worker), "point_code": "NoSuchPoint"}
    malformed = {"client_id": "bad-1", "point_code": practice.code, "started_at": "not a time", "steps": "x"}
    not_a_dict = ["junk"]
    bad_step = offline_run(practice, worker, complete=True)
    bad_step["steps"][1]["value"] = "hot"  # the number step
    results = worker.post("sync", {"runs": [unknown_point, malformed, not_a_dict, good, bad_step]}).json()["results"]

    assert (results[0]["status"], results[0]["code"]) == ("rejected", "qr_unknown")
    assert (results[1]["status"], results[1]["code"], results[1]["client_id"]) == ("rejected", "validation_error",
                                                                                    "bad-1")
    assert {d["field"] for d in results[1]["detail"]} >= {"procedure_version_id", "started_at", "steps"}
    assert (results[2]["status"], results[2]["client_id"]) == ("rejected", None)
    assert statuses(results[3]) == ("created", ["created"] * 6, "created")
    step_statuses = statuses(results[4])
    assert step_statuses[0] == "created" and step_statuses[1][1] == "rejected"
    assert results[4]["steps"][1]["code"] == "invalid_step_value"
    assert results[4]["complete"]["code"] == "required_steps_missing"  # the number step is still missing
    assert results[4]["run"]["status"] == "open"

    # The phone fixes the step and resends the item: the rest is already there.
    bad_step["steps"][1]["value"] = 7.1
    bad_step["steps"][1]["client_id"] = new_id()
    fixed = worker.post("sync", {"runs": [bad_step]}).json()["results"][0]
    assert statuses(fixed) == ("already_had", ["already_had", "created"] + ["already_had"] * 4, "created")


def test_sync_runs_their_failures_through_the_same_rules(practice):
    worker = practice.client(practice.worker)
    values = practice.good_values(worker)
    values[2] = 12.5
    values[1] = "fail"
    values[5] = "冷冻水出水温度偏高，已通知维修"
    item = offline_run(practice, worker, values=dict(sorted(values.items())))
    result = worker.post("sync", {"runs": [item]}).json()["results"][0]
    assert statuses(result) == ("created", ["created"] * 7, "created")
    assert result["run"]["verdict"] == "fail"
    assert WorkOrder.objects.filter(run_id=result["run_id"]).count() == 2
    worker.post("sync", {"runs": [item]})
    assert WorkOrder.objects.filter(run_id=result["run_id"]).count() == 2


def test_a_run_started_before_a_code_rotation_still_syncs(practice):
    worker = practice.client(practice.worker)
    item = offline_run(practice, worker, minutes_ago=240)
    standards_services.rotate_code(point=practice.point)
    result = worker.post("sync", {"runs": [item]}).json()["results"][0]
    assert result["status"] == "created" and "code_revoked_since" in result["run"]["flags"]
    late = offline_run(practice, worker, minutes_ago=240)
    late["started_at"] = timezone.now().isoformat()
    rejected = worker.post("sync", {"runs": [late]}).json()["results"][0]
    assert (rejected["status"], rejected["code"]) == ("rejected", "qr_revoked")


def test_offline_scan_far_away_is_flagged_on_the_run(practice):
    worker = practice.client(practice.worker)
    item = offline_run(practice, worker)
    item["scan"].update(latitude=31.9, longitude=119.9, accuracy=20)
    result = worker.post("sync", {"runs": [item]}).json()["results"][0]
    assert result["run"]["flags"] == ["outside_radius"]
    assert ScanLog.objects.get(pk=result["run"]["scan_id"]).suspicious


def test_the_batch_shape_is_checked(practice):
    worker = practice.client(practice.worker)
    assert_error(worker.post("sync", {"runs": "x"}), 422, "validation_error")
    assert_error(worker.post("sync", {}), 422, "validation_error")
    too_many = [{"client_id": str(n)} for n in range(201)]
    assert_error(worker.post("sync", {"runs": too_many}), 422, "validation_error")
    assert_error(ApiClient().post("sync", {"runs": []}), 401)


def test_one_photo_cannot_serve_two_offline_steps(practice):
    worker = practice.client(practice.worker)
    item = offline_run(practice, worker)
    shared = item["steps"][4]["photo_ids"]  # the photo step
    item["steps"][5]["photo_ids"] = shared[:1]  # the signature reuses one of them
    result = worker.post("sync", {"runs": [item]}).json()["results"][0]
    assert result["steps"][5]["code"] == "photo_invalid"
    assert result["complete"]["code"] == "required_steps_missing"


def test_the_same_batch_from_two_connections_at_once_creates_each_run_once(practice, postgres):
    from django.db import connection

    worker = practice.client(practice.worker)
    values = {1: "pass", 2: 7.0, 3: "normal", 4: 100}
    batch = []
    for minutes in (200, 150, 100, 50):
        item = offline_run(practice, worker, minutes_ago=minutes, values=values, complete=False)
        batch.append(item)
    token = worker.token

    def send(_):
        try:
            return ApiClient(token).post("sync", {"runs": batch}).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(3) as pool:
        codes = list(pool.map(send, range(3)))
    assert codes == [200, 200, 200]
    assert ProcedureRun.objects.count() == 4 and StepRecord.objects.count() == 16


def test_sync_keeps_photos_attached_to_their_steps(practice):
    worker = practice.client(practice.worker)
    item = offline_run(practice, worker)
    result = worker.post("sync", {"runs": [item]}).json()["results"][0]
    photo_step = result["steps"][4]["record"]
    assert photo_step["photo_ids"] == item["steps"][4]["photo_ids"] and len(photo_step["photos"]) == 2
    spare = photo_ids(worker, 1)
    assert spare[0] not in photo_step["photo_ids"]
