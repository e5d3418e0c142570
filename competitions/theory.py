"""A theory event scored from an exam (issue 17; docs/SCORING.md "Theory events"). The event links an exam
of the training app; its scheme is one measurement aspect (理论成绩, max 100 as the exam). The chief judge
imports the scores: each contestant's best graded attempt, read through training.selectors, becomes a
measurement mark (a new revision when it changed, never an edit), so the entry's total is the exam score
(Decimal) and the event locks, publishes and is appealed like any other."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Max

from accounts.models import User
from miniprogram_api.errors import conflict, unprocessable
from training import selectors as training_selectors

from . import board
from .models import Aspect, AuditLog, Entry, Event, Mark
from .selectors import require_chief

HUNDRED = Decimal(100)


@transaction.atomic
def import_scores(*, actor: User, event_id: int) -> dict:
    from .services import _locked_event, audit

    event, locked = _locked_event(event_id)
    require_chief(actor, event)
    if event.kind != "theory" or event.exam_id is None:
        raise unprocessable("not_theory_event", "该项目不是关联考试的理论项目")
    if event.participation == "team":
        raise unprocessable("not_theory_event", "理论项目按个人计分，不能是团体赛")
    if event.state != Event.State.OPEN:
        raise conflict("event_not_open", "项目开始评分后才能导入理论成绩")
    aspects = list(Aspect.objects.filter(section__event=event))
    if len(aspects) != 1 or aspects[0].kind != Aspect.Kind.MEASUREMENT:
        raise unprocessable("scheme_invalid", "理论项目应只有一个测量评分项（理论成绩）")
    aspect = aspects[0]
    entries = list(Entry.objects.filter(event=event).order_by("id"))
    best = training_selectors.best_scores(exam_id=event.exam_id, user_ids=[e.contestant_id for e in entries])
    latest = {}
    for mark in Mark.objects.filter(event=event, aspect=aspect).order_by("id"):
        latest[mark.entry_id] = mark
    revisions = dict(Mark.objects.filter(event=event, aspect=aspect, judge=actor).values("entry_id")
                     .annotate(top=Max("revision")).values_list("entry_id", "top"))
    written, missing = 0, []
    for entry in entries:
        found = best.get(entry.contestant_id)
        if found is None or found["score"] is None:
            missing.append(entry.pk)
        score = Decimal(found["score"]) if found and found["score"] is not None else Decimal(0)
        value = (score * aspect.max_mark / HUNDRED).quantize(Decimal("0.01"))
        known = latest.get(entry.pk)
        if known is not None and known.value == value:
            continue
        revision = revisions.get(entry.pk, 0) + 1
        Mark.objects.create(event=event, entry=entry, aspect=aspect, judge=actor, actor=actor, value=value,
                            revision=revision, client_id=f"theory:{event.pk}:{entry.pk}:{revision}",
                            reason=f"理论考试成绩（考试 {event.exam_id}，答卷 "
                                   f"{found['attempt_id'] if found else '无'}）")
        written += 1
    audit(event=event, action=AuditLog.Action.THEORY_SCORES, actor=actor,
          data={"exam_id": event.exam_id, "written": written, "missing": missing})
    if written:
        board.advance(locked, [event.id])
    return {"event_id": event.pk, "exam_id": event.exam_id, "scored": len(entries) - len(missing),
            "missing": missing}
