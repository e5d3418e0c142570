"""Evidence that comes by itself: an approved run of a linked procedure, before or after the plan
exists, once per competency; a run rejected later stops counting."""

from apprenticeships.models import Evidence, EvidenceSignature


def _approve(teaching, run_id, reviewer=None, decision="approved", **extra):
    body = {"decision": decision, **extra}
    response = teaching.client(reviewer or teaching.master).post(f"runs/{run_id}/review", body)
    assert response.status_code in (200, 201), response.content
    return response


def test_an_approved_run_of_a_linked_procedure_is_evidence_signed_by_its_reviewer(teaching):
    agreement = teaching.create()
    run_id = teaching.practice.finished_run(teaching.client(teaching.apprentice))
    assert teaching.item(teaching.detail(agreement["id"]), "S1")["evidence"] == []  # completed, not yet approved

    _approve(teaching, run_id)
    item = teaching.item(teaching.detail(agreement["id"]), "S1")
    assert item["state"] == "in_progress"
    [evidence] = item["evidence"]
    assert evidence["kind"] == "approved_run" and evidence["run"]["id"] == run_id
    assert evidence["run"]["procedure_title"] == teaching.practice.procedure.title
    assert evidence["status"] == "signed" and evidence["signed_by"]["id"] == teaching.master.pk
    assert evidence["created_by"] is None and evidence["withdrawn"] is False
    # Only the linked competency gets it.
    assert all(i["evidence"] == [] for i in teaching.detail(agreement["id"])["plan"] if i["competency"]["code"] != "S1")

    # Approving again (another reviewer, or a replay) never adds a second row.
    _approve(teaching, run_id, reviewer=teaching.leader)
    assert Evidence.objects.filter(run_id=run_id).count() == 1


def test_runs_approved_before_the_agreement_existed_are_backfilled(teaching):
    apprentice = teaching.client(teaching.apprentice)
    first = teaching.practice.finished_run(apprentice)
    second = teaching.practice.finished_run(apprentice)
    rejected = teaching.practice.finished_run(apprentice)
    _approve(teaching, first)
    _approve(teaching, second, reviewer=teaching.leader)
    _approve(teaching, rejected, decision="rejected", comment="照片不清晰")
    agreement = teaching.create(activate=False)  # the draft already shows them
    item = teaching.item(agreement, "S1")
    assert sorted(e["run"]["id"] for e in item["evidence"]) == [first, second]
    assert {e["signed_by"]["id"] for e in item["evidence"]} == {teaching.master.pk, teaching.leader.pk}
    assert item["state"] == "in_progress"


def test_a_run_rejected_after_approval_no_longer_counts(teaching):
    agreement = teaching.create()
    run_id = teaching.practice.finished_run(teaching.client(teaching.apprentice))
    _approve(teaching, run_id)
    _approve(teaching, run_id, reviewer=teaching.leader, decision="rejected", comment="复核发现读数记录有误")
    item = teaching.item(teaching.detail(agreement["id"]), "S1")
    [evidence] = item["evidence"]  # appended once, never deleted
    assert evidence["withdrawn"] is True and item["state"] == "not_started"
    _approve(teaching, run_id, reviewer=teaching.leader, comment="更正后复核通过")
    item = teaching.item(teaching.detail(agreement["id"]), "S1")
    assert item["state"] == "in_progress" and [e["withdrawn"] for e in item["evidence"]] == [False]
    assert Evidence.objects.count() == 1


def test_runs_of_other_people_or_unlinked_procedures_are_not_evidence(teaching):
    agreement = teaching.create()
    _approve(teaching, teaching.practice.finished_run(teaching.client(teaching.practice.worker)))
    assert not Evidence.objects.exists()  # someone else's run
    teaching.competencies["S1"].procedures.clear()
    _approve(teaching, teaching.practice.finished_run(teaching.client(teaching.apprentice)))
    assert not Evidence.objects.filter(agreement_id=agreement["id"]).exists()  # no competency links it


def test_closed_agreements_get_no_new_evidence(teaching):
    agreement = teaching.create()
    teaching.client(teaching.leader).post(f"apprenticeships/{agreement['id']}/terminate", {"reason": "调岗"})
    run_id = teaching.practice.finished_run(teaching.client(teaching.apprentice))
    _approve(teaching, run_id)
    assert not Evidence.objects.exists() and not EvidenceSignature.objects.exists()
