"""Every apprenticeship model has a working admin with Chinese names: list, search, filters, detail; the
facts are read-only; an agreement added in the admin gets its plan from the template."""

from datetime import date

import pytest
from django.contrib import admin
from django.urls import reverse

from apprenticeships.models import (
    Agreement,
    Certificate,
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
    StudioSettings,
)

MODELS = [StudioSettings, CompetencyFramework, Competency, PlanTemplate, PlanTemplateItem, Agreement, PlanItem,
          Rating, Countersign, Evidence, EvidenceSignature, Review, ReviewSignature, Certificate]


@pytest.fixture
def everything(teaching, clock):
    clock.set(date(2026, 3, 2))
    StudioSettings.objects.create(studio=teaching.org.hvac)
    agreement = teaching.create(start=date(2026, 3, 2))
    teaching.hours(agreement["id"], 3)
    teaching.sign_off_everything(agreement)
    teaching.client(teaching.master).post(f"apprenticeships/evidence/{Evidence.objects.get().pk}/sign", {})
    teaching.review(agreement["id"], final=True)
    teaching.client(teaching.leader).post(f"apprenticeships/{agreement['id']}/complete", {"grade": "pass"})
    return agreement


def test_admin_pages_render_with_chinese_names_and_facts_are_read_only(everything, admin_site):
    # One set of data for every model (the fixture takes a whole agreement to completion).
    for model in MODELS:
        assert model in admin.site._registry, model
        assert any("\u4e00" <= c <= "\u9fff" for c in str(model._meta.verbose_name)), model
        model_admin = admin.site._registry[model]
        assert model_admin.search_fields and model_admin.list_filter, model
        info = (model._meta.app_label, model._meta.model_name)
        changelist = admin_site.get(reverse("admin:{}_{}_changelist".format(*info)), {"q": "1"})
        assert changelist.status_code == 200, model
        row = model.objects.first()
        assert row is not None, model
        assert admin_site.get(reverse("admin:{}_{}_change".format(*info), args=[row.pk])).status_code == 200, model
    for model in (Rating, Countersign, Evidence, EvidenceSignature, Review, ReviewSignature, Certificate):
        info = (model._meta.app_label, model._meta.model_name)
        assert admin_site.get(reverse("admin:{}_{}_add".format(*info))).status_code == 403, model


def test_an_agreement_added_in_the_admin_gets_its_plan(teaching, admin_site, make_user):
    apprentice = make_user("周小川", roles=[("apprentice", teaching.org.hvac)], unit=teaching.org.hvac)
    response = admin_site.post(reverse("admin:apprenticeships_agreement_add"), {
        "studio": teaching.org.hvac.pk, "master": teaching.master.pk, "apprentice": apprentice.pk,
        "template": teaching.template.pk, "target_level": "level4", "start_date": "2026-03-02",
        "end_date": "2027-03-01", "planned_hours": "400", "review_interval_weeks": "12",
        "items-TOTAL_FORMS": "0", "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000"})
    assert response.status_code == 302, response.content.decode()[:2000]
    agreement = Agreement.objects.get(apprentice=apprentice)
    assert agreement.items.count() == 6 and agreement.state == "draft"
    assert agreement.created_by == teaching.practice.admin


def test_a_certificate_is_revoked_from_the_admin(everything, admin_site):
    certificate = Certificate.objects.get()
    response = admin_site.post(reverse("admin:apprenticeships_certificate_changelist"),
                               {"action": "revoke", "_selected_action": [certificate.pk]}, follow=True)
    assert response.status_code == 200
    certificate.refresh_from_db()
    assert certificate.revoked_at is not None
