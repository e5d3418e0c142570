"""Anonymity that holds: an organiser (and an admin) tries to link one person's distinctive answer to them
through every endpoint and export of this app, and cannot; the tables themselves hold no link."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib import admin
from openpyxl import load_workbook

from evaluations.models import Completion, Response
from notifications.models import Notification, OutboxMessage

from .kit import course_answers

pytestmark = pytest.mark.django_db
SECRET = "讲师经常迟到，机房设备老旧"


def test_no_endpoint_or_export_links_an_answer_to_its_respondent(world, clock):
    survey = world.campaign(min_responses=5)
    target = world.learners[6]  # one of only two in the studio's own unit
    for learner in world.learners:
        mark = learner.pk == target.pk
        answers = course_answers(1 if mark else 4, nps=0 if mark else 9, suggest=SECRET if mark else None)
        receipt = world.answer(survey["id"], learner, answers)
        assert receipt.status_code == 201
        # The receipt carries nothing of the answers row.
        assert set(receipt.json()) == {"survey_id", "client_id", "submitted_on", "anonymous"}
        assert SECRET not in receipt.content.decode()
    world.client(world.trainer).post(f"surveys/{survey['id']}/close")

    identity = {str(target.pk), target.name, target.username}
    bodies: dict[str, str] = {}
    for viewer in (world.trainer, world.leader, world.admin):
        client = world.client(viewer)
        for path in (f"surveys/{survey['id']}", f"surveys/{survey['id']}/status", f"surveys/{survey['id']}/results",
                     f"surveys/{survey['id']}/results?by=org_unit", "surveys/organised", "surveys/mine",
                     f"surveys/trend?target_kind=course&target_id={world.course.pk}", "improvement-actions"):
            response = client.get(path)
            assert response.status_code == 200, (path, response.content)
            bodies[f"{viewer.name} {path}"] = response.content.decode()
        for action in client.get("improvement-actions").json():
            bodies[f"{viewer.name} action {action['id']}"] = client.get(f"improvement-actions/{action['id']}") \
                .content.decode()
        book = load_workbook(io.BytesIO(client.get(f"surveys/{survey['id']}/results.xlsx").content))
        bodies[f"{viewer.name} xlsx"] = json.dumps(
            [[str(c) for c in row] for sheet in book for row in sheet.iter_rows(values_only=True)], ensure_ascii=False)
    bodies["notifications"] = json.dumps([[n.title, n.body, n.data] for n in Notification.objects.all()],
                                         ensure_ascii=False)
    bodies["outbox"] = json.dumps([m.data for m in OutboxMessage.objects.all()], ensure_ascii=False)

    # The distinctive answer is visible (the results are not suppressed) …
    assert any(SECRET in body for body in bodies.values())
    # … but never next to the person: no body holding the answer names them, and the one body that names
    # people (the status page's non-respondents) holds no answers — and she responded, so she is not in it.
    for name, body in bodies.items():
        if SECRET in body:
            assert not any(f'"{value}"' in body or f"'{value}'" in body or f'"id": {value},' in body
                           for value in identity), name
    status = json.loads(bodies[f"{world.trainer.name} surveys/{survey['id']}/status"])
    assert target.pk not in {p["id"] for p in status["non_respondents"]}
    # Her studio cell (2 answers) and, with it, the only other cell are suppressed: no subtraction either.
    units = json.loads(bodies[f"{world.trainer.name} surveys/{survey['id']}/results?by=org_unit"])["units"]
    assert all(cell["suppressed"] for cell in units)


def test_the_tables_hold_no_link(world, clock):
    survey = world.campaign()
    for learner in world.learners[:3]:
        world.answer(survey["id"], learner, course_answers(4))
    # The answers row: a random UUID, no respondent, no time of any kind.
    fields = {f.name for f in Response._meta.concrete_fields}
    assert fields == {"id", "campaign", "answers", "respondent", "org_unit"}
    assert Response._meta.pk.get_internal_type() == "UUIDField"
    assert Response._meta.pk.default.__name__ == "uuid4"
    assert not Response.objects.filter(respondent__isnull=False).exists()
    # The completion row: the person and the Shanghai day only; no answer, no shared id.
    completion_fields = {f.name for f in Completion._meta.concrete_fields}
    assert completion_fields == {"id", "campaign", "user", "client_id", "completed_on"}
    assert not ({f.get_internal_type() for f in Completion._meta.concrete_fields} & {"DateTimeField", "UUIDField"})
    response_ids = {str(pk) for pk in Response.objects.values_list("id", flat=True)}
    completion_values = {str(v) for row in Completion.objects.values_list("id", "client_id") for v in row}
    assert not (response_ids & completion_values)
    # The admin shows neither, so nobody puts them side by side there.
    assert Response not in admin.site._registry and Completion not in admin.site._registry


def test_the_admin_cannot_switch_anonymity_once_someone_answered(world, clock, rf):
    from evaluations.admin import CampaignAdmin
    from evaluations.models import Campaign

    survey = world.campaign()
    campaign = Campaign.objects.get(pk=survey["id"])
    model_admin = CampaignAdmin(Campaign, admin.site)
    assert "anonymous" not in model_admin.get_readonly_fields(rf.get("/"), campaign)
    world.answer(survey["id"], world.learners[0], course_answers(4))
    assert "anonymous" in model_admin.get_readonly_fields(rf.get("/"), campaign)
