"""A theory event scored from an exam (issue 17): each contestant's best graded attempt, read through
training.selectors, becomes the entry's total (Decimal); no panel is needed."""

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from competitions import services
from competitions.models import AuditLog, Entry, Event, Mark, PanelMember
from tests.competitions.conftest import Kit
from tests.conftest import assert_error
from training.models import Attempt, Exam


def sat(exam, user, score, number=1, state=Attempt.State.SUBMITTED):
    now = timezone.now()
    return Attempt.objects.create(exam=exam, user=user, number=number, state=state, started_at=now - timedelta(hours=1),
                                  deadline_at=now, submitted_at=now, paper=[], total_points=Decimal("100"),
                                  points=Decimal(score), score=Decimal(score), passed=Decimal(score) >= 60)


def test_a_theory_event_takes_each_contestants_best_exam_score_as_the_total(api, org, make_user):
    kit = Kit(api, org, make_user, scheme=[("理论", "100", [("理论成绩", "measurement", "100", 3)])],
              open_event=False)
    Event.objects.filter(pk=kit.event.pk).update(kind="theory")
    exam = Exam.objects.create(title="暖通理论考试", org_unit=org.base, state="published")
    Event.objects.filter(pk=kit.event.pk).update(exam=exam)
    PanelMember.objects.filter(event=kit.event, is_chief=False).delete()  # no panel: the exam marks it
    a, b, c, d = kit.contestants
    sat(exam, a, "86.5")
    sat(exam, a, "91.0", number=2)  # the best attempt counts
    sat(exam, b, "78.0")
    sat(exam, c, "99.0", state=Attempt.State.IN_PROGRESS)  # not graded: not a score
    chief = kit.client(kit.chief)
    assert_error(chief.post(f"judging/events/{kit.event.id}/theory-scores"), 409, "event_not_open")
    services.open_event(actor=kit.chief, event_id=kit.event.id, rng=random.Random(1))
    assert_error(kit.client(a).post(f"judging/events/{kit.event.id}/theory-scores"), 403, "not_chief_judge")
    response = chief.post(f"judging/events/{kit.event.id}/theory-scores")
    assert response.status_code == 200, response.content
    entries = {e.contestant_id: e.id for e in Entry.objects.filter(event=kit.event)}
    assert response.json()["scored"] == 2 and sorted(response.json()["missing"]) == sorted([entries[c.pk], entries[d.pk]])
    rows = {r["entry_id"]: r for r in chief.get(f"competitions/{kit.contest.id}/jury-board").json()["events"][0]["rows"]}
    assert [rows[entries[p.pk]]["total"] for p in (a, b, c, d)] == ["91.00", "78.00", "0.00", "0.00"]
    assert rows[entries[a.pk]]["rank"] == 1
    # Importing again writes nothing new; a better attempt later is a new revision, never an edit.
    chief.post(f"judging/events/{kit.event.id}/theory-scores")
    assert Mark.objects.filter(event=kit.event).count() == 4
    sat(exam, b, "95.0", number=2)
    chief.post(f"judging/events/{kit.event.id}/theory-scores")
    assert list(Mark.objects.filter(event=kit.event, entry_id=entries[b.pk]).values_list("value", "revision")
                .order_by("id")) == [(Decimal("78.00"), 1), (Decimal("95.00"), 2)]
    assert AuditLog.objects.filter(event=kit.event, action="theory_scores").count() == 3
    services.lock_event(actor=kit.chief, event_id=kit.event.id)  # no panel sheets to wait for
    kit.recheck()
    services.publish_event(actor=kit.chief, event_id=kit.event.id)


def test_a_practical_event_has_no_exam_scores(kit):
    assert_error(kit.client(kit.chief).post(f"judging/events/{kit.event.id}/theory-scores"), 422, "not_theory_event")
