"""What a campaign is about and who is asked, read live from the apps that own them (their selectors):
a course and its enrollees (training), an exam and its candidates (training), a contest and its contestants
(competitions), a trainer (accounts), a studio (accounts) — and org units' members for any target.

The audience is resolved when it is asked about (the questionnaire, a response, the non-respondent list,
a reminder), so whoever has access at that moment is exactly who is counted (docs/adr/0042).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from accounts.models import OrgUnit, Role, User
from accounts.selectors import holders_over
from competitions import selectors as contests
from miniprogram_api.errors import not_found, unprocessable
from training import selectors as training

from .models import AudienceKind, Campaign, TargetKind

# Which audience suits which target (org units suit every target).
AUDIENCES = {
    TargetKind.COURSE: {AudienceKind.ENROLLEES, AudienceKind.ORG_UNITS},
    TargetKind.EXAM: {AudienceKind.CANDIDATES, AudienceKind.ORG_UNITS},
    TargetKind.TRAINER: {AudienceKind.ORG_UNITS, AudienceKind.ENROLLEES},
    TargetKind.CONTEST: {AudienceKind.CONTESTANTS, AudienceKind.ORG_UNITS},
    TargetKind.STUDIO: {AudienceKind.ORG_UNITS},
}


@dataclass
class Target:
    kind: str
    id: int
    label: str
    owner_id: int | None
    unit_path: str
    course_id: int | None = None  # a trainer's survey about one course: its enrollees are the audience


def resolve(kind: str, target_id: int, *, course_id: int | None = None) -> Target:
    """The target, or 404 `target_not_found`."""
    missing = not_found("评价对象", code="target_not_found")
    if kind == TargetKind.COURSE:
        course = training.course_brief(target_id)
        if course is None:
            raise missing
        return Target(kind, target_id, course["title"], course["owner_id"], course["org_unit_path"], target_id)
    if kind == TargetKind.EXAM:
        exam = training.exam_brief(target_id)
        if exam is None:
            raise missing
        owner = None
        if exam["course_id"]:
            owner = (training.course_brief(exam["course_id"]) or {}).get("owner_id")
        return Target(kind, target_id, exam["title"], owner, exam["org_unit_path"])
    if kind == TargetKind.CONTEST:
        contest = contests.contest_brief(target_id)
        if contest is None:
            raise missing
        return Target(kind, target_id, contest["name"], None, contest["org_unit_path"])
    if kind == TargetKind.TRAINER:
        trainer = User.objects.filter(pk=target_id, is_active=True).select_related("primary_org_unit").first()
        if trainer is None:
            raise missing
        course = training.course_brief(course_id) if course_id else None
        if course_id and course is None:
            raise not_found("课程", code="course_not_found")
        unit = course["org_unit_path"] if course else (trainer.primary_org_unit.path if trainer.primary_org_unit
                                                        else "/")
        label = f"讲师 {trainer.name}" + (f"（{course['title']}）" if course else "")
        return Target(kind, target_id, label, trainer.pk, unit, course_id)
    if kind == TargetKind.STUDIO:
        studio = OrgUnit.objects.filter(pk=target_id).first()
        if studio is None:
            raise missing
        leaders = holders_over(Role.WORKSHOP_LEADER, studio.path)
        return Target(kind, target_id, f"{studio.name}实训", leaders[0].pk if leaders else None, studio.path)
    raise unprocessable("invalid_target", "评价对象类型无效")


def check_audience(target: Target, audience_kind: str, unit_count: int) -> None:
    if audience_kind not in AUDIENCES.get(target.kind, set()):
        raise unprocessable("invalid_audience", "该评价对象不能选择这类参评人员",
                            detail={"allowed": sorted(AUDIENCES.get(target.kind, set()))})
    if audience_kind == AudienceKind.ENROLLEES and target.course_id is None:
        raise unprocessable("invalid_audience", "按课程学员参评时须指定课程")
    if audience_kind == AudienceKind.ORG_UNITS and unit_count == 0:
        raise unprocessable("invalid_audience", "请至少选择一个参评单位")


def audience_q(campaign: Campaign) -> Q:
    """A filter on User selecting the campaign's audience now."""
    kind = campaign.audience_kind
    if kind == AudienceKind.ENROLLEES:
        course_id = campaign.target_id if campaign.target_kind == TargetKind.COURSE else campaign.context_course_id
        return Q(pk__in=training.enrollee_ids(course_id or 0))
    if kind == AudienceKind.CANDIDATES:
        return Q(pk__in=training.candidate_ids(campaign.target_id))
    if kind == AudienceKind.CONTESTANTS:
        return Q(pk__in=contests.contestant_ids(campaign.target_id))
    query = Q(pk__in=[])
    for unit in campaign.audience_units.all():  # prefetched by the overview (one query for all campaigns)
        query |= Q(primary_org_unit__path__startswith=unit.path)
    return query


def audience(campaign: Campaign) -> QuerySet:
    return User.objects.filter(audience_q(campaign), is_active=True)


def is_member(campaign: Campaign, user: User) -> bool:
    return audience(campaign).filter(pk=user.pk).exists()
