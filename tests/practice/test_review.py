"""Reviews by the studio's masters and leaders, who sees which runs, and the list filters."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import Role
from practice.models import RunReview
from practice.selectors import approved_runs
from standards.models import Step
from tests.conftest import assert_error
from tests.practice import make_point, make_procedure, new_id


def test_a_master_of_the_studio_approves_and_the_run_becomes_evidence(practice):
    run_id = practice.finished_run(practice.client(practice.apprentice))
    master = practice.client(practice.master)
    response = master.post(f"runs/{run_id}/review", {"decision": "approved", "comment": "操作规范，读数准确"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["decision"] == "approved" and body["reviewer"] == {"id": practice.master.pk, "name": "王德明"}
    assert practice.client(practice.apprentice).get(f"runs/{run_id}").json()["review_state"] == "approved"
    assert list(approved_runs(user=practice.apprentice, procedure=practice.procedure).values_list("pk", flat=True)) \
        == [run_id]
    assert not approved_runs(user=practice.worker, procedure=practice.procedure).exists()


def test_the_latest_review_decides(practice):
    run_id = practice.finished_run(practice.client(practice.apprentice))
    practice.client(practice.master).post(f"runs/{run_id}/review", {"decision": "approved"})
    practice.client(practice.leader).post(f"runs/{run_id}/review",
                                          {"decision": "rejected", "comment": "照片未拍到压力表读数，请重做"})
    detail = practice.client(practice.apprentice).get(f"runs/{run_id}").json()
    assert detail["review_state"] == "rejected"
    assert [r["decision"] for r in detail["reviews"]] == ["approved", "rejected"]
    assert not approved_runs(user=practice.apprentice).exists()
    assert RunReview.objects.filter(run_id=run_id).count() == 2


def test_a_review_resent_with_its_client_id_is_stored_once(practice):
    run_id = practice.finished_run(practice.client(practice.apprentice))
    master = practice.client(practice.master)
    body = {"decision": "approved", "client_id": new_id()}
    assert master.post(f"runs/{run_id}/review", body).status_code == 201
    assert master.post(f"runs/{run_id}/review", body).status_code == 200
    assert RunReview.objects.count() == 1


def test_a_worker_cannot_review(practice):
    run_id = practice.finished_run(practice.client(practice.apprentice))
    for user in (practice.worker, practice.apprentice):
        response = practice.client(user).post(f"runs/{run_id}/review", {"decision": "approved"})
        assert_error(response, 403, "review_forbidden")
    assert not RunReview.objects.exists()


def test_reviewers_of_another_studio_do_not_see_the_run(practice):
    run_id = practice.finished_run(practice.client(practice.apprentice))
    for user in (practice.bas_master, practice.bas_leader):
        assert_error(practice.client(user).post(f"runs/{run_id}/review", {"decision": "approved"}), 404, "not_found")


def test_no_self_review_no_review_while_open_and_a_rejection_needs_a_comment(practice, make_user):
    master = practice.client(practice.master)
    own = practice.finished_run(master)
    assert_error(master.post(f"runs/{own}/review", {"decision": "approved"}), 403, "cannot_review_own_run")
    open_run = practice.finished_run(practice.client(practice.apprentice), complete=False)
    assert_error(master.post(f"runs/{open_run}/review", {"decision": "approved"}), 409, "run_not_completed")
    done = practice.finished_run(practice.client(practice.apprentice))
    assert_error(master.post(f"runs/{done}/review", {"decision": "rejected"}), 422, "comment_required")
    assert_error(master.post(f"runs/{done}/review", {"decision": "maybe"}), 422, "validation_error")


def test_a_leader_of_another_studio_cannot_see_the_runs(practice):
    run_id = practice.finished_run(practice.client(practice.apprentice))
    bas = practice.client(practice.bas_leader)
    assert bas.get("runs").json() == {"count": 0, "items": []}
    assert bas.get("runs", {"studio": practice.org.hvac.pk}).json()["count"] == 0
    assert_error(bas.get(f"runs/{run_id}"), 404, "not_found")
    hvac = practice.client(practice.leader).get("runs").json()
    assert [r["id"] for r in hvac["items"]] == [run_id]


def test_workers_see_their_own_runs_only(practice):
    mine = practice.finished_run(practice.client(practice.worker))
    theirs = practice.finished_run(practice.client(practice.apprentice))
    worker = practice.client(practice.worker)
    assert [r["id"] for r in worker.get("runs").json()["items"]] == [mine]
    assert [r["id"] for r in worker.get("runs", {"mine": "true"}).json()["items"]] == [mine]
    assert_error(worker.get(f"runs/{theirs}"), 404, "not_found")
    leader = practice.client(practice.leader)
    assert leader.get("runs", {"mine": "true"}).json()["count"] == 0
    assert leader.get("runs").json()["count"] == 2


def test_run_list_filters(practice, make_user):
    other_procedure = make_procedure(studio=practice.org.hvac, code="SOP-T-002", title="空调末端故障排查",
                                     steps=[{"title": "风机运转", "type": Step.Type.CHECK}])
    other_point = make_point(studio=practice.org.hvac, procedures=[other_procedure], code="HVAC-02", name="风机盘管")
    apprentice = practice.client(practice.apprentice)
    passed = practice.finished_run(apprentice, started_at=timezone.now() - timedelta(days=3))
    values = practice.good_values(apprentice)
    values[2] = 10.0
    failed = practice.finished_run(apprentice, values=values)
    from standards.services import active_code

    started = apprentice.post("runs", {"client_id": new_id(), "point_code": active_code(other_point).code,
                                       "procedure_version_id": other_procedure.current_version_id,
                                       "started_at": timezone.now().isoformat()}).json()
    leader = practice.client(practice.leader)

    def ids(**params):
        return [r["id"] for r in leader.get("runs", params).json()["items"]]

    assert ids() == [started["id"], failed, passed]
    assert ids(verdict="fail") == [failed]
    assert ids(verdict="pass") == [passed]
    assert ids(status="open") == [started["id"]]
    assert ids(point=other_point.pk) == [started["id"]]
    assert ids(procedure=practice.procedure.pk) == [failed, passed]
    today = timezone.localdate()
    assert ids(date_from=today.isoformat()) == [started["id"], failed]
    assert ids(date_to=(today - timedelta(days=1)).isoformat()) == [passed]
    assert ids(performer=practice.apprentice.pk, limit=1, offset=1) == [failed]
    assert ids(review="pending") == [failed, passed]
    practice.client(practice.master).post(f"runs/{passed}/review", {"decision": "approved"})
    assert ids(review="approved") == [passed] and ids(review="pending") == [failed]
    assert_error(leader.get("runs", {"verdict": "meh"}), 422, "validation_error")
    assert_error(leader.get("runs", {"limit": 1000}), 422, "validation_error")


def test_run_detail_shows_records_photos_reviews_and_orders(practice):
    apprentice = practice.client(practice.apprentice)
    values = practice.good_values(apprentice)
    values[3] = "loud"
    run_id = practice.finished_run(apprentice, values=values)
    detail = practice.client(practice.master).get(f"runs/{run_id}").json()
    assert detail["performer"]["name"] == "李文博" and detail["verdict"] == "fail"
    photo_record = next(r for r in detail["records"] if r["step_id"] == practice.step(6).pk)
    assert len(photo_record["photos"]) == 2 and photo_record["photos"][0]["thumbnail_url"].startswith("http")
    assert [o["step_id"] for o in detail["work_orders"]] == [practice.step(3).pk]
    assert detail["work_orders"][0]["number"].startswith("WO-")


def test_dispatchers_see_runs_in_their_scope_but_do_not_review(practice, make_user):
    dispatcher = make_user("吴敏", roles=[(Role.DISPATCHER, practice.org.base)])
    run_id = practice.finished_run(practice.client(practice.apprentice))
    client = practice.client(dispatcher)
    assert client.get(f"runs/{run_id}").status_code == 200
    assert_error(client.post(f"runs/{run_id}/review", {"decision": "approved"}), 403, "review_forbidden")


def test_list_queries_do_not_grow_with_runs(practice):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    apprentice = practice.client(practice.apprentice)
    leader = practice.client(practice.leader)
    practice.finished_run(apprentice, values={1: "pass", 2: 7, 3: "normal", 4: 1}, complete=False)
    with CaptureQueriesContext(connection) as one:
        leader.get("runs")
    for _ in range(4):
        practice.finished_run(apprentice, values={1: "pass", 2: 7, 3: "normal", 4: 1}, complete=False)
    with CaptureQueriesContext(connection) as five:
        assert leader.get("runs").json()["count"] == 5
    assert len(five) == len(one)
