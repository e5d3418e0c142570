"""The roster's lifecycle: apply with a CV, review (approve → a gap-free code, reject with a reason), the
record, the list, counts and the xlsx — each refused case a Chinese 4xx that changes nothing."""

from __future__ import annotations

import io
import threading
import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from openpyxl import load_workbook

from experts import services
from experts.models import Application, Category, Expert
from tests.conftest import assert_error

from .conftest import spec

PDF = b"%PDF-1.4\n%demo cv\n"


def cv(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def application_body(**extra):
    return {"client_id": str(uuid.uuid4()), "categories": ["local", "judge"], "speciality_ids": [spec("hvac-chiller")],
            "title": "技师", "skill_level": "二级", "statement": "冷水机组维保十五年", **extra}


def test_apply_upload_cv_and_approve_gives_the_next_code(api, org, make_user, manager, roster):
    worker = make_user("申请人", unit=org.hvac_team, phone="13800138000")
    me = api.as_user(worker)
    body = application_body()
    created = me.post("experts/applications", body)
    assert created.status_code == 201, created.content
    application = created.json()
    assert application["status"] == "submitted" and application["org_unit_id"] == org.hvac_team.pk
    assert me.post("experts/applications", body).json()["id"] == application["id"]  # a resend: same application
    assert_error(me.post("experts/applications", application_body()), 409, "application_open")

    upload = Client().post(f"/api/v1/experts/applications/{application['id']}/cv",
                           {"file": cv("cv.pdf", PDF)}, HTTP_AUTHORIZATION=f"Bearer {me.token}")
    assert upload.status_code == 200, upload.content
    assert upload.json()["cv_url"].startswith("/files/")
    assert Client().get(upload.json()["cv_url"]).status_code == 200

    assert_error(me.post(f"experts/applications/{application['id']}/approve"), 403, "not_roster_manager")
    approved = api.as_user(manager).post(f"experts/applications/{application['id']}/approve")
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
    assert approved.json()["expert_code"] == "ZJ-0010"  # the roster fixture holds ZJ-0001 … ZJ-0009
    assert_error(api.as_user(manager).post(f"experts/applications/{application['id']}/approve"), 409,
                 "application_reviewed")

    record = me.get("experts/me").json()
    assert record["code"] == "ZJ-0010" and record["categories"] == ["judge", "local"]
    assert record["phone"] == "13800138000"  # one's own phone is shown in full
    assert_error(me.post("experts/applications", application_body()), 409, "already_expert")


def test_cv_must_be_a_pdf_or_word_file(api, org, make_user):
    me = api.as_user(make_user("申请人", unit=org.hvac))
    application = me.post("experts/applications", application_body()).json()
    client = Client()
    wrong = client.post(f"/api/v1/experts/applications/{application['id']}/cv",
                        {"file": cv("cv.pdf", b"<html>not a pdf</html>")}, HTTP_AUTHORIZATION=f"Bearer {me.token}")
    assert_error(wrong, 415, "unsupported_cv")
    assert Application.objects.get(pk=application["id"]).cv_path == ""
    other = api.as_user(make_user("别人", unit=org.hvac))
    stranger = client.post(f"/api/v1/experts/applications/{application['id']}/cv", {"file": cv("cv.pdf", PDF)},
                           HTTP_AUTHORIZATION=f"Bearer {other.token}")
    assert_error(stranger, 404, "application_not_found")


def test_reject_needs_a_reason_and_the_applicant_sees_it(api, org, make_user, manager):
    worker = make_user("申请人", unit=org.hvac)
    me = api.as_user(worker)
    application = me.post("experts/applications", application_body()).json()
    admin = api.as_user(manager)
    assert_error(admin.post(f"experts/applications/{application['id']}/reject", {"reason": ""}), 422)
    rejected = admin.post(f"experts/applications/{application['id']}/reject", {"reason": "从业年限不足"})
    assert rejected.status_code == 200
    mine = me.get("experts/applications").json()
    assert [(a["status"], a["reason"]) for a in mine] == [("rejected", "从业年限不足")]
    assert not Expert.objects.filter(user=worker).exists()
    assert me.get("notifications").json()["items"][0]["title"] == "专家入库申请未通过"
    # A rejected applicant may apply again.
    assert me.post("experts/applications", application_body()).status_code == 201


@pytest.mark.parametrize("body, code", [
    ({"categories": ["boss"]}, None),
    ({"speciality_ids": [999999]}, "unknown_speciality"),
    ({"categories": []}, "categories_required"),
    ({"org_unit_id": 999999}, "unknown_org_unit"),
])
def test_bad_applications_are_refused_and_write_nothing(api, org, make_user, body, code):
    me = api.as_user(make_user("申请人", unit=org.hvac))
    assert_error(me.post("experts/applications", application_body(**body)), 422, code)
    assert not Application.objects.exists()


def test_a_body_that_is_not_an_object_is_refused(api, org, make_user):
    me = api.as_user(make_user("申请人", unit=org.hvac))
    response = me.raw("POST", "experts/applications", b"[1, 2]")
    assert 400 <= response.status_code < 500
    assert not Application.objects.exists()


def test_roster_list_filters_masks_phones_and_is_for_managers(api, org, make_user, manager, roster):
    Expert.objects.filter(pk=roster["hvac1"].pk).update(phone="13912345678")
    admin = api.as_user(manager)
    hvac = admin.get("experts", {"speciality_id": spec("hvac")}).json()
    assert {e["name"] for e in hvac["items"]} == {"暖通甲", "暖通乙", "基地丙", "基地丁", "院校庚", "讲师辛", "暂停壬"}
    judges = admin.get("experts", {"category": "judge", "status": "active"}).json()
    assert judges["count"] == 7
    assert admin.get(f"experts/{roster['hvac1'].pk}").json()["phone"] == "13912345678"
    outsider = api.as_user(roster["hvac2"].user)
    assert_error(outsider.get("experts"), 403, "not_roster_manager")
    assert_error(outsider.get(f"experts/{roster['hvac1'].pk}"), 404, "expert_not_found")
    assert_error(outsider.get("experts/roster.xlsx"), 403)


def test_record_shows_engagements_ratings_and_expired_certifications(api, manager, roster):
    expert = roster["hvac1"]
    expert.certifications.create(name="制冷与空调作业证", expires_on=date(2020, 1, 1))
    services.record_engagement(user=expert.user, kind="contest", ref="competitions.event:1", title="暖通技能比武",
                               role="裁判", occurred_on=date(2026, 5, 1))
    services.record_engagement(user=expert.user, kind="contest", ref="competitions.event:1", title="暖通技能比武",
                               role="裁判", occurred_on=date(2026, 5, 1))  # once per ref
    services.record_rating(user=expert.user, source="evaluations.campaign:1", title="冷水机组课程",
                           score=Decimal("4.50"), responses=20, rated_on=date(2026, 5, 2))
    services.record_rating(user=expert.user, source="evaluations.campaign:2", title="NPS 课程",
                           score=Decimal("8"), scale_max=Decimal(10), responses=20, rated_on=date(2026, 5, 3))
    record = api.as_user(manager).get(f"experts/{expert.pk}").json()
    assert [(e["kind_label"], e["title"]) for e in record["engagements"]] == [("执裁比武", "暖通技能比武")]
    assert record["rating_mean"] == "4.25"  # 4.5/5 and 8/10 → 4.5 and 4.0 on five points
    assert record["certifications"][0]["expired"] is True
    assert services.record_engagement(user=None, expert_id=None, kind="course", ref="x", title="x",
                                      occurred_on=date(2026, 1, 1)) is None


def test_counts_and_xlsx(api, manager, roster):
    admin = api.as_user(manager)
    counts = admin.get("experts/stats").json()
    assert counts["total"] == 8  # the suspended judge is not counted
    by_category = {row["category"]: row["count"] for row in counts["by_category"]}
    assert by_category == {"local": 0, "lecturer": 1, "judge": 7, "reviewer": 0}
    by_speciality = {row["name"]: row["count"] for row in counts["by_speciality"]}
    assert by_speciality["暖通"] == 6 and by_speciality["楼宇自控"] == 2
    response = admin.get("experts/roster.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book["专家库"].iter_rows(values_only=True))
    assert rows[0][0] == "专家编号" and len(rows) == 1 + 9
    assert rows[1][:2] == ("ZJ-0001", "暖通甲")


def test_codes_are_gap_free_when_an_approval_rolls_back(org, make_user, manager):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        services.create_expert(name="回滚", categories=[Category.JUDGE])
        raise RuntimeError
    assert services.create_expert(name="下一位").code == "ZJ-0001"


def test_concurrent_approvals_get_distinct_consecutive_codes(postgres, org, make_user, manager):
    applications = []
    for n in range(4):
        applicant = make_user(f"并发{n}", unit=org.hvac)
        application, _ = services.submit_application(
            applicant=applicant, client_id="", data=services.ApplicationInput(
                name=f"并发{n}", categories=["judge"], speciality_ids=[spec("hvac")]))
        applications.append(application.pk)
    barrier = threading.Barrier(4)
    codes, errors = [], []

    def approve(pk):
        try:
            barrier.wait()
            codes.append(services.approve_application(actor=manager, application_id=pk).code)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(pk,)) for pk in applications]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(codes) == ["ZJ-0001", "ZJ-0002", "ZJ-0003", "ZJ-0004"]
