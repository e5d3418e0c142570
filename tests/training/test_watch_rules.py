"""Watched time: the union of reported ranges within the duration, never more than the wall time since the
lesson was opened (frozen clock), each item once; completion, resume, no skipping; per-item refusals."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.conftest import assert_error
from training import watch
from training.models import Enrolment, LessonProgress, ProgressItem

from .kit import make_course, new_id

D = Decimal


# --- the arithmetic -------------------------------------------------------------------------------------------
def test_union_merges_overlaps_and_near_gaps_and_ignores_order():
    ranges = [(D(50), D(60)), (D(0), D(10)), (D(5), D(20)), (D("20.5"), D(30))]
    assert watch.union(ranges) == [(D(0), D(30)), (D(50), D(60))]
    assert watch.length(watch.union(ranges)) == D(40)
    assert watch.union(list(reversed(ranges))) == watch.union(ranges)


def test_clamp_cuts_to_the_duration_and_says_so():
    result = watch.clamp([(0, 15), (590, 700), (800, 900)], D(600))
    assert result.ranges == [(D(0), D(15)), (D(590), D(600))]
    assert result.clamped
    assert not watch.clamp([(0, 15)], D(600)).clamped


def test_countable_with_no_skipping_is_the_contiguous_prefix_only():
    ranges = [(D(0), D(100)), (D(300), D(600))]
    assert watch.countable(ranges, prevent_skipping=False) == D(400)
    assert watch.countable(ranges, prevent_skipping=True) == D(100)
    assert watch.countable([(D(50), D(100))], prevent_skipping=True) == D(0)


def test_credit_is_capped_by_wall_time_and_never_goes_down():
    assert watch.credit(credited=D(0), countable_s=D(600), elapsed_s=D(60), grace_s=D(15)) == D(75)
    assert watch.credit(credited=D(75), countable_s=D(600), elapsed_s=D(30), grace_s=D(0)) == D(75)
    assert watch.credit(credited=D(75), countable_s=D(100), elapsed_s=D(600), grace_s=D(15)) == D(100)


# --- through the API, with a frozen clock -----------------------------------------------------------------------
@pytest.fixture
def video(people, clock, settings):
    settings.TRAINING_WALL_CLOCK_GRACE_SECONDS = 15
    course = make_course(unit=people.org.hvac, duration=D(600))
    lesson = course.lessons.get()
    Enrolment.objects.create(course=course, user=people.learner)
    return course, lesson


def item(lesson, watched, position=None, client_id=None, at=None):
    return {"client_id": client_id or new_id(), "lesson_id": lesson.pk,
            "position_s": str(position if position is not None else (watched[-1][1] if watched else 0)),
            "watched": [[str(a), str(b)] for a, b in watched], "at": (at or timezone.now()).isoformat()}


def post(people, *items, user=None):
    response = people.client(user or people.learner).post("learning/progress", {"items": list(items)})
    assert response.status_code == 200, response.content
    return response.json()


def opened(people, lesson):
    response = people.client(people.learner).get(f"lessons/{lesson.pk}/media")
    assert response.status_code == 200, response.content
    return response.json()


def test_600_seconds_of_video_cannot_be_watched_in_60(people, video, clock):
    course, lesson = video
    opened(people, lesson)
    clock.advance(seconds=60)
    body = post(people, item(lesson, [(0, 600)]))
    result = body["results"][0]
    assert result["status"] == "accepted" and result["capped"] is True
    assert D(result["credited_s"]) == D(75)  # 60 s of wall time + 15 s grace
    assert D(result["watched_s"]) == D(600) and result["lesson_completed"] is False
    # Time passes for real: the next report is credited up to what the clock allows, never beyond.
    clock.advance(seconds=540)
    result = post(people, item(lesson, []))["results"][0]
    assert D(result["credited_s"]) == D(600) and result["lesson_completed"] is True


def test_replayed_batch_counts_once(people, video, clock):
    course, lesson = video
    opened(people, lesson)
    clock.advance(seconds=120)
    batch = [item(lesson, [(0, 60)]), item(lesson, [(60, 120)])]
    first = post(people, *batch)
    assert first["accepted"] == 2 and D(first["results"][1]["credited_s"]) == D(120)
    clock.advance(seconds=300)
    replay = post(people, *batch)
    assert replay["duplicate"] == 2 and replay["accepted"] == 0
    assert [r["status"] for r in replay["results"]] == ["duplicate", "duplicate"]
    progress = LessonProgress.objects.get(user=people.learner, lesson=lesson)
    assert progress.credited_s == D(120)  # the wall clock moved on, but nothing new was watched
    assert ProgressItem.objects.filter(user=people.learner).count() == 2


def test_the_same_range_sent_again_under_a_new_id_adds_nothing(people, video, clock):
    course, lesson = video
    opened(people, lesson)
    clock.advance(seconds=400)
    post(people, item(lesson, [(0, 100)]))
    again = post(people, item(lesson, [(0, 100)]), item(lesson, [(50, 100)]))
    assert [D(r["credited_s"]) for r in again["results"]] == [D(100), D(100)]


def test_out_of_order_late_batches_give_the_same_union(people, video, clock):
    course, lesson = video
    opened(people, lesson)
    clock.advance(seconds=700)
    late = post(people, item(lesson, [(300, 600)], at=timezone.now() - timedelta(seconds=10)))
    assert D(late["results"][0]["credited_s"]) == D(300)
    early = post(people, item(lesson, [(0, 300)], position=300, at=timezone.now() - timedelta(seconds=400)))
    result = early["results"][0]
    assert D(result["credited_s"]) == D(600) and result["lesson_completed"] is True
    # The older report did not move the resume point back.
    assert D(result["position_s"]) == D(600)


def test_parallel_devices_share_one_wall_clock(people, video, clock):
    """Two phones playing different halves at the same time: together they still get only the time
    that passed."""
    course, lesson = video
    opened(people, lesson)
    clock.advance(seconds=300)
    phone_a = people.api.as_user(people.learner)
    phone_b = people.api.as_user(people.learner)
    a = phone_a.post("learning/progress", {"items": [item(lesson, [(0, 300)])]}).json()
    b = phone_b.post("learning/progress", {"items": [item(lesson, [(300, 600)])]}).json()
    assert D(a["results"][0]["credited_s"]) == D(300)
    assert D(b["results"][0]["credited_s"]) == D(315) and b["results"][0]["capped"] is True
    assert LessonProgress.objects.get(user=people.learner, lesson=lesson).completed_at is None


def test_ranges_beyond_the_duration_are_clamped_and_flagged(people, video, clock):
    course, lesson = video
    opened(people, lesson)
    clock.advance(seconds=1000)
    result = post(people, item(lesson, [(500, 900)], position=900))["results"][0]
    assert result["status"] == "accepted" and result["clamped"] is True
    assert D(result["watched_s"]) == D(100) and D(result["position_s"]) == D(600)
    assert ProgressItem.objects.get(client_id=result["client_id"]).outcome == "clamped"


def test_completion_at_the_configured_share(people, video, clock, settings):
    course, lesson = video
    opened(people, lesson)
    clock.advance(seconds=1000)
    result = post(people, item(lesson, [(0, 569)]))["results"][0]
    assert result["lesson_completed"] is False  # 569 of 600 is 94.8 %
    result = post(people, item(lesson, [(569, 570)]))["results"][0]
    assert result["lesson_completed"] is True and result["course_completed"] is True  # 95 %
    assert Enrolment.objects.get(user=people.learner, course=course).completed_at == clock.now


def test_a_course_may_ask_for_more(people, video, clock):
    course, lesson = video
    course.completion_share = D("1.00")
    course.save()
    opened(people, lesson)
    clock.advance(seconds=1000)
    assert post(people, item(lesson, [(0, 590)]))["results"][0]["lesson_completed"] is False
    assert post(people, item(lesson, [(590, 600)]))["results"][0]["lesson_completed"] is True


def test_no_skipping_credits_only_the_contiguous_part(people, clock):
    course = make_course(unit=people.org.hvac, duration=D(600), prevent_skipping=True)
    lesson = course.lessons.get()
    Enrolment.objects.create(course=course, user=people.learner)
    link = opened(people, lesson)
    assert D(link["max_seek_s"]) == D(0)
    clock.advance(seconds=1000)
    result = post(people, item(lesson, [(0, 100), (400, 600)]))["results"][0]
    assert D(result["credited_s"]) == D(100) and D(result["furthest_s"]) == D(100)
    assert D(opened(people, lesson)["max_seek_s"]) == D(100)
    # Watching the gap makes the rest contiguous: it counts now.
    result = post(people, item(lesson, [(100, 400)]))["results"][0]
    assert D(result["credited_s"]) == D(600) and result["lesson_completed"] is True


def test_without_opening_first_the_first_report_starts_the_clock(people, video, clock):
    course, lesson = video
    result = post(people, item(lesson, [(0, 600)]))["results"][0]
    assert D(result["credited_s"]) == D(15)  # only the grace: the server never saw the lesson opened


def test_a_bad_item_never_spoils_the_others(people, video, clock):
    course, lesson = video
    other = make_course(unit=people.org.hvac, title="未报名的课程", duration=D(300)).lessons.get()
    doc = make_course(unit=people.org.hvac, title="图文课程", kinds=("article",))
    Enrolment.objects.create(course=doc, user=people.learner)
    opened(people, lesson)
    clock.advance(seconds=100)
    body = post(people, item(lesson, [(0, 50)]), item(other, [(0, 10)]), item(lesson, [(80, 60)]),
                {**item(lesson, []), "lesson_id": 2**40}, item(doc.lessons.get(), [], position=0),
                item(lesson, [(50, 90)]))
    statuses = [(r["status"], r["code"]) for r in body["results"]]
    assert statuses == [("accepted", None), ("rejected", "not_enrolled"), ("rejected", "invalid_range"),
                        ("rejected", "lesson_not_found"), ("accepted", None), ("accepted", None)]
    assert all(r["message"] for r in body["results"] if r["status"] == "rejected")
    assert D(body["results"][-1]["credited_s"]) == D(90)
    assert body["results"][4]["lesson_completed"] is True  # an article is done once opened
    assert not LessonProgress.objects.filter(user=people.learner, lesson=other).exists()
    assert ProgressItem.objects.filter(user=people.learner).count() == 3


@pytest.mark.parametrize("body", [
    [{"client_id": "x", "lesson_id": 1, "position_s": 0, "watched": [], "at": "2026-03-02T10:00:00+08:00"}],
    "items", {"items": []}, {"items": [{"client_id": "x"}]},
    {"items": [{"client_id": "x", "lesson_id": 1, "position_s": -1, "watched": [], "at": "2026-03-02T10:00:00"}]},
    {"items": [{"client_id": "x", "lesson_id": 1, "position_s": 1, "watched": [[1, 2, 3]], "at": "2026-03-02T10:00"}]},
])
def test_a_body_of_the_wrong_shape_is_422_and_changes_nothing(people, video, body):
    response = people.client(people.learner).post("learning/progress", body)
    assert_error(response, 422, "validation_error")
    assert not ProgressItem.objects.exists() and not LessonProgress.objects.exists()


def test_progress_queries_do_not_grow_with_the_batch(people, video, clock, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    course, lesson = video
    opened(people, lesson)
    clock.advance(seconds=1000)
    client = people.client(people.learner)
    client.get("ping")
    counts = []
    for size in (1, 10):
        with CaptureQueriesContext(connection) as queries:
            client.post("learning/progress", {"items": [item(lesson, [(n, n + 1)]) for n in range(size)]})
        counts.append(len(queries))
    per_item = (counts[1] - counts[0]) / 9
    assert per_item <= 8, counts  # a fixed handful per item, whatever the learner's history
