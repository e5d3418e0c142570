"""Whatever a camera reads, a scan answers with the envelope, never a 500, and the scan is logged."""

import pytest

from practice.models import ScanLog
from tests.conftest import assert_error

ODD = ["%00abc", "a%00", "%E4%B8%AD%E6%96%87%E7%A0%81", "x" * 300, "%F0%9F%98%80", "..", "%20%20",
       "http:%2F%2Fevil", "'%3B drop table"]


@pytest.mark.parametrize("raw", ODD)
def test_odd_scanned_text_is_an_unknown_code(practice, raw):
    response = practice.client(practice.worker).get(f"scan/{raw}")
    assert_error(response, 404, "qr_unknown")
    log = ScanLog.objects.order_by("-id").first()
    assert log.outcome == "unknown" and len(log.code) <= 64 and "\x00" not in log.code


def test_a_line_break_never_reaches_the_route_but_still_gets_the_envelope(practice):
    assert_error(practice.client(practice.worker).get("scan/a%0Ab"), 404, "not_found")


def test_the_whole_printed_link_works_as_well_as_the_code(practice):
    from standards.models import qr_link

    worker = practice.client(practice.worker)
    for sent in (qr_link(practice.code), f"https://shixun.example.gov.cn/q/{practice.code}?from=wx"):
        response = worker.get(f"scan/{sent}")
        assert response.status_code == 200, response.content
        assert response.json()["code"] == practice.code and response.json()["flags"] == []
    assert ScanLog.objects.filter(code=practice.code, outcome="ok").count() == 2
    run = worker.post("runs", {"client_id": "link-run", "point_code": qr_link(practice.code),
                               "procedure_version_id": practice.version.pk, "started_at": "2026-11-27T09:00:00+08:00"})
    assert run.status_code == 201 and run.json()["point"]["code"] == "HVAC-01"


def test_control_characters_in_any_field_are_a_422_not_a_500(practice):
    worker = practice.client(practice.worker)
    bad_run = practice.start(worker, client_id="run\x00one")
    body = assert_error(bad_run, 422, "validation_error")
    assert body["detail"][0]["field"] == "client_id"
    run_id = practice.start(worker).json()["id"]
    assert_error(practice.record(worker, run_id, 8, "正常\x00"), 422, "invalid_step_value")
    assert_error(practice.record(worker, run_id, 1, "pass", note="\x00"), 422, "validation_error")
    assert_error(practice.record(worker, run_id, 1, "pass", client_id="\x07bell"), 422, "validation_error")
    fine = practice.record(worker, run_id, 8, "第一行\n第二行\t备注")
    assert fine.status_code == 201
    result = worker.post("sync", {"runs": [{"client_id": "x\x00", "point_code": practice.code}]}).json()
    assert result["results"][0]["status"] == "rejected" and result["results"][0]["code"] == "validation_error"
