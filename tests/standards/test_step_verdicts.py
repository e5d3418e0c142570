"""Each step type's verdicts as the server decides them, wrong types refused naming the step, and
conditional steps."""

import pytest

from tests.conftest import assert_error
from tests.practice import photo_ids

# (position, value, verdict): 1 check, 2 number 6–8 ℃, 3 choice, 4 meter (threshold 50000), 8 text
VERDICTS = [
    (1, "pass", "pass"), (1, "flag", "flag"), (1, "fail", "fail"),
    (2, 7.2, "pass"), (2, 6, "pass"), (2, 8, "pass"), (2, 5.99, "fail"), (2, 8.01, "fail"), (2, -3, "fail"),
    (3, "normal", "pass"), (3, "slight", "flag"), (3, "loud", "fail"),
    (4, 0, "pass"), (4, 50000, "pass"), (4, 50000.5, "flag"),
    (8, "油位正常，无渗漏", "pass"),
]


@pytest.mark.parametrize(("position", "value", "verdict"), VERDICTS)
def test_the_server_decides_the_verdict(practice, position, value, verdict):
    worker = practice.client(practice.worker)
    run_id = practice.start(worker).json()["id"]
    response = practice.record(worker, run_id, position, value)
    assert response.status_code == 201, response.content
    assert response.json()["verdict"] == verdict
    assert response.json()["value"] == value


WRONG = [
    (1, "ok"), (1, True), (1, None),
    (2, "7.2"), (2, True), (2, None), (2, [7]), (2, 1e12),
    (3, "unknown"), (3, 1), (4, -1), (4, "12"),
    (8, ""), (8, "   "), (8, 42),
    (6, "photo"),
]


@pytest.mark.parametrize(("position", "value"), WRONG)
def test_a_value_of_the_wrong_type_is_422_naming_the_step(practice, position, value):
    worker = practice.client(practice.worker)
    run_id = practice.start(worker).json()["id"]
    response = practice.record(worker, run_id, position, value)
    body = assert_error(response, 422, "invalid_step_value")
    step = practice.step(position)
    assert body["detail"]["step_id"] == step.pk and body["detail"]["step_title"] == step.title
    assert step.title in body["message"]


def test_photo_steps_need_their_minimum_and_signatures_exactly_one_image(practice):
    worker = practice.client(practice.worker)
    run_id = practice.start(worker).json()["id"]
    one = photo_ids(worker, 1)
    assert_error(practice.record(worker, run_id, 6, None, photos=one), 422, "invalid_step_value")
    two = photo_ids(worker, 2)
    assert_error(practice.record(worker, run_id, 7, None, photos=two), 422, "invalid_step_value")
    assert_error(practice.record(worker, run_id, 7, None), 422, "invalid_step_value")
    # The refused records attached nothing: the same photos still work.
    photos = practice.record(worker, run_id, 6, None, photos=one + two[:1])
    assert photos.status_code == 201 and photos.json()["verdict"] == "pass"
    assert [p["id"] for p in photos.json()["photos"]] == one + two[:1]
    signature = practice.record(worker, run_id, 7, None, photos=two[1:])
    assert signature.status_code == 201 and signature.json()["photo_ids"] == two[1:]


def test_a_conditional_step_is_refused_until_its_condition_holds(practice):
    worker = practice.client(practice.worker)
    run_id = practice.start(worker).json()["id"]
    hidden = practice.record(worker, run_id, 5, "控制面板有报警")
    body = assert_error(hidden, 422, "step_condition_not_met")
    assert body["detail"]["condition"] == {"step_id": practice.step(1).pk, "verdicts": ["fail", "flag"]}
    practice.record(worker, run_id, 1, "pass")
    assert_error(practice.record(worker, run_id, 5, "说明"), 422, "step_condition_not_met")
    practice.record(worker, run_id, 1, "flag")
    shown = practice.record(worker, run_id, 5, "E12 高压报警，已复位")
    assert shown.status_code == 201, shown.content


def test_a_conditional_step_is_required_only_while_shown(practice):
    worker = practice.client(practice.worker)
    values = practice.good_values(worker)
    values[1] = "fail"
    run_id = practice.finished_run(worker, values=values, complete=False)
    missing = assert_error(worker.post(f"runs/{run_id}/complete", {}), 422, "required_steps_missing")
    assert [m["step_id"] for m in missing["detail"]["missing"]] == [practice.step(5).pk]
    practice.record(worker, run_id, 5, "报警灯亮，已通知维修")
    done = worker.post(f"runs/{run_id}/complete", {})
    assert done.status_code == 200 and done.json()["verdict"] == "fail"


def test_the_run_verdict_is_the_worst_shown_step(practice):
    worker = practice.client(practice.worker)
    values = practice.good_values(worker)
    values[3] = "slight"
    run_id = practice.finished_run(worker, values=values)
    assert worker.get(f"runs/{run_id}").json()["verdict"] == "flag"
