"""The WeChat outbox: written with the change, sent by the sender, retried while WeChat is down,
sent once when it is back, 43101 recorded and not retried."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone

from accounts.models import WechatIdentity
from notifications.models import Notification, OutboxMessage
from notifications.sender import send_due
from notifications.services import notify

TEMPLATES = {"dispatch": {"template_id": "TPL-DISPATCH", "page": "pages/workorder/detail?id={id}",
                          "fields": {"thing1": "title", "character_string2": "number", "thing3": "body"}}}


@pytest.fixture
def templates(settings):
    settings.WECHAT_SUBSCRIBE_TEMPLATES = TEMPLATES


def person(make_user, openid):
    user = make_user()
    WechatIdentity.objects.create(user=user, appid=django_settings.WECHAT_APPID, openid=openid)
    return user


def due_later():
    OutboxMessage.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_message_is_rendered_from_the_template_and_sent_once(make_user, fake_wechat, templates):
    wang = person(make_user, "wang")
    notify(recipients=[wang], kind="dispatch", title="新工单：3号楼空调不制冷，请尽快处理现场情况",
           body="请于15分钟内响应", data={"id": 7, "number": "WO-20261126-0007"}, dedupe_key="wo:7:dispatch")
    assert send_due() == {"sent": 1, "not_subscribed": 0, "retry": 0, "failed": 0}
    (message,) = fake_wechat.state.messages
    assert message["touser"] == "wang" and message["template_id"] == "TPL-DISPATCH"
    assert message["page"] == "pages/workorder/detail?id=7"
    assert message["data"]["character_string2"] == {"value": "WO-20261126-0007"}
    assert len(message["data"]["thing1"]["value"]) == 20  # WeChat's limit for thing fields
    assert send_due() == {"sent": 0, "not_subscribed": 0, "retry": 0, "failed": 0}
    assert len(fake_wechat.state.messages) == 1
    assert OutboxMessage.objects.get().state == "sent"


def test_same_event_is_announced_once(make_user, fake_wechat, templates):
    wang = person(make_user, "wang")
    for _ in range(3):
        notify(recipients=[wang, wang], kind="dispatch", title="新工单", dedupe_key="wo:1:dispatch")
    assert Notification.objects.count() == 1 and OutboxMessage.objects.count() == 1


def test_wechat_down_then_up_sends_each_message_once(make_user, fake_wechat, templates):
    people = [person(make_user, f"p{i}") for i in range(3)]
    notify(recipients=people, kind="dispatch", title="新工单", dedupe_key="wo:2:dispatch")
    fake_wechat.state.down = True
    assert send_due()["retry"] == 3
    assert OutboxMessage.objects.filter(state="pending", attempts=1).count() == 3
    assert send_due()["retry"] == 0  # backoff: not due yet
    due_later()
    assert send_due()["retry"] == 3
    fake_wechat.state.down = False
    assert send_due()["sent"] == 0  # still backing off
    due_later()
    assert send_due()["sent"] == 3
    due_later()
    assert send_due()["sent"] == 0
    assert sorted(m["touser"] for m in fake_wechat.state.messages) == ["p0", "p1", "p2"]


def test_not_subscribed_is_recorded_and_not_retried(make_user, fake_wechat, templates):
    user = person(make_user, "refuser")
    fake_wechat.state.unsubscribed = {"refuser"}
    notify(recipients=[user], kind="dispatch", title="新工单", dedupe_key="wo:3:dispatch")
    assert send_due()["not_subscribed"] == 1
    due_later()
    assert send_due()["not_subscribed"] == 0
    row = OutboxMessage.objects.get()
    assert (row.state, row.errcode, row.attempts) == ("not_subscribed", 43101, 1)
    assert Notification.objects.filter(recipient=user).exists()  # the in-app message still arrives


def test_no_template_or_no_openid_is_skipped_not_sent(make_user, fake_wechat, templates):
    no_wechat = make_user()
    notify(recipients=[no_wechat], kind="dispatch", title="新工单", dedupe_key="a")
    with_wechat = person(make_user, "x")
    notify(recipients=[with_wechat], kind="unconfigured_kind", title="消息", dedupe_key="b")
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {"skipped"}
    assert send_due()["sent"] == 0 and not fake_wechat.state.messages


def test_rolled_back_change_announces_nothing(make_user, fake_wechat, templates):
    user = person(make_user, "rb")
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(recipients=[user], kind="dispatch", title="新工单", dedupe_key="rb")
        raise RuntimeError("the change failed")
    assert not OutboxMessage.objects.exists() and not Notification.objects.exists()


def test_two_senders_never_send_a_message_twice(postgres, make_user, fake_wechat, templates):
    from django.db import connection

    people = [person(make_user, f"c{i}") for i in range(20)]
    for i, user in enumerate(people):
        notify(recipients=[user], kind="dispatch", title="新工单", dedupe_key=f"c{i}")

    def sender(_):
        try:
            total = 0
            while sent := send_due(limit=3)["sent"]:
                total += sent
            return total
        finally:
            connection.close()

    with ThreadPoolExecutor(3) as pool:
        assert sum(pool.map(sender, range(3))) == 20
    assert sorted(m["touser"] for m in fake_wechat.state.messages) == sorted(f"c{i}" for i in range(20))
