"""Many apprentices at once, written with bulk inserts (for the query-count test and bench/dashboard.py).

Every kind of row the dashboard reads is present and varied: countersigned, rated-and-ready and
unrated competencies, hours and other evidence (signed and not), complete and incomplete reviews."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import OrgUnit, Role, RoleGrant, User
from apprenticeships.models import (
    Agreement,
    Competency,
    CompetencyFramework,
    Countersign,
    Evidence,
    EvidenceSignature,
    PlanItem,
    PlanTemplate,
    PlanTemplateItem,
    Rating,
    Review,
    ReviewSignature,
)


def populate(*, studio: OrgUnit, apprentices: int, competencies: int, master: User | None = None,
             leader: User | None = None, start: date | None = None, seed: int = 1, tag: str = "bulk") -> dict:
    rng = random.Random(seed)
    today = timezone.localdate()
    start = start or today - timedelta(days=200)
    framework = CompetencyFramework.objects.create(studio=studio, name=f"{tag} 能力框架 {competencies}")
    stages, kinds = ["theory", "guidance", "post_skill", "certification"], ["knowledge", "skill", "behaviour"]
    comps = Competency.objects.bulk_create([
        Competency(framework=framework, code=f"{tag}-{n:03d}", name=f"能力项{n}", stage=stages[n % 4],
                   kind=kinds[n % 3], target_level="level4", order=n) for n in range(competencies)])
    template = PlanTemplate.objects.create(studio=studio, framework=framework, name=f"{tag} 模板 {competencies}",
                                           target_level="level4", planned_hours=Decimal("480"))
    PlanTemplateItem.objects.bulk_create([PlanTemplateItem(template=template, competency=c, order=n)
                                          for n, c in enumerate(comps)])
    master = master or User.objects.create(username=f"{tag}-master-{seed}", display_name="批量师傅")
    leader = leader or User.objects.create(username=f"{tag}-leader-{seed}", display_name="批量负责人")
    RoleGrant.objects.get_or_create(user=master, role=Role.MASTER, org_unit=studio)
    RoleGrant.objects.get_or_create(user=leader, role=Role.WORKSHOP_LEADER, org_unit=studio)
    users = User.objects.bulk_create([User(username=f"{tag}-{seed}-{n}", display_name=f"徒弟{n:04d}",
                                           primary_org_unit=studio) for n in range(apprentices)])
    RoleGrant.objects.bulk_create([RoleGrant(user=u, role=Role.APPRENTICE, org_unit=studio) for u in users])
    agreements = Agreement.objects.bulk_create([
        Agreement(studio=studio, master=master, apprentice=u, template=template, target_level="level4",
                  start_date=start - timedelta(days=rng.randrange(0, 60)), end_date=start + timedelta(days=600),
                  planned_hours=Decimal("480"), review_interval_weeks=12, state=Agreement.State.ACTIVE,
                  activated_at=timezone.now()) for u in users])
    items = PlanItem.objects.bulk_create([PlanItem(agreement=a, competency=c, order=n)
                                          for a in agreements for n, c in enumerate(comps)])
    ratings, signed_items = [], []
    for item in items:
        roll = rng.random()
        if roll < 0.5:
            ratings.append(Rating(plan_item=item, rated_by=master, level=rng.choice(["met", "skilled"])))
            if roll < 0.3:
                signed_items.append(item)
        elif roll < 0.6:
            ratings.append(Rating(plan_item=item, rated_by=master, level="partially_met"))
    ratings = Rating.objects.bulk_create(ratings)
    by_item = {r.plan_item_id: r for r in ratings}
    Countersign.objects.bulk_create([Countersign(plan_item=i, rating=by_item[i.pk], signed_by=leader)
                                     for i in signed_items])
    evidence = []
    for index, agreement in enumerate(agreements):
        diligence = rng.random()  # some keep up with their hours, some do not
        for _ in range(rng.randrange(2, 8 + int(40 * diligence))):
            evidence.append(Evidence(agreement=agreement, kind=Evidence.Kind.PRACTICE_HOURS,
                                     hours=Decimal(rng.randrange(30, 80)) / 10,
                                     occurred_on=today - timedelta(days=rng.randrange(0, 10 + int(60 * (1 - diligence)))),
                                     created_by=agreement.apprentice, description="跟班实训"))
        evidence.append(Evidence(agreement=agreement, kind=Evidence.Kind.MASTER_NOTE, occurred_on=today,
                                 plan_item=items[index * competencies] if competencies else None,
                                 created_by=master, description="师傅记录"))
    evidence = Evidence.objects.bulk_create(evidence)
    EvidenceSignature.objects.bulk_create([EvidenceSignature(evidence=e, signed_by=master)
                                           for e in evidence if e.kind == Evidence.Kind.MASTER_NOTE])
    reviews = Review.objects.bulk_create([Review(agreement=a, number=1, summary="阶段评价", opened_by=master)
                                          for a in agreements])
    signatures = []
    for review, agreement in zip(reviews, agreements, strict=True):
        parties = [("apprentice", agreement.apprentice), ("master", master), ("leader", leader)]
        for role, user in parties[: 3 if rng.random() < 0.7 else 2]:
            signatures.append(ReviewSignature(review=review, role=role, signer=user))
    ReviewSignature.objects.bulk_create(signatures)
    return {"master": master, "leader": leader, "agreements": agreements, "template": template}
