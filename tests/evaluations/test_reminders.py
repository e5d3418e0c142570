"""Organisers see the response rate and who has not responded — whatever the anonymity — and remind them:
an in-app message and a WeChat subscribe message through the outbox, at most once a day each."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings

from accounts.models import WechatIdentity
from notifications.models import Notification, OutboxMessage
from notifications.sender import send_due
from tests.conftest import assert_error

from .kit import course_answers

pytestmark = pytest.mark.django_db


def test_response_rate_and_non_respondents(world, clock):
    survey = world.campaign()
    for learner in world.learners[:3]:
        world.answer(survey["id"], learner, course_answers(4))
    status = world.client(world.leader).get(f"surveys/{survey['id']}/status").json()
    assert (status["audience"], status["responded"], status["rate"]) == (8, 3, "37.5")
    assert [p["name"] for p in status["non_respondents"]] == [u.name for u in world.learners[3:]]
    assert status["non_respondents"][0]["org_unit"] == "暖通一班"
    assert_error(world.client(world.learners[0]).get(f"surveys/{survey['id']}/status"), 403, "not_organiser")


def test_reminders_reach_non_respondents_through_the_outbox_once_a_day(world, clock, fake_wechat, settings):
    settings.WECHAT_SUBSCRIBE_TEMPLATES = django_settings.DEMO_SUBSCRIBE_TEMPLATES
    survey = world.campaign()
    for learner in world.learners:
        WechatIdentity.objects.create(user=learner, appid=django_settings.WECHAT_APPID, openid=f"o-{learner.pk}")
    for learner in world.learners[:5]:
        world.answer(survey["id"], learner, course_answers(4))
    assert world.client(world.trainer).post(f"surveys/{survey['id']}/reminders").json() == {"reminded": 3}
    assert world.client(world.trainer).post(f"surveys/{survey['id']}/reminders").json() == {"reminded": 0}
    reminded = set(Notification.objects.filter(kind="survey_reminder").values_list("recipient_id", flat=True))
    assert reminded == {u.pk for u in world.learners[5:]}
    # The model's default took the real clock at import; the sender runs on the frozen one.
    OutboxMessage.objects.update(next_attempt_at=clock.now)
    assert send_due()["sent"] == 3
    assert {m["touser"] for m in fake_wechat.state.messages} == {f"o-{u.pk}" for u in world.learners[5:]}
    assert {m["template_id"] for m in fake_wechat.state.messages} == {"demo-tpl-survey-reminder"}
    assert {m["page"] for m in fake_wechat.state.messages} == {f"pages/survey/detail?id={survey['id']}"}
    clock.advance(days=1)
    assert world.client(world.trainer).post(f"surveys/{survey['id']}/reminders").json() == {"reminded": 3}
    assert OutboxMessage.objects.filter(kind="survey_reminder").count() == 6
    assert_error(world.client(world.learners[0]).post(f"surveys/{survey['id']}/reminders"), 403, "not_organiser")


def test_a_closed_campaign_is_not_reminded(world, clock):
    survey = world.campaign(days=1)
    clock.advance(days=2)
    assert_error(world.client(world.trainer).post(f"surveys/{survey['id']}/reminders"), 409, "survey_not_open")
