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
