"""Who is told what, and how reliably: each event of an order writes an in-app message and a WeChat
subscribe message (outbox) for the people concerned, never for the one who acted; while WeChat is down
nothing is lost and each message is sent exactly once when it comes back; 43101 is recorded."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import Notification, OutboxMessage
from notifications.sender import send_due
from tests.conftest import assert_error
from workorders.jobs import escalate_overdue


@pytest.fixture
def templates(settings):
    settings.WECHAT_SUBSCRIBE_TEMPLATES = settings.DEMO_SUBSCRIBE_TEMPLATES


def due_now():
    OutboxMessage.objects.filter(state="pending").update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def run_the_flow(desk):
    requester, dispatcher, wang = (desk.client(u) for u in (desk.requester, desk.dispatcher, desk.wang))
    order_id = requester.post("workorders", {"client_id": "n-1", "category": desk.category.pk,
                                             "point_code": desk.code, "description": "空调漏水",
                                             "urgency": "urgent"}).json()["id"]
    steps = [(dispatcher, "dispatch", {"assignee_id": desk.wang.pk}), (wang, "accept", {}),
             (wang, "arrive", {"scan_code": desk.code}), (wang, "start", {}), (wang, "complete", {"note": "已修复"}),
             (requester, "confirm", {"rating": 5, "comment": "及时"})]
    for client, action, body in steps:
        assert client.post(f"workorders/{order_id}/{action}", body).status_code == 200, action
    return order_id


# (kind, recipient name) for the flow above, in order: the new report goes to the dispatchers.
EXPECTED = [("workorder_new", "dispatcher"), ("workorder_dispatch", "wang"), ("workorder_accept", "requester"),
            ("workorder_arrive", "requester"), ("workorder_complete", "requester"), ("workorder_confirm", "wang")]


def test_each_event_tells_the_people_concerned(desk, fake_wechat, templates):
    desk.with_wechat(*desk.people.values())
    order_id = run_the_flow(desk)
    names = {u.pk: n for n, u in desk.people.items()}
    told = [(n.kind, names[n.recipient_id]) for n in Notification.objects.order_by("id")]
    assert told == EXPECTED  # the base's dispatcher covers the studio (the admin is told only when none does)
    for note in Notification.objects.all():
        assert note.data["id"] == order_id and note.data["event_id"]
    # The templated kinds go to WeChat; "workorder_new" has no template: in the app only.
    assert send_due()["sent"] == 5
    messages = fake_wechat.state.messages
    assert [m["template_id"] for m in messages] == [f"demo-tpl-{kind.replace('_', '-')}" for kind, _ in EXPECTED[1:]]
    dispatch = messages[0]
    assert dispatch["touser"] == f"openid-{desk.wang.pk}" and dispatch["page"] == f"pages/workorder/detail?id={order_id}"
    assert dispatch["data"]["character_string1"]["value"].startswith("WO-")
    assert dispatch["data"]["thing2"]["value"] == "空调漏水" and dispatch["data"]["phrase4"]["value"] == "紧急"
    assert messages[-1]["data"]["number2"]["value"] == "5"


def test_wechat_down_then_up_sends_each_message_once_and_43101_is_recorded(desk, fake_wechat, templates):
    desk.with_wechat(*desk.people.values())
    fake_wechat.state.unsubscribed = {f"openid-{desk.requester.pk}"}
    fake_wechat.state.down = True
    order_id = run_the_flow(desk)
    from django.core.management import call_command

    from workorders.models import WorkOrder

    # An overdue mark on another order reaches the dispatchers through WeChat as well.
    late = desk.report(urgency="urgent")
    WorkOrder.objects.filter(pk=late.pk).update(respond_by=timezone.now() - timedelta(minutes=1))
    assert escalate_overdue() == {"overdue_respond": 1}

    for _ in range(3):  # WeChat stays down: every attempt is retried later, nothing is lost
        counts = send_due()
        assert counts["sent"] == 0 and counts["not_subscribed"] == 0
        due_now()
    assert not fake_wechat.state.messages
    assert OutboxMessage.objects.filter(state="pending").count() == 6

    fake_wechat.state.down = False
    due_now()
    call_command("run_outbox", "--once")
    due_now()
    assert send_due() == {"sent": 0, "not_subscribed": 0, "retry": 0, "failed": 0}
    sent = sorted((m["template_id"], m["touser"]) for m in fake_wechat.state.messages)
    assert sent == sorted([("demo-tpl-workorder-dispatch", f"openid-{desk.wang.pk}"),
                           ("demo-tpl-workorder-confirm", f"openid-{desk.wang.pk}"),
                           ("demo-tpl-workorder-overdue", f"openid-{desk.dispatcher.pk}")])
    refused = OutboxMessage.objects.filter(recipient=desk.requester).order_by("id")
    assert [(m.kind, m.state, m.errcode) for m in refused] == [
        ("workorder_accept", "not_subscribed", 43101), ("workorder_arrive", "not_subscribed", 43101),
        ("workorder_complete", "not_subscribed", 43101)]
    assert all(m.attempts == 4 for m in refused)  # three failures while down, then 43101 once: not retried
    assert Notification.objects.filter(recipient=desk.requester, data__id=order_id).count() == 3  # in the app


def test_a_refused_action_announces_nothing(desk, fake_wechat, templates):
    order = desk.order_in("in_progress", category=desk.strict)
    before = (Notification.objects.count(), OutboxMessage.objects.count())
    assert_error(desk.client(desk.wang).post(f"workorders/{order.pk}/complete", {}), 422, "required_procedure_missing")
    assert (Notification.objects.count(), OutboxMessage.objects.count()) == before


def test_production_reads_templates_from_the_environment(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    import backend.settings as settings_module

    monkeypatch.setenv("WECHAT_SUBSCRIBE_TEMPLATES", '{"workorder_dispatch": {"template_id": "T1", "fields": {}}}')
    assert settings_module.subscribe_templates() == {"workorder_dispatch": {"template_id": "T1", "fields": {}}}
    monkeypatch.setenv("WECHAT_SUBSCRIBE_TEMPLATES", "{not json")
    with pytest.raises(ImproperlyConfigured):
        settings_module.subscribe_templates()
    monkeypatch.delenv("WECHAT_SUBSCRIBE_TEMPLATES")
    assert settings_module.subscribe_templates() == (settings_module.DEMO_SUBSCRIBE_TEMPLATES
                                                     if settings_module.DEBUG else {})
