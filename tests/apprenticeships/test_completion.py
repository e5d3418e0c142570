"""出师: all competencies countersigned and the final review signed → the leader grades it and a
certificate is issued; anyone can verify it by its code; a forged code is not found."""

import io
from datetime import date

from django.test import Client
from PIL import Image

from apprenticeships.certificates import grouped, new_code, verify_url
from apprenticeships.models import Agreement, Certificate
from tests.conftest import assert_error
from tests.practice import decode_qr


def _ready(teaching, clock):
    clock.set(date(2026, 3, 2))
    agreement = teaching.create(start=date(2026, 3, 2))
    teaching.sign_off_everything(agreement)
    return agreement


def test_completion_needs_every_competency_signed_and_the_final_review(teaching, clock):
    clock.set(date(2026, 3, 2))
    agreement = teaching.create(start=date(2026, 3, 2))
    leader = teaching.client(teaching.leader)
    first = agreement["plan"][0]
    teaching.rate(first["id"], "met")
    teaching.countersign(first["id"])
    body = assert_error(leader.post(f"apprenticeships/{agreement['id']}/complete", {"grade": "pass"}),
                        409, "plan_incomplete")
    assert len(body["detail"]["missing"]) == 5
    teaching.sign_off_everything({"plan": agreement["plan"][1:]})
    assert_error(leader.post(f"apprenticeships/{agreement['id']}/complete", {"grade": "pass"}),
                 409, "final_review_missing")
    review = teaching.review(agreement["id"], final=True, signers=[teaching.apprentice, teaching.master])
    assert_error(leader.post(f"apprenticeships/{agreement['id']}/complete", {"grade": "pass"}),
                 409, "final_review_missing")  # two of three signatures
    assert leader.post(f"apprenticeships/reviews/{review['id']}/sign", {}).status_code == 201
    assert_error(teaching.client(teaching.master).post(f"apprenticeships/{agreement['id']}/complete",
                                                       {"grade": "pass"}), 403, "not_workshop_leader")
    assert_error(leader.post(f"apprenticeships/{agreement['id']}/complete",
                             {"grade": "excellent", "theory_score": "58", "practical_score": "90"}),
                 422, "grade_inconsistent")

    clock.set(date(2026, 12, 20))
    response = leader.post(f"apprenticeships/{agreement['id']}/complete",
                           {"grade": "excellent", "theory_score": "92", "practical_score": "95.5",
                            "comment": "出师考核优秀"})
    assert response.status_code == 200, response.content
    done = response.json()
    assert done["state"] == "completed" and done["grade"] == "excellent" and done["rag"] is None
    certificate = done["certificate"]
    assert certificate["verify_url"] == verify_url(certificate["code"]) and len(certificate["code"]) == 16
    # Completed is final: no more ratings or hours; completing again with the same grade is a replay.
    assert_error(teaching.hours(agreement["id"], 1), 409, "agreement_not_active")
    assert leader.post(f"apprenticeships/{agreement['id']}/complete", {"grade": "excellent"}).status_code == 200
    assert_error(leader.post(f"apprenticeships/{agreement['id']}/complete", {"grade": "pass"}),
                 409, "agreement_completed")
    assert Certificate.objects.count() == 1
    mine = teaching.client(teaching.apprentice).get("apprenticeships/mine").json()
    assert mine["certificate"]["code"] == certificate["code"]


def test_anyone_verifies_a_certificate_and_a_forged_code_is_not_found(teaching, clock):
    agreement = _ready(teaching, clock)
    teaching.review(agreement["id"], final=True)
    clock.set(date(2027, 2, 26))
    done = teaching.client(teaching.leader).post(f"apprenticeships/{agreement['id']}/complete",
                                                 {"grade": "pass"}).json()
    code = done["certificate"]["code"]
    public = Client()
    response = public.get(f"/api/v1/certificates/{code}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["valid"] is True and body["apprentice_name"] == "李文博" and body["master_name"] == "王德明"
    assert body["grade_label"] == "合格" and body["target_level_label"] == "四级/中级工"
    assert body["competencies"] == 6 and body["issued_on"] == "2027-02-26"
    # Printed in groups, typed in lower case: still the same certificate.
    assert public.get(f"/api/v1/certificates/{grouped(code).lower()}").json()["code"] == code

    forged = new_code()
    assert forged != code
    assert_error(public.get(f"/api/v1/certificates/{forged}"), 404, "certificate_not_found")
    other = "X" if code[-1] != "X" else "Y"  # one letter off (the code may itself end in X)
    assert_error(public.get(f"/api/v1/certificates/{code[:-1]}{other}"), 404, "certificate_not_found")
    assert_error(public.get("/api/v1/certificates/not-a-code"), 404, "certificate_not_found")
    assert_error(public.get(f"/api/v1/certificates/{forged}.png"), 404, "certificate_not_found")

    # A person scanning the QR with a browser gets a page, not JSON.
    page = public.get(f"/api/v1/certificates/{code}", HTTP_ACCEPT="text/html,application/xhtml+xml", follow=True)
    assert page.redirect_chain == [(f"/c/{code}", 302)]
    assert page.status_code == 200 and "证书有效" in page.content.decode() and "李文博" in page.content.decode()
    page = public.get(f"/api/v1/certificates/{forged}", HTTP_ACCEPT="text/html", follow=True)
    assert page.status_code == 404 and "证书不存在" in page.content.decode()

    Certificate.objects.filter(code=code).update(revoked_at=done["completed_at"], revoked_reason="信息有误")
    assert_error(public.get(f"/api/v1/certificates/{code}"), 410, "certificate_revoked")


def test_the_png_certificate_carries_a_qr_of_the_verify_url(teaching, clock):
    agreement = _ready(teaching, clock)
    teaching.review(agreement["id"], final=True)
    done = teaching.client(teaching.leader).post(f"apprenticeships/{agreement['id']}/complete",
                                                 {"grade": "excellent"}).json()
    code = done["certificate"]["code"]
    response = Client().get(done["certificate"]["png_url"])
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (1754, 1240)  # A4 landscape, 150 dpi
    assert decode_qr(image) == [verify_url(code)]


def test_a_failing_grade_completes_without_a_certificate(teaching, clock):
    agreement = _ready(teaching, clock)
    teaching.review(agreement["id"], final=True)
    done = teaching.client(teaching.leader).post(f"apprenticeships/{agreement['id']}/complete",
                                                 {"grade": "fail", "theory_score": "52"}).json()
    assert done["state"] == "completed" and done["grade"] == "fail" and done["certificate"] is None
    assert not Certificate.objects.exists()


def test_terminating_needs_a_reason_and_frees_the_apprentice_for_a_new_agreement(teaching, clock):
    clock.set(date(2026, 3, 2))
    agreement = teaching.create(start=date(2026, 3, 2))
    leader = teaching.client(teaching.leader)
    assert_error(leader.post(f"apprenticeships/{agreement['id']}/terminate", {"reason": ""}), 422, "validation_error")
    response = leader.post(f"apprenticeships/{agreement['id']}/terminate", {"reason": "徒弟调往楼控工作室"})
    assert response.status_code == 200 and response.json()["state"] == "terminated"
    assert response.json()["termination_reason"] == "徒弟调往楼控工作室"
    again = teaching.create(start=date(2026, 4, 1))
    assert again["state"] == "active"
    assert Agreement.objects.filter(apprentice=teaching.apprentice).count() == 2
