"""A published version never changes: edits make a new draft, and runs keep the version they followed."""

import pytest
from django.urls import reverse

from miniprogram_api.errors import ApiError
from standards import services
from standards.models import ImmutableVersionError, ProcedureVersion, Step
from tests.practice import make_procedure


def test_a_published_version_and_its_steps_cannot_change(practice):
    version = practice.version
    step = practice.step(2)
    step.upper_limit = 99
    with pytest.raises(ImmutableVersionError):
        step.save()
    with pytest.raises(ImmutableVersionError):
        step.delete()
    with pytest.raises(ImmutableVersionError):
        Step(version=version, position=99, title="偷偷加一步", type=Step.Type.CHECK).save()
    version.change_note = "改一下"
    with pytest.raises(ImmutableVersionError):
        version.save()
    with pytest.raises(ImmutableVersionError):
        version.delete()
    with pytest.raises(ApiError) as info:
        services.add_step(version=version, title="再加一步", type=Step.Type.CHECK)
    assert info.value.code == "version_published"
    with pytest.raises(ApiError) as info:
        services.publish_version(version=version)
    assert info.value.code == "version_published"
    assert Step.objects.get(pk=step.pk).upper_limit == 8


def test_editing_means_a_new_draft_and_runs_keep_their_version(practice):
    worker = practice.client(practice.worker)
    old_run = practice.finished_run(worker)

    draft = services.create_draft(procedure=practice.procedure)
    assert draft.number == 2 and draft.status == ProcedureVersion.Status.DRAFT
    assert services.create_draft(procedure=practice.procedure) == draft  # one draft at a time
    copied = list(draft.steps.order_by("position"))
    assert [s.title for s in copied] == [s.title for s in practice.steps]
    # The copied condition points at the copy of step 1, not at the published one.
    assert copied[4].condition_step_id == copied[0].pk
    number = copied[1]
    number.upper_limit = 9
    number.save()
    services.add_step(version=draft, title="冷却塔风机检查", type=Step.Type.CHECK)

    # The scan still offers v1 until the draft is published.
    assert worker.get(f"scan/{practice.code}").json()["procedures"][0]["version_id"] == practice.version.pk
    services.publish_version(version=draft)
    scanned = worker.get(f"scan/{practice.code}").json()["procedures"][0]
    assert scanned["version_id"] == draft.pk and scanned["version"] == 2
    assert scanned["steps"][1]["upper_limit"] == 9 and len(scanned["steps"]) == 9

    old = worker.get(f"runs/{old_run}").json()
    assert old["procedure_version_id"] == practice.version.pk and old["version"] == 1
    assert practice.step(2).upper_limit == 8
    # An old version stays usable for a run begun offline before the update.
    late = practice.start(worker)
    assert late.status_code == 201 and late.json()["procedure_version_id"] == practice.version.pk


def test_publishing_checks_the_draft(org):
    procedure = make_procedure(studio=org.hvac, steps=[], publish=False)
    draft = procedure.versions.get()
    with pytest.raises(ApiError) as info:
        services.publish_version(version=draft)
    assert info.value.code == "version_invalid" and "没有任何步骤" in info.value.message
    with pytest.raises(ApiError) as info:
        services.add_step(version=draft, title="温度", type=Step.Type.NUMBER, lower_limit=9, upper_limit=1)
    assert info.value.code == "step_invalid" and "下限不能大于上限" in info.value.message
    with pytest.raises(ApiError):
        services.add_step(version=draft, title="声音", type=Step.Type.CHOICE, options=[{"value": "a"}])
    first = services.add_step(version=draft, title="检查", type=Step.Type.CHECK)
    with pytest.raises(ApiError):
        services.add_step(version=draft, title="说明", type=Step.Type.TEXT, condition_step=first,
                          condition_verdicts=["broken"])
    services.add_step(version=draft, title="说明", type=Step.Type.TEXT, condition_step=first,
                      condition_verdicts=["fail"])
    published = services.publish_version(version=draft)
    assert published.is_published and published.published_at is not None
    procedure.refresh_from_db()
    assert procedure.current_version == published


def test_the_admin_shows_a_published_version_read_only(practice, admin_site):
    client = admin_site
    url = reverse("admin:standards_procedureversion_change", args=[practice.version.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert b'name="steps-0-title"' not in page.content  # no editable step fields
    draft = services.create_draft(procedure=practice.procedure)
    page = client.get(reverse("admin:standards_procedureversion_change", args=[draft.pk]))
    assert b'name="steps-0-title"' in page.content

    response = client.post(reverse("admin:standards_procedureversion_changelist"),
                           {"action": "publish", "_selected_action": [draft.pk]}, follow=True)
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.is_published
