"""The worker's side: grabbing (one winner under real concurrency), arriving by scanning the point,
completing with the procedure runs done for the order."""

import threading
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from accounts.models import Role
from practice.models import ProcedureRun, ScanLog
from standards import services as standards_services
from tests.conftest import ApiClient, assert_error
from tests.practice import make_point, photo_ids, qr_of
from workorders.models import WorkOrder, WorkOrderEvent


# --- grab -----------------------------------------------------------------------------------------------
def test_concurrent_grabs_have_exactly_one_winner(postgres, desk, make_user):
    order = desk.order_in("submitted")
    workers = [desk.wang, desk.li] + [make_user(f"工人{i}", roles=[(Role.WORKER, desk.org.hvac)]) for i in range(4)]
    clients = [desk.client(w) for w in workers]
    barrier = threading.Barrier(len(clients))
    results: dict[int, object] = {}

    def grab(index: int, client: ApiClient):
        try:
            barrier.wait(timeout=10)
            results[index] = client.post(f"workorders/{order.pk}/grab")
        finally:
            connection.close()

    threads = [threading.Thread(target=grab, args=(i, c)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    statuses = sorted(r.status_code for r in results.values())
    assert statuses == [200] + [409] * (len(workers) - 1), statuses
    winner_index = next(i for i, r in results.items() if r.status_code == 200)
    for index, response in results.items():
        if index != winner_index:
            body = assert_error(response, 409, "already_taken")
            assert body["detail"]["state"] == "accepted"
    order.refresh_from_db()
    assert order.assignee_id == workers[winner_index].pk and order.state == "accepted"
    assert WorkOrderEvent.objects.filter(order=order, action="grab").count() == 1
    # The winner's resend is answered with the order; a loser's stays refused.
    assert clients[winner_index].post(f"workorders/{order.pk}/grab").status_code == 200
    loser = clients[(winner_index + 1) % len(clients)]
    assert_error(loser.post(f"workorders/{order.pk}/grab"), 409, "already_taken")


def test_only_the_studios_workers_may_grab(desk):
    order = desk.order_in("submitted")
    assert_error(desk.client(desk.chen).post(f"workorders/{order.pk}/grab"), 404, "not_found")
    assert_error(desk.client(desk.requester).post(f"workorders/{order.pk}/grab"), 403, "forbidden")
    assert_error(desk.client(desk.leader).post(f"workorders/{order.pk}/grab"), 403, "forbidden")
    grabbed = desk.client(desk.li).post(f"workorders/{order.pk}/grab").json()
    assert grabbed["state"] == "accepted" and grabbed["responded_at"] is not None


# --- arrive ---------------------------------------------------------------------------------------------
def arrive(desk, order, code, **extra):
    return desk.client(desk.wang).post(f"workorders/{order.pk}/arrive", {"scan_code": code, **extra})


def test_arrive_with_the_points_code(desk):
    order = desk.order_in("accepted")
    response = arrive(desk, order, desk.code, latitude=31.8107, longitude=119.974, accuracy=10)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "arrived" and body["arrival_flags"] == [] and body["arrived_at"] is not None
    event = body["history"][-1]
    scan = ScanLog.objects.get(pk=event["data"]["scan_id"])
    assert scan.user_id == desk.wang.pk and scan.point_id == desk.point.pk and scan.outcome == "ok"
    assert event["data"]["suspicious"] is False


def test_arrive_with_a_wrong_code_is_refused_and_logged(desk):
    order = desk.order_in("accepted")
    other = arrive(desk, order, qr_of(desk.other_point))
    body = assert_error(other, 422, "wrong_point")
    assert "HVAC-09" in body["message"] and body["detail"]["scanned_point_id"] == desk.other_point.pk
    assert_error(arrive(desk, order, "NOSUCHCODE12345"), 404, "qr_unknown")
    assert_error(arrive(desk, order, ""), 422, "scan_code_required")
    assert_error(desk.client(desk.wang).post(f"workorders/{order.pk}/arrive", {}), 422, "scan_code_required")
    assert WorkOrder.objects.get(pk=order.pk).state == "accepted"
    assert list(ScanLog.objects.filter(user=desk.wang).order_by("id").values_list("outcome", flat=True)) == [
        "ok", "unknown"]  # every scan is kept, refused ones too


def test_arrive_with_a_revoked_code_is_refused(desk):
    order = desk.order_in("accepted")
    old = desk.code
    standards_services.rotate_code(point=desk.point, reason="标签被复制")
    assert_error(arrive(desk, order, old), 410, "qr_revoked")
    assert WorkOrder.objects.get(pk=order.pk).state == "accepted"
    assert arrive(desk, order, qr_of(desk.point)).status_code == 200


def test_arrive_with_a_typed_code_passes_but_is_flagged(desk):
    order = desk.order_in("accepted")
    response = arrive(desk, order, "HVAC-09", source="manual")
    assert response.status_code == 200
    body = response.json()
    assert body["arrival_flags"] == ["manual_entry"] and body["history"][-1]["data"]["suspicious"] is True
    assert body["history"][-1]["changes"]["arrival_flags"] == {"from": [], "to": ["manual_entry"]}


def test_arrive_far_from_the_point_is_flagged(desk):
    point = make_point(studio=desk.org.hvac, code="HVAC-11", name="屋顶冷却塔", latitude="31.810700",
                       longitude="119.974000", radius_m=50)
    order = desk.order_in("accepted", point=False)
    order.point = point
    order.save()
    response = arrive(desk, order, qr_of(point), latitude=31.82, longitude=119.99, accuracy=10)
    assert response.json()["arrival_flags"] == ["outside_radius"]


def test_arrive_at_an_order_without_a_point_needs_no_scan(desk):
    order = desk.order_in("accepted", point=False)
    response = desk.client(desk.wang).post(f"workorders/{order.pk}/arrive")
    assert response.status_code == 200 and response.json()["state"] == "arrived"


def test_a_refused_arrival_logs_no_scan(desk):
    order = desk.order_in("dispatched")  # not accepted yet
    assert_error(arrive(desk, order, desk.code), 409, "invalid_transition")
    assert_error(desk.client(desk.li).post(f"workorders/{order.pk}/arrive", {"scan_code": desk.code}), 404)
    assert not ScanLog.objects.exists()


# --- complete -------------------------------------------------------------------------------------------
def completed_run(desk, user, procedure=None, status="completed"):
    procedure = procedure or desk.procedure
    return ProcedureRun.objects.create(
        client_id=str(ProcedureRun.objects.count()), performer=user, point=desk.point, studio=desk.org.hvac,
        procedure=procedure, version=procedure.current_version, started_at=timezone.now() - timedelta(minutes=30),
        status=status, verdict="pass" if status == "completed" else None,
        completed_at=timezone.now() if status == "completed" else None)


def test_a_category_requiring_a_procedure_needs_a_completed_run_of_it(desk):
    order = desk.order_in("in_progress", category=desk.strict)
    client = desk.client(desk.wang)
    body = assert_error(client.post(f"workorders/{order.pk}/complete", {"note": "已修好"}), 422,
                        "required_procedure_missing")
    assert body["detail"]["procedure_id"] == desk.procedure.pk and "空调末端故障排查" in body["message"]
    open_run = completed_run(desk, desk.wang, status="open")
    theirs = completed_run(desk, desk.li)
    refused = assert_error(client.post(f"workorders/{order.pk}/complete", {"run_ids": [open_run.pk, theirs.pk]}),
                           422, "run_invalid")
    assert refused["detail"]["run_ids"] == [open_run.pk, theirs.pk]
    assert WorkOrder.objects.get(pk=order.pk).state == "in_progress"

    mine = completed_run(desk, desk.wang)
    pictures = photo_ids(client, 2)
    done = client.post(f"workorders/{order.pk}/complete", {"run_ids": [mine.pk], "note": "清洗冷凝水管",
                                                           "photo_ids": pictures})
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["state"] == "completed" and body["completion_note"] == "清洗冷凝水管"
    assert [r["id"] for r in body["runs"]] == [mine.pk] and body["runs"][0]["procedure"]["title"] == "空调末端故障排查"
    event = body["history"][-1]
    assert event["data"]["run_ids"] == [mine.pk] and [p["id"] for p in event["photos"]] == pictures
    assert body["photos"] == []  # the report's photos; completion photos belong to the completion


def test_after_a_reopen_the_runs_already_linked_still_count(desk):
    order = desk.order_in("in_progress", category=desk.strict)
    run = completed_run(desk, desk.wang)
    client = desk.client(desk.wang)
    assert client.post(f"workorders/{order.pk}/complete", {"run_ids": [run.pk]}).status_code == 200
    desk.client(desk.requester).post(f"workorders/{order.pk}/reopen", {"reason": "仍不制冷"})
    for action, payload in [("accept", {}), ("arrive", {"scan_code": desk.code}), ("start", {})]:
        assert client.post(f"workorders/{order.pk}/{action}", payload).status_code == 200
    again = client.post(f"workorders/{order.pk}/complete", {"note": "补充制冷剂"})
    assert again.status_code == 200 and [r["id"] for r in again.json()["runs"]] == [run.pk]


def test_confirm_takes_a_rating_from_one_to_five(desk):
    order = desk.order_in("completed")
    client = desk.client(desk.requester)
    for bad in (0, 6, "五星", None):
        assert_error(client.post(f"workorders/{order.pk}/confirm", {"rating": bad}), 422, "validation_error")
    assert_error(client.post(f"workorders/{order.pk}/confirm", {}), 422, "validation_error")
    ok = client.post(f"workorders/{order.pk}/confirm", {"rating": 3, "comment": "来得有点晚"}).json()
    assert (ok["rating"], ok["rating_comment"], ok["state"]) == (3, "来得有点晚", "confirmed")
