"""Every training model has a working admin (list, search, detail); a trainer uploads a lesson video through
the admin with the same checks as the API; learning records and attempts are read-only there."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from training import services
from training.models import Lesson

from .kit import DEMO_VIDEO, make_bank, make_course, make_exam, new_id, right_answer

MODELS = [m for m in apps.get_app_config("training").get_models() if m in admin.site._registry]


@pytest.fixture
def data(people, clock):
    course = make_course(unit=people.org.hvac, kinds=("video", "article"))
    services.assign(actor=people.leader, course_id=course.pk, user_ids=[people.learner.pk], org_unit_ids=[],
                    roles=[], due_date=None)
    people.client(people.learner).post("learning/progress", {"items": [{
        "client_id": new_id(), "lesson_id": course.lessons.get(kind="article").pk, "position_s": 0, "watched": [],
        "at": clock.now.isoformat()}]})
    bank = make_bank(unit=people.org.hvac, per_kind=1, tags=("制冷原理",))
    exam = make_exam(unit=people.org.hvac, bank=bank, questions=list(bank.questions.all()[:4]), points=Decimal(25))
    attempt, _ = services.start_attempt(user=people.learner, exam_id=exam.pk)
    question = bank.questions.get(pk=attempt.paper[0]["q"])
    services.submit(user=people.learner, attempt_id=attempt.pk,
                    answers=[services.AnswerIn(question.pk, right_answer(question), 1)])
    from training.models import ExamRule, KnowledgeTag

    ExamRule.objects.create(exam=exam, tag=KnowledgeTag.objects.first(), count=1)
    return course


@pytest.fixture
def site(client, people, settings):
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    people.admin.is_staff = people.admin.is_superuser = True
    people.admin.save()
    client.force_login(people.admin)
    return client


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_admin_pages_render(data, site, model):
    assert any("\u4e00" <= c <= "\u9fff" for c in str(model._meta.verbose_name))
    info = (model._meta.app_label, model._meta.model_name)
    assert site.get(reverse("admin:{}_{}_changelist".format(*info)), {"q": "1"}).status_code == 200
    row = model.objects.first()
    assert row is not None, model
    assert site.get(reverse("admin:{}_{}_change".format(*info), args=[row.pk])).status_code == 200


def test_facts_are_read_only_in_the_admin(data, site):
    from training.models import Attempt, ProgressItem

    for model in (Attempt, ProgressItem):
        row = model.objects.first()
        url = reverse(f"admin:training_{model._meta.model_name}_change", args=[row.pk])
        assert site.post(url, {}).status_code == 403
        assert site.get(reverse(f"admin:training_{model._meta.model_name}_add")).status_code == 403


def test_a_video_uploaded_in_the_admin_is_read_from_the_file(data, site):
    lesson = data.lessons.get(kind="video")
    url = reverse("admin:training_lesson_change", args=[lesson.pk])
    form = {"course": data.pk, "chapter": lesson.chapter_id, "title": "新视频", "kind": "video", "order": 0,
            "media": "", "article": "", "procedure": "", "exam": ""}
    response = site.post(url, {**form, "upload": SimpleUploadedFile("new.mp4", DEMO_VIDEO.read_bytes())})
    assert response.status_code == 302, response.content[:500]
    lesson.refresh_from_db()
    assert lesson.title == "新视频" and lesson.media.duration_s == Decimal("20.1")
    assert lesson.media.video_codec == "h264"
    before = lesson.media_id
    response = site.post(url, {**form, "media": before, "upload": SimpleUploadedFile("x.mp4", b"not a video")},
                         follow=True)
    assert "文件未保存" in response.content.decode()
    assert Lesson.objects.get(pk=lesson.pk).media_id == before
