"""Reporting a fault: 201, idempotent on client_id, a scanned point fills place and studio, photos
attached; bad input is a clear 4xx. Categories. Corrective orders from failing steps."""

from accounts.models import Role
from media.models import Photo
from practice.models import ScanLog
from standards import services as standards_services
from tests.conftest import assert_error
from tests.practice import photo_ids, upload
from workorders.models import WorkOrder, WorkOrderCategory, WorkOrderEvent


def body(desk, **extra):
    return {"client_id": "r-1", "category": desk.category.pk, "description": "会议室空调漏水", "urgency": "urgent",
            "location_text": "2号楼305会议室", **extra}


def test_report_is_created_once_and_replayed(desk):
    client = desk.client(desk.requester)
    first = client.post("workorders", body(desk))
    assert first.status_code == 201, first.content
    order = first.json()
    assert order["number"].startswith("WO-") and order["state"] == "submitted" and order["urgency"] == "urgent"
    assert order["studio"]["name"] == "暖通作业技师工作室" and order["location_text"] == "2号楼305会议室"
    assert order["requester"]["name"] == "刘晓燕" and order["requester"]["phone"] == "13800138008"
    assert [e["action"] for e in order["history"]] == ["create"]
    again = client.post("workorders", body(desk))
    assert again.status_code == 200 and again.json()["id"] == order["id"]
    assert WorkOrder.objects.count() == 1 and WorkOrderEvent.objects.count() == 1
    assert_error(client.post("workorders", body(desk, description="别的问题")), 409, "client_id_conflict")
    # Another person's same client_id is their own report.
    assert desk.client(desk.stranger).post("workorders", body(desk)).status_code == 201


def test_deadlines_follow_the_urgency_and_are_fixed_at_the_report(desk, clock, settings):
    client = desk.client(desk.requester)
    reported = clock.now
    urgent = client.post("workorders", body(desk, client_id="u")).json()
    low = client.post("workorders", body(desk, client_id="l", urgency="low")).json()
    from datetime import datetime, timedelta

    def at(text):
        return datetime.fromisoformat(text)

    assert at(urgent["respond_by"]) == reported + timedelta(minutes=15)
    assert at(urgent["finish_by"]) == reported + timedelta(hours=4)
    assert at(low["respond_by"]) == reported + timedelta(hours=8)
    assert at(low["finish_by"]) == reported + timedelta(hours=72)
    settings.WORKORDER_DEADLINES = {**settings.WORKORDER_DEADLINES, "urgent": {"respond": 5, "finish": 60}}
    assert client.get(f"workorders/{urgent['id']}").json()["respond_by"] == urgent["respond_by"]
    newer = client.post("workorders", body(desk, client_id="u2")).json()
    assert at(newer["respond_by"]) == reported + timedelta(minutes=5)


def test_a_scanned_point_fills_the_place_and_a_category_without_studio_takes_the_points(desk):
    general = WorkOrderCategory.objects.create(name="其他")
    client = desk.client(desk.requester)
    scanned = client.post("workorders", body(desk, client_id="s", category=general.pk, location_text="",
                                             point_code=f"http://127.0.0.1:8000/q/{desk.code}")).json()
    assert scanned["point"] == {"id": desk.point.pk, "code": "HVAC-09", "name": "3号楼空调机组"}
    assert scanned["location_text"] == "行政中心B1冷冻机房" and scanned["studio"]["id"] == desk.org.hvac.pk
    typed = client.post("workorders", body(desk, client_id="t", point_code="hvac-09", location_text="机房门口")).json()
    assert typed["point"]["id"] == desk.point.pk and typed["location_text"] == "机房门口"
    assert typed["history"][0]["data"]["point_flags"] == ["manual_entry"]
    # A revoked label still names its point (a report proves no presence).
    old = desk.code
    standards_services.rotate_code(point=desk.point)
    revoked = client.post("workorders", body(desk, client_id="v", point_code=old)).json()
    assert revoked["point"]["id"] == desk.point.pk and revoked["history"][0]["data"]["point_flags"] == ["code_revoked"]
    assert_error(client.post("workorders", body(desk, client_id="x", point_code="NOSUCHCODE123")), 404, "qr_unknown")
    assert not ScanLog.objects.exists()  # reporting is not scanning in


def test_bad_reports_are_refused_clearly_and_nothing_is_created(desk):
    client = desk.client(desk.requester)
    desk.bas_category.is_active = False
    desk.bas_category.save()
    assert_error(client.post("workorders", body(desk, category=desk.bas_category.pk)), 422, "category_unknown")
    assert_error(client.post("workorders", body(desk, category=10**12)), 422, "category_unknown")
    assert_error(client.post("workorders", body(desk, location_text="")), 422, "location_required")
    assert_error(client.post("workorders", body(desk, urgency="asap")), 422, "validation_error")
    assert_error(client.post("workorders", body(desk, description="")), 422, "validation_error")
    assert_error(client.post("workorders", body(desk, description="坏了\x00")), 422, "validation_error")
    assert_error(client.post("workorders", body(desk, photo_ids=list(range(1, 11)))), 422, "validation_error")
    assert_error(client.post("workorders", {**body(desk), "client_id": ""}), 422, "validation_error")
    assert not WorkOrder.objects.exists()


def test_photos_are_attached_to_the_report(desk):
    client = desk.client(desk.requester)
    ids = photo_ids(client, 2)
    order = client.post("workorders", body(desk, photo_ids=ids)).json()
    assert [p["id"] for p in order["photos"]] == ids and order["photos"][0]["url"].startswith("http")
    # A photo already used, or someone else's, is refused and the report is not created.
    assert_error(client.post("workorders", body(desk, client_id="again", photo_ids=ids[:1])), 422, "photo_invalid")
    other = desk.client(desk.stranger)
    theirs = upload(other).json()["id"]
    refused = assert_error(client.post("workorders", body(desk, client_id="p2", photo_ids=[theirs])), 422,
                           "photo_invalid")
    assert refused["detail"]["photo_ids"] == [theirs]
    assert WorkOrder.objects.count() == 1 and Photo.objects.get(pk=theirs).owner_id is None


def test_categories_list_their_studio_and_required_procedure(desk):
    WorkOrderCategory.objects.create(name="停用类别", studio=desk.org.hvac, is_active=False)
    items = desk.client(desk.requester).get("workorders/categories").json()
    by_name = {c["name"]: c for c in items}
    assert set(by_name) == {"空调漏水", "空调不制冷", "门禁故障"}
    assert by_name["空调不制冷"]["required_procedure"]["title"] == "空调末端故障排查"
    assert by_name["门禁故障"]["studio"]["name"] == "楼宇自控技师工作室" and by_name["空调漏水"]["required_procedure"] is None


def test_a_failed_step_opens_an_order_that_goes_through_the_lifecycle(practice, desk):
    worker = practice.client(practice.worker)
    values = practice.good_values(worker)
    values[2] = 9.5  # supply water too warm: fail
    run_id = practice.finished_run(worker, values=values)
    order = WorkOrder.objects.get(run_id=run_id)
    assert (order.source, order.state, order.studio_id, order.urgency) == ("run_step", "submitted",
                                                                           practice.org.hvac.pk, "normal")
    assert order.respond_by is not None and order.finish_by is not None
    assert list(order.events.values_list("action", "actor_id")) == [("create", practice.worker.pk)]
    # The dispatcher is told, and sees it; a studio worker finds it in the pool and grabs it.
    from notifications.models import Notification

    assert Notification.objects.filter(recipient=desk.dispatcher, kind="workorder_new", data__id=order.pk).exists()
    detail = desk.client(desk.dispatcher).get(f"workorders/{order.pk}").json()
    assert detail["source"] == "run_step" and detail["source_run_id"] == run_id
    assert detail["source_step_id"] == practice.step(2).pk and detail["category"] is None
    assert detail["point"]["code"] == "HVAC-01"
    pool = desk.client(desk.li).get("workorders", {"scope": "pool"}).json()
    assert order.pk in [o["id"] for o in pool["items"]]
    assert desk.client(desk.li).post(f"workorders/{order.pk}/grab").json()["assignee"]["id"] == desk.li.pk
    # The run's page links to the order in its current state.
    run = worker.get(f"runs/{run_id}").json()
    assert run["work_orders"][0]["state"] == "accepted"


def test_only_people_who_may_see_an_order_read_it(desk, make_user):
    order = desk.order_in("dispatched")
    for name in ("requester", "dispatcher", "wang", "leader", "admin"):
        assert desk.client(desk.people[name]).get(f"workorders/{order.pk}").status_code == 200, name
    for name in ("li", "chen", "bas_dispatcher", "stranger"):
        assert_error(desk.client(desk.people[name]).get(f"workorders/{order.pk}"), 404, "not_found")
    assert_error(desk.client(desk.requester).get("workorders/999999999"), 404, "not_found")
    # An order in the pool is visible to the studio's workers, not to other studios'.
    pooled = desk.order_in("submitted")
    assert desk.client(desk.li).get(f"workorders/{pooled.pk}").status_code == 200
    assert desk.client(desk.chen).get(f"workorders/{pooled.pk}").status_code == 404
    bas_leader = make_user("冯", roles=[(Role.WORKSHOP_LEADER, desk.org.bas)])
    assert desk.client(bas_leader).get(f"workorders/{pooled.pk}").status_code == 404
