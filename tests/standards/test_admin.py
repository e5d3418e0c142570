"""Every model of the practice-point apps has a working admin: list, search, filters, detail."""

import pytest
from django.contrib import admin
from django.urls import reverse

from media.models import Photo
from practice.models import ProcedureRun, RunReview, ScanLog, StepRecord
from standards.models import PracticePoint, Procedure, ProcedureVersion, QRCode, Standard, Step
from workorders.models import WorkOrder, WorkOrderCategory, WorkOrderEvent, WorkOrderSequence

MODELS = [Standard, Procedure, ProcedureVersion, PracticePoint, QRCode, ProcedureRun, StepRecord, RunReview, ScanLog,
          Photo, WorkOrder, WorkOrderCategory, WorkOrderSequence, WorkOrderEvent]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_admin_pages_render_with_chinese_names(practice, admin_site, model):
    worker = practice.client(practice.worker)
    worker.get(f"scan/{practice.code}")
    values = practice.good_values(worker)
    values[2] = 9.5
    practice.finished_run(worker, values=values)
    practice.client(practice.master).post(f"runs/{ProcedureRun.objects.get().pk}/review", {"decision": "approved"})
    WorkOrderCategory.objects.create(name="暖通空调故障", studio=practice.org.hvac, required_procedure=practice.procedure)

    assert model in admin.site._registry and any("\u4e00" <= c <= "\u9fff" for c in str(model._meta.verbose_name))
    info = (model._meta.app_label, model._meta.model_name)
    changelist = admin_site.get(reverse("admin:{}_{}_changelist".format(*info)), {"q": "1"})
    assert changelist.status_code == 200
    row = model.objects.first()
    assert row is not None, model
    detail = admin_site.get(reverse("admin:{}_{}_change".format(*info), args=[row.pk]))
    assert detail.status_code == 200


def test_steps_are_edited_inside_their_version(practice):
    assert Step not in admin.site._registry  # only through a draft version's inline


def test_a_new_draft_comes_from_the_procedure_action(practice, admin_site):
    response = admin_site.post(reverse("admin:standards_procedure_changelist"),
                               {"action": "new_draft", "_selected_action": [practice.procedure.pk]}, follow=True)
    assert response.status_code == 200
    draft = practice.procedure.versions.get(status="draft")
    assert draft.number == 2 and draft.steps.count() == len(practice.steps)
    assert admin_site.get(reverse("admin:standards_procedureversion_add")).status_code == 403
