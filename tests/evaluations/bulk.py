"""A big closed campaign for the export benchmark and its test: QUESTIONS questions of every kind ×
RESPONSES responses, written with bulk inserts (seeded random answers)."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from accounts.models import OrgUnit, Role, User
from accounts.services import ensure_org_unit, grant_role
from evaluations import questions as q
from evaluations.models import Campaign, Completion, Response, SurveyTemplate

KINDS = ("scale", "single", "multiple", "matrix", "nps", "text")


def definition(count: int) -> list[dict]:
    out = []
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        item: dict = {"key": f"q{i + 1}", "kind": kind, "title": f"第{i + 1}题（{kind}）", "required": kind != "text",
                      "dimension": ("内容", "方式", "效果")[i % 3]}
        if kind in ("single", "multiple"):
            item["options"] = [{"value": v, "label": f"选项{v}"} for v in "abcde"]
        if kind == "matrix":
            item["rows"] = [{"key": f"r{j}", "label": f"方面{j}"} for j in range(1, 4)]
        out.append(item)
    return q.validate_definition(out)


def answer(rng: random.Random, questions: list[dict]) -> dict:
    out: dict = {}
    for item in questions:
        kind = item["kind"]
        if kind == "scale":
            out[item["key"]] = rng.randint(1, 5)
        elif kind == "nps":
            out[item["key"]] = rng.randint(0, 10)
        elif kind == "single":
            out[item["key"]] = rng.choice("abcde")
        elif kind == "multiple":
            out[item["key"]] = sorted(rng.sample("abcde", rng.randint(1, 3)))
        elif kind == "matrix":
            out[item["key"]] = {row["key"]: rng.randint(1, 5) for row in item["rows"]}
        elif rng.random() < 0.3:
            out[item["key"]] = f"建议{rng.randint(1, 10**6)}：多安排实操"
    return out


def populate(*, questions: int = 30, responses: int = 700, tag: str = "bench") -> dict:
    bureau = ensure_org_unit(name=f"{tag}管理局", kind=OrgUnit.Kind.BUREAU)
    studios = [ensure_org_unit(name=f"{tag}工作室{i}", kind=OrgUnit.Kind.STUDIO, parent=bureau) for i in range(7)]
    organiser = User.objects.create(username=f"{tag}-organiser", display_name="组织者", primary_org_unit=bureau)
    grant_role(user=organiser, role=Role.WORKSHOP_LEADER, org_unit=bureau)
    people = User.objects.bulk_create([User(username=f"{tag}-p{i}", display_name=f"学员{i}",
                                            primary_org_unit=studios[i % len(studios)]) for i in range(responses)])
    template = SurveyTemplate.objects.create(code=f"{tag}-export", title="导出基准问卷", target_kind="studio",
                                             questions=definition(questions))
    now = timezone.now()
    campaign = Campaign.objects.create(
        title="导出基准评价", template=template, questions=template.questions, target_kind="studio",
        target_id=bureau.pk, target_label=bureau.name, org_unit=bureau, audience_kind="org_units",
        opens_at=now - timedelta(days=10), closes_at=now - timedelta(days=1), anonymous=True, created_by=organiser)
    campaign.audience_units.set([bureau])
    rng = random.Random(15)
    day = (now - timedelta(days=5)).date()
    Completion.objects.bulk_create([Completion(campaign=campaign, user=p, client_id=f"{tag}-{p.pk}", completed_on=day)
                                    for p in people], batch_size=500)
    Response.objects.bulk_create([Response(campaign=campaign, answers=answer(rng, template.questions),
                                           org_unit_id=p.primary_org_unit_id) for p in people], batch_size=500)
    return {"campaign": campaign, "organiser": organiser}
