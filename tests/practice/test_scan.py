"""GET /scan/{code}: every outcome and flag, every scan logged, constant queries, an honest cache."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from practice.models import ScanLog
from standards import services as standards_services
from standards.models import Step
from tests.conftest import assert_error
from tests.practice import make_point, make_procedure, new_id, qr_of

NEAR = {"latitude": 31.8110, "longitude": 119.9742, "accuracy": 10}  # ~40 m from the point
FAR = {"latitude": 31.8200, "longitude": 119.9740, "accuracy": 20}  # ~1 km north


def last_log() -> ScanLog:
    return ScanLog.objects.order_by("-id").first()


def test_a_good_scan_returns_the_point_and_is_logged(practice):
    worker = practice.client(practice.worker)
    sent = timezone.now()
    response = worker.get(f"scan/{practice.code}", {"client_time": sent.isoformat(), **NEAR})
    assert response.status_code == 200
    body = response.json()
    assert body["flags"] == [] and body["suspicious"] is False
    assert body["point"] == {
        "id": practice.point.pk, "code": "HVAC-01", "name": "1号冷水机组", "location_text": "行政中心B1冷冻机房",
        "studio": {"id": practice.org.hvac.pk, "name": "暖通作业技师工作室"}, "latitude": 31.8107,
        "longitude": 119.974, "radius_m": 100, "is_active": True,
    }
    log = last_log()
    assert (log.pk, log.user, log.outcome, log.source, log.point, log.qr.code) == (
        body["scan_id"], practice.worker, "ok", "camera", practice.point, practice.code)
    assert abs((log.client_time - sent).total_seconds()) < 1
    assert float(log.latitude) == NEAR["latitude"] and log.accuracy_m == 10 and 20 < log.distance_m < 60
    assert log.suspicious is False


def test_an_unknown_code_is_404_and_logged(practice):
    response = practice.client(practice.worker).get("scan/NoSuchCode123")
    body = assert_error(response, 404, "qr_unknown")
    log = last_log()
    assert (log.outcome, log.code, log.point, log.pk) == ("unknown", "NoSuchCode123", None, body["detail"]["scan_id"])


def test_a_revoked_code_is_410_and_logged(practice):
    old = practice.code
    standards_services.rotate_code(point=practice.point, reason="标签被复制")
    response = practice.client(practice.worker).get(f"scan/{old}")
    assert_error(response, 410, "qr_revoked")
    assert (last_log().outcome, last_log().point) == ("revoked", practice.point)
    fresh = practice.client(practice.worker).get(f"scan/{qr_of(practice.point)}")
    assert fresh.status_code == 200


def test_a_code_revoked_without_replacement_is_410(practice):
    standards_services.revoke_code(point=practice.point, reason="停用标签")
    assert_error(practice.client(practice.worker).get(f"scan/{practice.code}"), 410, "qr_revoked")


def test_an_inactive_point_is_409_and_logged(practice):
    practice.point.is_active = False
    practice.point.save()
    response = practice.client(practice.worker).get(f"scan/{practice.code}")
    assert_error(response, 409, "point_inactive")
    assert last_log().outcome == "inactive"


@pytest.mark.parametrize(("params", "flags"), [
    ({"source": "manual"}, ["manual_entry"]),
    (FAR, ["outside_radius"]),
    (NEAR, []),
    ({"latitude": 31.8125, "longitude": 119.9740, "accuracy": 150}, []),  # 200 m away, but ±150 m: benefit of doubt
    ({"client_time_offset": 6 * 60}, ["clock_skew"]),
    ({"client_time_offset": -6 * 60}, ["clock_skew"]),
    ({"client_time_offset": 4 * 60}, []),
    ({"source": "manual", "client_time_offset": 3600, **FAR}, ["manual_entry", "outside_radius", "clock_skew"]),
])
def test_suspicious_scans_are_flagged_not_refused(practice, params, flags):
    params = dict(params)
    offset = params.pop("client_time_offset", None)
    if offset is not None:
        params["client_time"] = (timezone.now() + timedelta(seconds=offset)).isoformat()
    response = practice.client(practice.worker).get(f"scan/{practice.code}", params)
    assert response.status_code == 200, response.content
    assert response.json()["flags"] == flags and response.json()["suspicious"] is bool(flags)
    assert last_log().flags == flags and last_log().suspicious is bool(flags)


def test_typing_the_label_code_finds_the_point_as_a_manual_entry(practice):
    response = practice.client(practice.worker).get("scan/hvac-01", {"source": "camera"})
    assert response.status_code == 200
    assert response.json()["point"]["id"] == practice.point.pk and response.json()["flags"] == ["manual_entry"]
    assert last_log().qr is None and last_log().point == practice.point


def test_gps_needs_both_coordinates_and_sane_values(practice):
    worker = practice.client(practice.worker)
    assert_error(worker.get(f"scan/{practice.code}", {"latitude": 31.8}), 422, "validation_error")
    assert_error(worker.get(f"scan/{practice.code}", {"latitude": 91, "longitude": 0}), 422, "validation_error")
    assert_error(worker.get(f"scan/{practice.code}", {"source": "bluetooth"}), 422, "validation_error")
    assert_error(worker.get(f"scan/{practice.code}", {"client_time": "yesterday"}), 422, "validation_error")


def test_scanning_needs_a_login(practice, api):
    assert_error(api.get(f"scan/{practice.code}"), 401, "unauthorized")


def test_scans_are_rate_limited(practice, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "scan": "3/60"}
    worker = practice.client(practice.worker)
    for _ in range(3):
        assert worker.get(f"scan/{practice.code}").status_code == 200
    limited = worker.get(f"scan/{practice.code}")
    assert_error(limited, 429, "rate_limited")
    assert int(limited["Retry-After"]) >= 1


def test_the_open_run_comes_back_with_its_recorded_steps(practice):
    worker = practice.client(practice.worker)
    run_id = practice.start(worker).json()["id"]
    practice.record(worker, run_id, 1, "flag")
    practice.record(worker, run_id, 2, 7.4)
    body = worker.get(f"scan/{practice.code}").json()
    assert body["open_run"]["id"] == run_id and [r["verdict"] for r in body["open_run"]["records"]] == ["flag", "pass"]
    other = practice.client(practice.apprentice).get(f"scan/{practice.code}").json()
    assert other["open_run"] is None and other["open_runs"] == []


def _many_procedures(practice, count: int, steps: int):
    for index in range(count):
        procedure = make_procedure(
            studio=practice.org.hvac, code=f"SOP-Q-{index:03d}", title=f"规程{index}",
            steps=[{"title": f"步骤{n}", "type": Step.Type.NUMBER, "lower_limit": 1, "upper_limit": 9}
                   for n in range(steps)],
        )
        practice.point.procedures.add(procedure)


def _count_scan_queries(client, code) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as cold:
        assert client.get(f"scan/{code}").status_code == 200
    with CaptureQueriesContext(connection) as warm:
        assert client.get(f"scan/{code}").status_code == 200
    return len(cold), len(warm)


def test_scan_queries_do_not_grow_with_procedures_and_steps(practice):
    worker = practice.client(practice.worker)
    small = _count_scan_queries(worker, practice.code)
    _many_procedures(practice, count=12, steps=25)
    big = _count_scan_queries(worker, practice.code)
    assert len(worker.get(f"scan/{practice.code}").json()["procedures"]) == 13
    assert big == small
    cold, warm = small
    assert warm < cold  # the procedure tree comes from the cache
    assert warm <= 3  # the token, the caller's open runs, the scan log

    run_id = practice.start(worker).json()["id"]
    for position in (1, 2, 3):
        practice.record(worker, run_id, position, {1: "pass", 2: 7, 3: "normal"}[position])
    with CaptureQueriesContext(connection) as with_open_run:
        worker.get(f"scan/{practice.code}")
    assert len(with_open_run) == warm + 1  # plus the open run's records, whatever their number


def test_the_cache_follows_attach_detach_publish_rotate_and_edits(practice):
    worker = practice.client(practice.worker)

    def procedures():
        return [p["title"] for p in worker.get(f"scan/{practice.code}").json()["procedures"]]

    assert procedures() == ["冷水机组日常巡检"]  # now cached
    extra = make_procedure(studio=practice.org.hvac, code="SOP-T-002", title="空调末端故障排查",
                           steps=[{"title": "检查", "type": Step.Type.CHECK}])
    standards_services.attach_procedures(point=practice.point, procedures=[extra])
    assert procedures() == ["冷水机组日常巡检", "空调末端故障排查"]
    standards_services.detach_procedures(point=practice.point, procedures=[extra])
    assert procedures() == ["冷水机组日常巡检"]
    extra.points.add(practice.point)  # from the other side of the relation
    assert procedures() == ["冷水机组日常巡检", "空调末端故障排查"]

    practice.point.name = "1号离心式冷水机组"
    practice.point.save()
    assert worker.get(f"scan/{practice.code}").json()["point"]["name"] == "1号离心式冷水机组"
    practice.procedure.standard.code = "GB 50365-2020"
    practice.procedure.standard.save()
    assert worker.get(f"scan/{practice.code}").json()["procedures"][0]["standard_code"] == "GB 50365-2020"

    draft = standards_services.create_draft(procedure=extra)
    standards_services.add_step(version=draft, title="新增步骤", type=Step.Type.TEXT)
    standards_services.publish_version(version=draft)
    tree = worker.get(f"scan/{practice.code}").json()["procedures"][1]
    assert tree["version"] == 2 and [s["title"] for s in tree["steps"]] == ["检查", "新增步骤"]

    old = practice.code
    standards_services.rotate_code(point=practice.point)
    assert_error(worker.get(f"scan/{old}"), 410, "qr_revoked")


def test_a_scan_works_when_the_cache_is_down(practice, monkeypatch):
    from standards import scan_cache

    class Broken:
        def get(self, *args, **kwargs):
            raise ConnectionError("redis is restarting")

        set = delete_many = get

    monkeypatch.setattr(scan_cache, "cache", Broken())
    response = practice.client(practice.worker).get(f"scan/{practice.code}")
    assert response.status_code == 200 and response.json()["procedures"][0]["title"] == "冷水机组日常巡检"


def test_codes_are_opaque_short_and_within_the_wechat_scene_alphabet(practice):
    import re

    codes = {qr_of(make_point(studio=practice.org.hvac, code=f"HVAC-{n:02d}", name=f"点{n}")) for n in range(2, 12)}
    assert len(codes) == 10
    for code in codes:
        assert re.fullmatch(r"[A-Za-z0-9]{16}", code) and len(code) <= 32
    assert new_id() not in codes


def test_the_scan_answer_matches_its_documented_schema(practice, api):
    from practice.schemas import ScanOut

    worker = practice.client(practice.worker)
    run_id = practice.start(worker).json()["id"]
    practice.record(worker, run_id, 1, "fail")
    response = worker.get(f"scan/{practice.code}", {"source": "manual"})
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    parsed = ScanOut.model_validate(body)  # the spliced, pre-serialised answer is what the schema says
    assert parsed.open_run.id == run_id and parsed.procedures[0].steps[2].options[2].verdict == "fail"
    assert set(body) == set(ScanOut.model_fields)
    schema = api.get("openapi.json").json()
    scan_doc = schema["paths"]["/api/v1/scan/{code}"]["get"]["responses"]["200"]
    assert scan_doc["content"]["application/json"]["schema"]["$ref"].endswith("/ScanOut")
