"""A course's evaluation report on Kirkpatrick's four levels, side by side (read-only):

1. reaction — its surveys (campaigns about the course, and about its trainer for this course): answers,
   overall 1–5 score, NPS, with the anonymity rules of the results;
2. learning — its exams: candidates, mean of each candidate's best score, pass rate;
3. behaviour — the learners who completed it: their procedure runs on the standards the course teaches,
   fail and flag rates before vs after each learner's own completion;
4. results — their studios' work orders: deadlines met and satisfaction (1–5), those reported before the
   cohort's first completion vs after its last one (orders between are left out: part-trained).
Rates are percentages to one decimal, means to two, ROUND_HALF_UP (docs/adr/0043).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from django.utils import timezone

from accounts.models import OrgUnit, User
from miniprogram_api.errors import forbidden, not_found
from practice import selectors as practice
from training import selectors as training
from workorders import stats as workorders

from . import results, selectors
from .models import Campaign, TargetKind


def _mean(values: list) -> Decimal | None:
    return results.rounded(Fraction(sum(Fraction(v) for v in values), len(values))) if values else None


def _rates(runs: list[dict]) -> dict:
    n = len(runs)
    fails = sum(1 for r in runs if r["verdict"] == "fail")
    flags = sum(1 for r in runs if r["verdict"] == "flag")
    return {"runs": n, "fail": fails, "flag": flags,
            "fail_rate": results.share(fails, n) if n else None, "flag_rate": results.share(flags, n) if n else None}


def _outcomes(data: dict) -> dict:
    return {"completed": data["completed"], "deadlines_met": data["deadlines_met"],
            "deadline_rate": results.share(data["deadlines_met"], data["completed"]) if data["completed"] else None,
            "rated": len(data["ratings"]), "satisfaction": _mean(data["ratings"])}


def course_report(user: User, course_id: int, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    course = training.course_brief(course_id)
    if course is None:
        raise not_found("课程", code="course_not_found")
    unit = OrgUnit.objects.get(pk=course["org_unit_id"])
    if not selectors.may_organise_at(user, unit):
        raise forbidden("只有该课程单位的评价组织者可以查看评价报告", code="not_organiser")

    # 1. reaction
    campaigns = Campaign.objects.filter(target_kind=TargetKind.COURSE, target_id=course_id) | Campaign.objects.filter(
        target_kind=TargetKind.TRAINER, context_course_id=course_id)
    reaction = []
    for campaign in campaigns.order_by("opens_at", "id"):
        data = selectors.campaign_results(campaign, now=now)
        reaction.append({"campaign_id": campaign.pk, "title": campaign.title, "target_kind": campaign.target_kind,
                         "count": data["count"], "suppressed": data["suppressed"], "overall": data["overall"],
                         "nps": next((q["nps"]["score"] for q in data["questions"] if q["kind"] == "nps"), None)})

    # 2. learning
    learning = []
    for exam in training.course_exam_results(course_id):
        best = list(exam["best"].values())
        scores = [b["score"] for b in best if b["score"] is not None]
        learning.append({"exam_id": exam["exam_id"], "title": exam["title"], "candidates": len(best),
                         "mean_score": _mean(scores),
                         "pass_rate": results.share(sum(1 for b in best if b["passed"]), len(best)) if best else None})

    # 3. behaviour
    completed = {e["user_id"]: e["completed_at"] for e in training.course_enrolments(course_id) if e["completed_at"]}
    runs = practice.run_verdicts(user_ids=list(completed), standard_ids=course["standard_ids"])
    before = [r for r in runs if r["completed_at"] < completed[r["performer_id"]]]
    after = [r for r in runs if r["completed_at"] >= completed[r["performer_id"]]]
    behaviour = {"learners": len(completed), "standards": len(course["standard_ids"]),
                 "before": _rates(before), "after": _rates(after)}

    # 4. results
    studio_paths = list(OrgUnit.objects.filter(kind=OrgUnit.Kind.STUDIO).values_list("id", "path"))
    learner_paths = User.objects.filter(pk__in=list(completed), primary_org_unit__isnull=False) \
        .values_list("primary_org_unit__path", flat=True)
    studio_ids = sorted({sid for path in learner_paths for sid, spath in studio_paths if path.startswith(spath)})
    outcome: dict = {"studios": [name for name in OrgUnit.objects.filter(pk__in=studio_ids).order_by("path")
                                 .values_list("name", flat=True)], "before": None, "after": None}
    if completed and studio_ids:
        first, last = min(completed.values()), max(completed.values())
        outcome["before"] = _outcomes(workorders.studio_outcomes(studio_ids=studio_ids, until=first, now=now))
        outcome["after"] = _outcomes(workorders.studio_outcomes(studio_ids=studio_ids, since=last, now=now))
        outcome["cut_before"], outcome["cut_after"] = first, last
    return {"course": {"id": course_id, "title": course["title"]}, "reaction": reaction, "learning": learning,
            "behaviour": behaviour, "results": outcome}
