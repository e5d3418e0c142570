"""A studio's teaching kit: a framework of six competencies (one linked to the practice procedure, one
taking contest results), a template, the practice's people, and a clock the tests can freeze."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apprenticeships.models import Competency, CompetencyFramework, PlanTemplate, PlanTemplateItem
from tests.practice import admin_site, practice  # noqa: F401 - shared fixtures

COMPETENCIES = [
    # code, name, layer, stage, kind, linked to the practice procedure, accepts contest results
    ("K1", "制冷循环与焓湿图基础", "execution", "theory", "knowledge", False, False),
    ("S1", "冷水机组日常巡检", "execution", "post_skill", "skill", True, False),
    ("S2", "空调末端故障排查", "execution", "post_skill", "skill", False, False),
    ("B1", "安全用电与登高作业规范", "execution", "guidance", "behaviour", False, False),
    ("C1", "实操技能考核（技能比武）", "execution", "certification", "skill", False, True),
    ("M1", "机房运行记录与能耗分析", "management", "post_skill", "skill", False, False),
]


def new_id() -> str:
    return str(uuid.uuid4())


class Clock:
    """timezone.now() for everything (services, selectors, auto_now fields), moved by the test."""

    def __init__(self, start: datetime):
        self.now = start

    def set(self, day: date, at: time = time(10, 0)) -> None:
        self.now = timezone.make_aware(datetime.combine(day, at))

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)

    @property
    def today(self) -> date:
        return timezone.localdate(self.now)


@pytest.fixture
def clock(monkeypatch, settings):
    settings.API_TOKEN_TTL_SECONDS = 20 * 365 * 24 * 3600  # tokens outlive the months a test moves through
    frozen = Clock(timezone.make_aware(datetime(2026, 3, 2, 10, 0)))
    monkeypatch.setattr(timezone, "now", lambda: frozen.now)
    return frozen


class Teaching:
    def __init__(self, kit):
        self.practice = kit
        self.org = kit.org
        self.apprentice, self.master, self.leader = kit.apprentice, kit.master, kit.leader
        self.framework = CompetencyFramework.objects.create(studio=self.org.hvac, name="暖通作业技能培养框架")
        self.competencies = {}
        for order, (code, name, layer, stage, kind, linked, contest) in enumerate(COMPETENCIES):
            competency = Competency.objects.create(
                framework=self.framework, code=code, name=name, layer=layer, stage=stage, kind=kind,
                target_level="level4", accepts_contest_results=contest, order=order)
            if linked:
                competency.procedures.add(kit.procedure)
            self.competencies[code] = competency
        self.template = PlanTemplate.objects.create(
            studio=self.org.hvac, framework=self.framework, name="暖通中级工培养计划", target_level="level4",
            duration_weeks=52, planned_hours=Decimal("400"))
        for order, competency in enumerate(self.competencies.values()):
            PlanTemplateItem.objects.create(template=self.template, competency=competency, order=order)
        self._clients = {}

    def client(self, user):
        if user.pk not in self._clients:
            self._clients[user.pk] = self.practice.client(user)
        return self._clients[user.pk]

    def create(self, *, apprentice=None, master=None, start: date | None = None, end: date | None = None,
               activate: bool = True, **extra) -> dict:
        body = {"studio_id": self.org.hvac.pk, "apprentice_id": (apprentice or self.apprentice).pk,
                "master_id": (master or self.master).pk, "template_id": self.template.pk,
                "start_date": (start or timezone.localdate()).isoformat(), "client_id": new_id(), **extra}
        if end is not None:
            body["end_date"] = end.isoformat()
        response = self.client(self.leader).post("apprenticeships", body)
        assert response.status_code == 201, response.content
        agreement = response.json()
        if activate:
            response = self.client(self.leader).post(f"apprenticeships/{agreement['id']}/activate")
            assert response.status_code == 200, response.content
            agreement = response.json()
        return agreement

    def detail(self, agreement_id: int, user=None) -> dict:
        response = self.client(user or self.leader).get(f"apprenticeships/{agreement_id}")
        assert response.status_code == 200, response.content
        return response.json()

    @staticmethod
    def item(agreement: dict, code: str) -> dict:
        return next(i for i in agreement["plan"] if i["competency"]["code"] == code)

    def rate(self, item_id: int, level: str = "met", user=None, **extra):
        return self.client(user or self.master).post(f"apprenticeships/plan-items/{item_id}/ratings",
                                                     {"level": level, "client_id": new_id(), **extra})

    def countersign(self, item_id: int, user=None):
        return self.client(user or self.leader).post(f"apprenticeships/plan-items/{item_id}/countersign", {})

    def hours(self, agreement_id: int, hours, day: date | None = None, user=None, **extra):
        body = {"client_id": new_id(), "hours": str(hours), "description": "冷冻机房跟班实训", **extra}
        if day is not None:
            body["date"] = day.isoformat()
        return self.client(user or self.apprentice).post(f"apprenticeships/{agreement_id}/hours", body)

    def review(self, agreement_id: int, *, final: bool = False, signers=None, apprentice=None) -> dict:
        response = self.client(self.master).post(f"apprenticeships/{agreement_id}/reviews", {
            "summary": "本阶段按计划完成巡检与故障排查训练。", "is_final": final, "client_id": new_id()})
        assert response.status_code == 201, response.content
        review = response.json()
        for user in signers if signers is not None else (apprentice or self.apprentice, self.master, self.leader):
            signed = self.client(user).post(f"apprenticeships/reviews/{review['id']}/sign", {})
            assert signed.status_code == 201, signed.content
        return review

    def sign_off_everything(self, agreement: dict) -> None:
        for item in agreement["plan"]:
            assert self.rate(item["id"], "skilled").status_code == 201
            assert self.countersign(item["id"]).status_code == 201


@pytest.fixture
def teaching(practice):  # noqa: F811 - the fixture imported above
    return Teaching(practice)
