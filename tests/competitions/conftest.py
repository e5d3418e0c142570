"""A contest kit: one event with a measurement and two judgement aspects, five judges (judge 0 lives in
the HVAC studio, so is recused from the HVAC-team contestant), a chief judge, an arbitrator, four
contestants; opened with a seeded draw so codes are stable."""

from __future__ import annotations

import random
import uuid
from decimal import Decimal

import pytest

from accounts.models import Role
from competitions import services
from competitions.models import Aspect, Contest, Event, PanelMember, Section


class Kit:
    def __init__(self, api, org, make_user, *, judges=5, aggregation="trimmed", scheme=None, open_event=True,
                 contestant_units=None):
        self.api, self.org = api, org
        self.contest = Contest.objects.create(name="测试技能比武", org_unit=org.base)
        self.event = Event.objects.create(contest=self.contest, name="暖通故障排除", aggregation=aggregation)
        scheme = scheme or [
            ("实操", "60", [("测量项", "measurement", "20", 3), ("工艺", "judgement", "40", 3)]),
            ("规范", "40", [("规范性", "judgement", "40", 10)]),
        ]
        self.sections, self.aspects = [], []
        for s_order, (name, weight, aspects) in enumerate(scheme):
            section = Section.objects.create(event=self.event, name=name, order=s_order, weight=Decimal(weight))
            self.sections.append(section)
            for a_order, (a_name, kind, max_mark, scale) in enumerate(aspects):
                self.aspects.append(Aspect.objects.create(section=section, name=a_name, kind=kind, order=a_order,
                                                          max_mark=Decimal(max_mark), scale_max=scale))
        self.judges = []
        for n in range(judges):
            unit = org.hvac if n == 0 else org.bureau
            judge = make_user(f"裁判{n + 1}", roles=[(Role.JUDGE, org.base)], unit=unit)
            PanelMember.objects.create(event=self.event, judge=judge)
            self.judges.append(judge)
        self.chief = make_user("裁判长", roles=[(Role.CHIEF_JUDGE, org.base)], unit=org.base)
        PanelMember.objects.create(event=self.event, judge=self.chief, is_chief=True)
        self.arbitrator = make_user("仲裁", roles=[(Role.ARBITRATOR, org.base)], unit=org.base)
        self.spectator = make_user("观众")
        units = contestant_units or [org.hvac_team, org.bas, org.base, org.base]
        self.contestants = [make_user(f"选手{n + 1}", unit=unit) for n, unit in enumerate(units)]
        self.entries = [services.add_entry(event=self.event, contestant=c) for c in self.contestants]
        self._clients = {}
        if open_event:
            services.open_event(actor=self.chief, event_id=self.event.id, rng=random.Random(7))
            self.refresh()

    def refresh(self):
        self.event.refresh_from_db()
        for entry in self.entries:
            entry.refresh_from_db()

    @property
    def measurement(self):
        return next(a for a in self.aspects if a.kind == Aspect.Kind.MEASUREMENT)

    @property
    def judgement(self):
        return [a for a in self.aspects if a.kind == Aspect.Kind.JUDGEMENT]

    def client(self, user):
        if user.pk not in self._clients:
            self._clients[user.pk] = self.api.as_user(user)
        return self._clients[user.pk]

    def post_marks(self, judge, marks):
        return self.client(judge).post("judging/marks", {"marks": marks})

    def mark(self, judge, entry, aspect, value, client_id=None):
        item = {"client_id": client_id or str(uuid.uuid4()), "entry_id": entry.id, "aspect_id": aspect.id,
                "value": str(value)}
        return self.post_marks(judge, [item])

    def free_judges(self, entry):
        """Judges not recused from the entry."""
        return [j for j in self.judges if not (entry.contestant.primary_org_unit == self.org.hvac_team
                                               and j.primary_org_unit == self.org.hvac)]

    def complete(self, entry, judgement_values=None, measurement="10"):
        """Every free judge marks every judgement aspect (values cycle) and submits; one measurement."""
        values = judgement_values or [2, 2, 3, 2, 1]
        judges = self.free_judges(entry)
        for i, judge in enumerate(judges):
            marks = [{"client_id": str(uuid.uuid4()), "entry_id": entry.id, "aspect_id": a.id,
                      "value": str(min(values[i % len(values)], a.scale_max))} for a in self.judgement]
            if i == 0:
                marks.append({"client_id": str(uuid.uuid4()), "entry_id": entry.id,
                              "aspect_id": self.measurement.id, "value": measurement})
            if marks:  # a measurement-only scheme: judges after the first just submit
                assert self.post_marks(judge, marks).status_code == 200
            assert self.client(judge).post(f"judging/entries/{entry.id}/submit").status_code in (200, 201)

    def recheck(self, seed="kit", event_id=None):
        """复核 before publication: the chief judge draws the list, the arbitrator confirms every entry."""
        from competitions import recheck

        event_id = event_id or self.event.id
        made = recheck.draw(actor=self.chief, event_id=event_id, seed=seed)
        for row in made.drawn:
            recheck.confirm(actor=self.arbitrator, event_id=event_id, entry_id=row["entry_id"])
        return made


@pytest.fixture
def kit(api, org, make_user):
    return Kit(api, org, make_user)


@pytest.fixture
def make_kit(api, org, make_user):
    def make(**kwargs):
        return Kit(api, org, make_user, **kwargs)

    return make
