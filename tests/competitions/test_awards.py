"""Awards (docs/SCORING.md "Awards"): tiers by share (cumulative, ROUND_HALF_UP) or by rank, ties sharing a
tier, 优胜奖; computed at publication and recomputed at republication; shown on the boards and the results
only after publication; the awards selector per contest and per unit; award certificates issued as Open
Badges credentials (verified with jwcrypto), revoked and reissued when a republication changes the award."""

import io
import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from competitions import awards, board, selectors
from competitions.models import Award, AwardCertificate, Event
from credentials.models import IssuedCredential
from tests.apprenticeships.test_credential import Revoked, verify
from tests.conftest import assert_error


def rows(kit, jury=False):
    snap = json.loads(board.snapshot_text(kit.contest.id, jury=jury))
    return {r["code"]: r for r in snap["events"][0]["rows"]}


def tiers(mode, values, n, merit=False):
    event = Event(award_mode=mode, award_tiers=[{"value": v} for v in values], award_merit=merit)
    return [t.last_position for t in awards.tiers_of(event, n)]


def test_share_tiers_round_the_cumulative_share_half_up():
    # 12 entries, 10/20/30 %: 1.2 → 1, 3.6 → 4, 7.2 → 7 (one, three and three places)
    assert tiers("share", [10, 20, 30], 12) == [1, 4, 7]
    # 5 entries: 0.5 → 1, 1.5 → 2, 3.0 → 3 (halves go up)
    assert tiers("share", [10, 20, 30], 5) == [1, 2, 3]
    # 4 entries: 0.4 → 0 (no first prize), 1.2 → 1, 2.4 → 2
    assert tiers("share", [10, 20, 30], 4) == [0, 1, 2]
    assert tiers("rank", [1, 2, 3], 10) == [1, 3, 6]
    assert tiers("rank", [1, 2, 3], 4) == [1, 3, 4]  # never past the last entry


def test_ties_share_the_better_tier_and_later_tiers_keep_their_positions():
    event = Event(award_mode="rank", award_tiers=[{"name": "一等奖", "value": 1}, {"name": "二等奖", "value": 2},
                                                  {"name": "三等奖", "value": 3}], award_merit=True)
    ranks = [("a", 1), ("b", 1), ("c", 3), ("d", 4), ("e", 4), ("f", 4), ("g", 7), ("h", None)]
    got = {key: tier.name for key, tier in awards.assign(event, ranks).items()}
    # two first: both 一等奖; rank 3 ≤ 3 → 二等奖; three tied at 4 ≤ 6 → 三等奖; rank 7 → 优胜奖; unranked: none
    assert got == {"a": "一等奖", "b": "一等奖", "c": "二等奖", "d": "三等奖", "e": "三等奖", "f": "三等奖",
                   "g": "优胜奖"}


def test_award_settings_are_checked():
    assert awards.problems(Event(award_mode="share", award_tiers=[{"value": 60}, {"value": 50}]))
    assert awards.problems(Event(award_mode="rank", award_tiers=[{"value": "1.5"}]))
    assert awards.problems(Event(award_mode="", award_tiers=[{"value": 1}]))
    assert not awards.problems(Event(award_mode="share", award_tiers=[{"value": 10}, {"value": 20}]))


def ranked_kit(kit):
    """Known data: every judgement aggregate 2, so the totals are 34.67 + the measurement:
    entries 0..3 measure 10, 12, 12, 14 → 44.67 (rank 4), 46.67 and 46.67 (both rank 2), 48.67 (rank 1)."""
    Event.objects.filter(pk=kit.event.pk).update(
        award_mode="rank", award_merit=True,
        award_tiers=[{"name": "一等奖", "value": 1}, {"name": "二等奖", "value": 1}, {"name": "三等奖", "value": 1}])
    for entry, measured in zip(kit.entries, ["10", "12", "12", "14"], strict=True):
        kit.complete(entry, judgement_values=[2, 2, 2, 2, 2], measurement=measured)
    kit.refresh()


def publish(kit):
    chief = kit.client(kit.chief)
    assert chief.post(f"judging/events/{kit.event.id}/lock").status_code == 200
    kit.recheck()
    assert chief.post(f"judging/events/{kit.event.id}/publish", {}).status_code == 200
    kit.refresh()


def test_awards_appear_at_publication_only_with_ties_sharing_a_tier(kit):
    ranked_kit(kit)
    e0, e1, e2, e3 = kit.entries
    spectator = kit.client(kit.spectator)
    assert all("award" not in row for row in rows(kit).values())  # before publication: no award at all
    assert all("award" not in row for row in rows(kit, jury=True).values())
    assert spectator.get(f"competitions/{kit.contest.id}/awards").json()["events"] == []
    publish(kit)
    public = rows(kit)
    assert {code: (r["rank"], r["total"], r["award"]) for code, r in public.items()} == {
        e3.code: (1, "48.67", "一等奖"), e1.code: (2, "46.67", "二等奖"), e2.code: (2, "46.67", "二等奖"),
        e0.code: (4, "44.67", "优胜奖")}
    assert rows(kit, jury=True)[e3.code]["award"] == "一等奖"
    body = spectator.get(f"competitions/{kit.contest.id}/awards").json()
    assert body["counts"] == {"一等奖": 1, "二等奖": 2, "优胜奖": 1}
    listed = body["events"][0]
    assert listed["mode"] == "rank" and listed["version"] == 1
    tied = sorted([e1, e2], key=lambda e: e.code)  # the same tier and rank: by code
    assert [(a["name"], a["tier"], a["rank"]) for a in listed["awards"]] == [
        (e3.contestant.name, "一等奖", 1), (tied[0].contestant.name, "二等奖", 2),
        (tied[1].contestant.name, "二等奖", 2), (e0.contestant.name, "优胜奖", 4)]
    assert all(a["certificate_code"] for a in listed["awards"])
    results = kit.client(kit.contestants[0]).get(f"competitions/{kit.contest.id}/results").json()["items"]
    assert {r["code"]: r["award"] for r in results[0]["rows"]} == {e3.code: "一等奖", e1.code: "二等奖",
                                                                 e2.code: "二等奖", e0.code: "优胜奖"}
    book = load_workbook(io.BytesIO(kit.client(kit.chief).get(f"competitions/{kit.contest.id}/results.xlsx").content))
    values = [[c.value for c in row] for row in book["成绩"].iter_rows()]
    header = next(v for v in values if v[0] == "名次")
    column = header.index("奖项")
    assert {v[1]: v[column] for v in values if isinstance(v[0], int)} == {
        e3.code: "一等奖", e1.code: "二等奖", e2.code: "二等奖", e0.code: "优胜奖"}


def test_unit_award_counts_for_supervision(kit, org):
    ranked_kit(kit)
    publish(kit)
    start, end = timezone.now() - timedelta(days=1), timezone.now() + timedelta(days=1)
    kit.contest.starts_at = timezone.now()
    kit.contest.save()
    counts = selectors.unit_awards(units=[org.bureau, org.hvac_team, org.bas, org.base], start=start, end=end)
    # entries 0 (hvac team: 优胜奖), 1 (building automation: 二等奖), 2 and 3 (the base: 二等奖, 一等奖)
    assert counts[org.hvac_team.pk] == {"total": 1, "优胜奖": 1}
    assert counts[org.bas.pk] == {"total": 1, "二等奖": 1}
    assert counts[org.bureau.pk]["total"] == 4


def test_award_certificate_verifies_and_is_revoked_when_a_republication_changes_the_award(kit):
    ranked_kit(kit)
    e0, e1, e2, e3 = kit.entries
    publish(kit)
    certificates = {c.entry_id: c for c in AwardCertificate.objects.all()}
    assert len(certificates) == 4 and IssuedCredential.objects.filter(kind="award").count() == 4
    public = Client()
    first = certificates[e3.id]
    answer = public.get(f"/api/v1/certificates/{first.code}")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["kind"], body["tier"], body["contestant_name"], body["valid"]) == ("award", "一等奖",
                                                                                 e3.contestant.name, True)
    credential = verify(body["credential"]["jwt"], public)
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["credentialSubject"]["achievement"]["achievementType"] == "Award"
    assert credential["credentialSubject"]["result"][0]["value"] == "一等奖"
    assert e3.contestant.name not in json.dumps(credential, ensure_ascii=False)  # the name only hashed
    assert public.get(f"/api/v1/certificates/{first.code}.png")["Content-Type"] == "image/png"
    assert public.get(f"/api/v1/certificates/{first.code}/credential").content.decode() == body["credential"]["jwt"]
    page = public.get(f"/c/{first.code.lower()}")
    assert page.status_code == 200 and "获奖证书验证" in page.content.decode() and "一等奖" in page.content.decode()

    # e0 appeals 工艺; the re-mark (one judge 3, the others 2) lifts e0 to 48.00: rank 2 between e3 and e1/e2
    aspect = kit.judgement[0]
    filed = kit.client(kit.contestants[0]).post(f"competitions/entries/{e0.id}/appeals",
                                                {"client_id": "ap-1", "aspect_id": aspect.id, "reason": "工艺偏低"})
    decided = kit.client(kit.arbitrator).post(f"judging/appeals/{filed.json()['id']}/decide",
                                              {"decision": "upheld", "reason": "复评"})
    assert decided.status_code == 200
    for n, judge in enumerate(kit.free_judges(e0)):
        assert kit.mark(judge, e0, aspect, 3 if n == 0 else 2).json()["results"][0]["status"] == 201
    public_rows = rows(kit)
    assert {code: (r["rank"], r["award"]) for code, r in public_rows.items()} == {
        e3.code: (1, "一等奖"), e0.code: (2, "二等奖"), e1.code: (3, "三等奖"), e2.code: (3, "三等奖")}
    assert Award.objects.filter(result__version=2).count() == 4 and Award.objects.filter(result__version=1).count() == 4
    # e3 keeps its certificate (same award); the three whose award changed: revoked, and a new one each
    assert public.get(f"/api/v1/certificates/{first.code}").status_code == 200
    old = certificates[e0.id]
    assert_error(public.get(f"/api/v1/certificates/{old.code}"), 410, "certificate_revoked")
    old.refresh_from_db()
    assert "第 2 版" in old.revoked_reason and "二等奖" in old.revoked_reason
    with pytest.raises(Revoked):
        verify(IssuedCredential.objects.get(reference=f"competitions.award:{old.pk}").jwt, public)
    new = AwardCertificate.objects.get(entry=e0, revoked_at__isnull=True)
    assert new.tier == "二等奖" and public.get(f"/api/v1/certificates/{new.code}").json()["tier"] == "二等奖"
    assert AwardCertificate.objects.filter(revoked_at__isnull=True).count() == 4
    assert AwardCertificate.objects.filter(revoked_at__isnull=False).count() == 3


def test_unknown_codes_and_the_apprenticeship_contract_stay(kit):
    public = Client()
    assert_error(public.get("/api/v1/certificates/ABCDEFGHJKLMNPQR"), 404, "certificate_not_found")
    assert_error(public.get("/api/v1/certificates/nonsense"), 404, "certificate_not_found")


def test_no_award_rule_means_no_awards_and_no_certificates(kit):
    for entry in kit.entries:
        kit.complete(entry)
    publish(kit)
    assert all(row["award"] is None for row in rows(kit).values())
    assert not Award.objects.exists() and not AwardCertificate.objects.exists()
    assert kit.client(kit.spectator).get(f"competitions/{kit.contest.id}/awards").json()["events"][0]["awards"] == []


def test_awards_refuse_anonymous(kit):
    assert Client().get(f"/api/v1/competitions/{kit.contest.id}/awards").status_code == 401
