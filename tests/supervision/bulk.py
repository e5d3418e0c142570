"""Many units with a year of data, written with bulk inserts (bench/supervision.py; the overview's
query-count check at scale)."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import OrgUnit, Role, RoleGrant, User
from accounts.services import ensure_org_unit
from apprenticeships.models import Agreement
from competitions.models import Contest, Entry, Event
from evaluations.models import Campaign, Completion, Response, SurveyTemplate
from evaluations.services import ensure_builtin_templates
from practice.models import ProcedureRun, ScanLog
from standards.models import PracticePoint, Procedure, ProcedureVersion, Standard, Verdict
from training.models import Attempt, Course, Enrolment, Exam
from workorders.models import WorkOrder


def populate(*, units: int = 50, days: int = 365, runs_per_unit: int = 300, seed: int = 1, tag: str = "bulk") -> dict:
    rng = random.Random(seed)
    now = timezone.now()
    bureau = ensure_org_unit(name=f"{tag}管理局", kind=OrgUnit.Kind.BUREAU)
    studios = [ensure_org_unit(name=f"{tag}工作室{n:02d}", kind=OrgUnit.Kind.STUDIO, parent=bureau)
               for n in range(units)]
    supervisor = User.objects.create(username=f"{tag}-supervisor-{uuid.uuid4().hex[:6]}", display_name="监管员",
                                     primary_org_unit=bureau)
    RoleGrant.objects.create(user=supervisor, role=Role.SUPERVISOR, org_unit=bureau)
    standards = [Standard.objects.create(code=f"{tag.upper()} {n}-2026", title=f"基准标准{n}",
                                         level=["national", "local", "group", "internal"][n % 4],
                                         category=["general", "operations", "management", "service"][n % 4])
                 for n in range(10)]
    people = User.objects.bulk_create([User(username=f"{tag}-{n}-{uuid.uuid4().hex[:6]}", display_name=f"员工{n}",
                                            primary_org_unit=studios[n % units]) for n in range(units * 4)])
    courses = [Course.objects.create(title=f"{tag}课程{n}", stage="post_skill", area="hvac", org_unit=bureau,
                                     state="published", learning_hours=Decimal("1.5")) for n in range(10)]
    exam = Exam.objects.create(title=f"{tag}考试", org_unit=bureau, state="published")
    runs, orders, scans = [], [], []
    for index, studio in enumerate(studios):
        procedure = Procedure.objects.create(standard=standards[index % 10], code=f"{tag}-SOP-{index}",
                                             title="巡检", studio=studio)
        version = ProcedureVersion.objects.create(procedure=procedure, number=1)
        point = PracticePoint.objects.create(name=f"点位{index}", code=f"{tag}-P{index}", studio=studio)
        performer = people[index]
        for n in range(runs_per_unit):
            started = now - timedelta(days=rng.uniform(0, days))
            verdict = rng.choices([Verdict.PASS, Verdict.FLAG, Verdict.FAIL], [85, 10, 5])[0]
            runs.append(ProcedureRun(client_id=f"{tag}-{index}-{n}", performer=performer, point=point, studio=studio,
                                     procedure=procedure, version=version, status="completed", verdict=verdict,
                                     started_at=started, completed_at=started + timedelta(minutes=30)))
            scans.append(ScanLog(user=performer, code="X", point=point, outcome="ok", scanned_at=started,
                                 suspicious=rng.random() < 0.05))
        for n in range(runs_per_unit // 8):
            created = now - timedelta(days=rng.uniform(0, days))
            state = rng.choice(["confirmed", "confirmed", "accepted", "submitted"])
            orders.append(WorkOrder(number=f"{tag}-WO-{index}-{n}", point=point, studio=studio, description="报修",
                                    requester=people[(index + 1) % len(people)], created_at=created,
                                    respond_by=created + timedelta(minutes=30), finish_by=created + timedelta(hours=4),
                                    responded_at=created + timedelta(minutes=rng.uniform(5, 60)), state=state,
                                    closed_at=created + timedelta(hours=3) if state == "confirmed" else None,
                                    completed_at=created + timedelta(hours=2) if state == "confirmed" else None,
                                    rating=rng.randint(3, 5) if state == "confirmed" else None))
    ProcedureRun.objects.bulk_create(runs, batch_size=2000)
    ScanLog.objects.bulk_create(scans, batch_size=2000)
    WorkOrder.objects.bulk_create(orders, batch_size=2000)
    enrolments, attempts = [], []
    for n, person in enumerate(people):
        for c in range(3):
            enrolments.append(Enrolment(course=courses[(n + c) % 10], user=person,
                                        source="assigned" if c == 0 else "self",
                                        completed_at=now - timedelta(days=rng.uniform(0, days)) if c < 2 else None))
        submitted = now - timedelta(days=rng.uniform(0, days))
        attempts.append(Attempt(exam=exam, user=person, number=1, state="submitted", started_at=submitted,
                                deadline_at=submitted, submitted_at=submitted, paper=[], total_points=Decimal("100"),
                                passed=rng.random() < 0.7))
    Enrolment.objects.bulk_create(enrolments, batch_size=2000)
    Attempt.objects.bulk_create(attempts, batch_size=2000)
    for n in range(12):
        contest = Contest.objects.create(name=f"{tag}比武{n}", org_unit=studios[n % units],
                                         starts_at=now - timedelta(days=30 * n + 1))
        event = Event.objects.create(contest=contest, name="项目", published_at=contest.starts_at)
        Entry.objects.bulk_create([Entry(event=event, contestant=people[(n * 7 + k) % len(people)],
                                         org_unit=studios[(n * 7 + k) % units], code=f"{tag}{n}-{k}")
                                   for k in range(8)])
    today = timezone.localdate()
    Agreement.objects.bulk_create([Agreement(studio=studio, master=people[(i + 1) % len(people)],
                                             apprentice=people[units + i], target_level="level4",
                                             start_date=today - timedelta(days=100),
                                             end_date=today + timedelta(days=265), state="active")
                                   for i, studio in enumerate(studios)])
    _surveys(rng, studios, people, supervisor, now, days)
    return {"bureau": bureau, "supervisor": supervisor, "studios": studios}


QUESTIONS = [{"key": "q1", "kind": "scale", "title": "总体满意度", "required": True, "dimension": "效果"},
             {"key": "q2", "kind": "scale", "title": "组织安排", "required": True, "dimension": "方式"}]


def _surveys(rng, studios, people, creator, now, days) -> None:
    """A studio survey each quarter at every studio, its people the audience, about three in four answering
    (named, so every result counts toward the mean satisfaction)."""
    ensure_builtin_templates()
    template = SurveyTemplate.objects.order_by("id").first()
    members: dict[int, list] = {}
    for person in people:
        members.setdefault(person.primary_org_unit_id, []).append(person)
    completions, responses = [], []
    for studio in studios:
        for quarter in range(max(days // 91, 1)):
            closes = now - timedelta(days=91 * quarter + 1)
            campaign = Campaign.objects.create(
                title=f"{studio.name}实训满意度{quarter}", template=template, questions=QUESTIONS, target_kind="studio",
                target_id=studio.pk, target_label=studio.name, org_unit=studio, audience_kind="org_units",
                opens_at=closes - timedelta(days=14), closes_at=closes, anonymous=False, created_by=creator)
            campaign.audience_units.set([studio])
            for person in members.get(studio.pk, []):
                if rng.random() < 0.75:
                    completions.append(Completion(campaign=campaign, user=person, client_id=str(uuid.uuid4()),
                                                  completed_on=closes.date()))
                    responses.append(Response(campaign=campaign, respondent=person, org_unit=studio,
                                              answers={"q1": rng.randint(3, 5), "q2": rng.randint(2, 5)}))
    Completion.objects.bulk_create(completions, batch_size=2000)
    Response.objects.bulk_create(responses, batch_size=2000)
