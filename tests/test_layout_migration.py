"""Issue 11 moved runs and photos out of workorders (into practice and media) without touching their
tables. A database made before the move, holding a run with step records and photos, a review, a
corrective work order with its history and photos, and an apprentice's evidence of the run, must come
out of `migrate` with everything still attached: rows, foreign keys, and the photos' generic owners
(whose content types moved app)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

BEFORE = [
    ("accounts", "0001_initial"), ("standards", "0001_initial"), ("workorders", "0002_work_order_lifecycle"),
    ("competitions", "0001_initial"), ("apprenticeships", "0001_initial"), ("notifications", "0001_initial"),
    ("miniprogram_api", "0001_initial"), ("contenttypes", "0002_remove_content_type_name"),
]
AFTER = [("workorders", "0003_runs_and_photos_moved_out")]


def unit(OrgUnit, name, kind, parent=None):
    row = OrgUnit.objects.create(name=name, kind=kind, parent=parent, path="")
    row.path = f"{parent.path if parent else '/'}{row.pk}/"
    row.save(update_fields=["path"])
    return row


def photo(Photo, ContentType, uploader, owner, app_label, model, name):
    owner_type = ContentType.objects.get_or_create(app_label=app_label, model=model)[0]
    return Photo.objects.create(uploader=uploader, file=f"photos/2026/11/{name}.jpg",
                                thumbnail=f"photos/2026/11/{name}_thumb.jpg", content_type="image/jpeg",
                                original_format="JPEG", width=640, height=480, size_bytes=1000, sha256=name * 8,
                                owner_type=owner_type, owner_id=owner.pk, attached_at=timezone.now())


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_the_move_keeps_everything_attached(migrator):
    old = migrator.apply_initial_migration(BEFORE)
    get = old.apps.get_model
    OrgUnit, User = get("accounts", "OrgUnit"), get("accounts", "User")
    CT = get("contenttypes", "ContentType")
    bureau = unit(OrgUnit, "机关事务局", "bureau")
    studio = unit(OrgUnit, "暖通作业技师工作室", "studio", bureau)
    worker = User.objects.create(username="worker", display_name="赵子涵", primary_org_unit=studio)
    master = User.objects.create(username="master", display_name="王德明", primary_org_unit=studio)
    standard = get("standards", "Standard").objects.create(code="GB 50365-2019", title="空调通风系统运行管理标准",
                                                           level="national", category="operations")
    procedure = get("standards", "Procedure").objects.create(standard=standard, code="SOP-HVAC-001",
                                                            title="冷水机组日常巡检")
    version = get("standards", "ProcedureVersion").objects.create(procedure=procedure, number=1,
                                                                 status="published")
    step = get("standards", "Step").objects.create(version=version, position=1, title="供水温度", type="check")
    point = get("standards", "PracticePoint").objects.create(name="冷水机组", code="HVAC-01", studio=studio)
    qr = get("standards", "QRCode").objects.create(point=point, code="A" * 16)
    now = timezone.now()
    scan = get("workorders", "ScanLog").objects.create(user=worker, code=qr.code, qr=qr, point=point, outcome="ok",
                                                       scanned_at=now)
    run = get("workorders", "ProcedureRun").objects.create(
        client_id="run-1", performer=worker, point=point, studio=studio, procedure=procedure, version=version,
        qr=qr, scan=scan, status="completed", verdict="fail", started_at=now, completed_at=now)
    record = get("workorders", "StepRecord").objects.create(run=run, step=step, client_id="step-1",
                                                            recorded_by=worker, value="fail", verdict="fail",
                                                            recorded_at=now)
    review = get("workorders", "RunReview").objects.create(run=run, reviewer=master, decision="approved")
    Photo = get("workorders", "Photo")
    step_photo = photo(Photo, CT, worker, record, "workorders", "steprecord", "step")
    order = get("workorders", "WorkOrder").objects.create(
        number="WO-20261130-0001", point=point, studio=studio, description="供水温度异常", requester=worker,
        assignee=master, source="run_step", run=run, step=step, step_record=record, arrival_scan=scan,
        state="completed", respond_by=now, finish_by=now + timedelta(hours=4))
    order.runs_done.add(run)
    event = get("workorders", "WorkOrderEvent").objects.create(order=order, action="complete", actor=master,
                                                               from_state="in_progress", to_state="completed")
    order_photo = photo(Photo, CT, master, event, "workorders", "workorderevent", "done")
    framework = get("apprenticeships", "CompetencyFramework").objects.create(studio=studio, name="暖通能力框架")
    template = get("apprenticeships", "PlanTemplate").objects.create(studio=studio, framework=framework,
                                                                     name="中级工",
                                                                     target_level="level4", duration_weeks=52)
    agreement = get("apprenticeships", "Agreement").objects.create(
        studio=studio, master=master, apprentice=worker, template=template, target_level="level4",
        start_date=date(2026, 1, 1), end_date=date(2026, 12, 31), planned_hours=100, review_interval_weeks=12)
    evidence = get("apprenticeships", "Evidence").objects.create(agreement=agreement, kind="approved_run", run_id=run.pk,
                                                                 occurred_on=date(2026, 11, 30))

    migrator.apply_tested_migration(AFTER)
    ContentType.objects.clear_cache()

    from apprenticeships.models import Evidence
    from media.models import Photo as MovedPhoto
    from practice.models import ProcedureRun, RunReview, ScanLog, StepRecord
    from workorders.models import WorkOrder, WorkOrderEvent

    moved_run = ProcedureRun.objects.get(pk=run.pk)
    assert (moved_run.client_id, moved_run.scan_id, moved_run.performer_id) == ("run-1", scan.pk, worker.pk)
    assert ScanLog.objects.get(pk=scan.pk).point_id == point.pk
    moved_record = StepRecord.objects.get(pk=record.pk)
    assert moved_record.run_id == run.pk
    assert [p.pk for p in moved_record.photos.all()] == [step_photo.pk]  # the generic relation, through the moved type
    assert MovedPhoto.objects.get(pk=step_photo.pk).owner == moved_record
    assert RunReview.objects.get(pk=review.pk).run == moved_run
    moved_order = WorkOrder.objects.get(pk=order.pk)
    assert moved_order.run == moved_run and moved_order.step_record == moved_record
    assert moved_order.arrival_scan_id == scan.pk and list(moved_order.runs_done.all()) == [moved_run]
    moved_event = WorkOrderEvent.objects.get(pk=event.pk)
    assert [p.pk for p in moved_event.photos.all()] == [order_photo.pk]
    assert Evidence.objects.get(pk=evidence.pk).run == moved_run
    assert not ContentType.objects.filter(app_label="workorders", model__in=["steprecord", "photo"]).exists()
    assert ContentType.objects.get(app_label="practice", model="steprecord").pk == step_photo.owner_type_id
    # New rows land in the same tables and sequences: nothing collides with the old ids.
    assert StepRecord.objects.create(run=moved_run, step_id=step.pk, client_id="step-2", recorded_by_id=worker.pk,
                                     value="pass", verdict="pass", recorded_at=now).pk > record.pk
