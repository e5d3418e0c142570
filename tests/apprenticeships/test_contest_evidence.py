"""Published contest results are evidence by themselves: at publication for apprentices with an open
agreement, and for results published before the agreement existed."""

import random

from apprenticeships.models import Evidence
from competitions import services as contest_services
from tests.competitions.conftest import Kit


def _published_contest(teaching, api, make_user, *, with_agreement_first: bool):
    agreement = teaching.create() if with_agreement_first else None
    kit = Kit(api, teaching.org, make_user, open_event=False)
    entry = contest_services.add_entry(event=kit.event, contestant=teaching.apprentice, org_unit=teaching.org.base)
    contest_services.open_event(actor=kit.chief, event_id=kit.event.id, rng=random.Random(7))
    kit.entries.append(entry)
    kit.refresh()
    for n, item in enumerate(kit.entries):
        kit.complete(item, judgement_values=[3, 3, 2, 3, 3] if item == entry else [1, 2, 1, 2, 1],
                     measurement=str(18 - n))
    contest_services.lock_event(actor=kit.chief, event_id=kit.event.id)
    if agreement is not None:
        assert not Evidence.objects.exists()  # nothing before publication
    kit.recheck()
    contest_services.publish_event(actor=kit.chief, event_id=kit.event.id)
    return kit, entry, agreement


def test_a_published_result_is_evidence_for_the_competency_that_takes_contests(teaching, api, make_user):
    kit, entry, agreement = _published_contest(teaching, api, make_user, with_agreement_first=True)
    item = teaching.item(teaching.detail(agreement["id"]), "C1")
    [evidence] = item["evidence"]
    assert evidence["kind"] == "contest_result" and evidence["status"] == "signed"
    assert evidence["signed_by"]["id"] == kit.chief.pk
    contest = evidence["contest"]
    assert contest["event"] == "暖通故障排除" and contest["rank"] == 1 and contest["entries"] == 5
    assert "第 1 名（共 5 人）" in evidence["description"] and item["state"] == "in_progress"
    # Publishing is once; a rebuild of the board or a second receiver call adds nothing.
    from apprenticeships.services import record_contest_results

    assert record_contest_results(event=kit.event) == 0
    assert Evidence.objects.count() == 1


def test_results_published_before_the_agreement_are_backfilled(teaching, api, make_user):
    _published_contest(teaching, api, make_user, with_agreement_first=False)
    agreement = teaching.create()
    [evidence] = teaching.item(agreement, "C1")["evidence"]
    assert evidence["contest"]["rank"] == 1


def test_without_a_contest_competency_the_result_is_general_evidence(teaching, api, make_user):
    teaching.competencies["C1"].accepts_contest_results = False
    teaching.competencies["C1"].save()
    _, _, agreement = _published_contest(teaching, api, make_user, with_agreement_first=True)
    detail = teaching.detail(agreement["id"])
    assert [e["kind"] for e in detail["general_evidence"]] == ["contest_result"]
    assert all(i["evidence"] == [] for i in detail["plan"])


def test_an_upheld_appeal_republishes_and_the_evidence_follows_the_new_result(teaching, api, make_user):
    from competitions.models import PublishedResult
    from notifications.models import Notification

    kit, entry, agreement = _published_contest(teaching, api, make_user, with_agreement_first=True)
    rival = kit.entries[3]  # second after the apprentice; an appeal lifts it to the top
    filed = kit.client(rival.contestant).post(f"competitions/entries/{rival.id}/appeals", {
        "client_id": "ap-1", "aspect_id": kit.judgement[1].id, "reason": "规范性评分偏低"})
    assert filed.status_code == 201, filed.content
    decided = kit.client(kit.arbitrator).post(f"judging/appeals/{filed.json()['id']}/decide",
                                              {"decision": "upheld", "reason": "复评"})
    assert decided.status_code == 200
    for judge in kit.free_judges(rival):
        for aspect in kit.judgement:
            if aspect == kit.judgement[1]:
                assert kit.mark(judge, rival, aspect, 10).json()["results"][0]["status"] == 201
    versions = list(PublishedResult.objects.filter(event=kit.event).order_by("version"))
    assert [v.version for v in versions] == [1, 2]
    moved = {c["entry_id"]: c for c in versions[1].changes}
    assert moved[entry.id]["old_rank"] == 1 and moved[entry.id]["new_rank"] == 2
    assert moved[rival.id]["new_rank"] == 1
    assert all((c["old_rank"], c["old_total"]) != (c["new_rank"], c["new_total"]) for c in versions[1].changes)
    unchanged = [r["entry_id"] for r in versions[1].rows if r["entry_id"] not in moved]
    assert all(versions[0].rows[i] == versions[1].rows[i] for i, r in enumerate(versions[1].rows)
               if r["entry_id"] in unchanged) or not unchanged
    # every contestant whose result moved is told, once
    told = list(Notification.objects.filter(kind="contest_result_changed").values_list("recipient_id", flat=True))
    by_entry = {e.id: e.contestant_id for e in kit.entries}
    assert sorted(told) == sorted(by_entry[i] for i in moved)
    mine = Notification.objects.get(kind="contest_result_changed", recipient=entry.contestant)
    assert "名次 1 → 2" in mine.body and "第 2 版" in mine.body
    # the apprentice's evidence: the first result stays (a fact), the corrected one is added beside it
    item = teaching.item(teaching.detail(agreement["id"]), "C1")
    contest = sorted((e["contest"] for e in item["evidence"]), key=lambda c: c["version"])
    assert [(c["rank"], c["version"]) for c in contest] == [(1, 1), (2, 2)]
    assert contest[1]["previous_rank"] == 1 and contest[1]["event"] == "暖通故障排除"
    corrected = next(e for e in item["evidence"] if e["contest"]["version"] == 2)
    assert "成绩更正，第 2 版" in corrected["description"] and corrected["signed_by"]["id"] == kit.chief.pk
