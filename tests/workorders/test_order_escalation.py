"""Deadlines and escalation with a frozen clock: the job marks each missed deadline once, tells the
dispatchers (and the assignee) once, and leaves met deadlines alone."""

from datetime import timedelta

from django.conf import settings as django_settings
from django.core.management import call_command

from notifications.models import Notification
from workorders.jobs import escalate_overdue
from workorders.models import WorkOrder, WorkOrderEvent


def overdue_notices(user):
    return list(Notification.objects.filter(recipient=user, kind="workorder_overdue")
                .order_by("id").values_list("data__id", "title"))


def test_each_missed_deadline_is_escalated_once(desk, clock):
    start = clock.now
    urgent = desk.report(urgency="urgent")
    answered = desk.report(urgency="urgent")
    desk.act(answered, "dispatch", "dispatcher", assignee="wang")
    normal = desk.report(urgency="normal")
    other_studio = desk.report(urgency="urgent", category=desk.bas_category, point=False)

    clock.advance(minutes=14)
    desk.act(answered, "accept", "wang")  # responded in time
    assert escalate_overdue() == {}

    clock.advance(minutes=2)  # 16 min: the urgent response deadline (15 min) has passed
    assert escalate_overdue() == {"overdue_respond": 2}
    assert escalate_overdue() == {}  # idempotent
    marked = WorkOrder.objects.get(pk=urgent.pk)
    assert marked.respond_overdue_at == start + timedelta(minutes=16) and marked.finish_overdue_at is None
    event = WorkOrderEvent.objects.get(order=urgent, action="overdue_respond")
    assert event.actor is None and event.from_state == event.to_state == "submitted"
    # The base's dispatcher covers both studios; the building-automation dispatcher only his own.
    assert overdue_notices(desk.dispatcher) == [(urgent.pk, f"工单响应超时：{urgent.number}"),
                                                (other_studio.pk, f"工单响应超时：{other_studio.number}")]
    assert overdue_notices(desk.bas_dispatcher) == [(other_studio.pk, f"工单响应超时：{other_studio.number}")]

    # The list shows which orders are overdue now.
    listed = desk.client(desk.dispatcher).get("workorders", {"scope": "all", "overdue": True}).json()
    assert [(o["id"], o["overdue_kinds"]) for o in listed["items"]] == [(other_studio.pk, ["respond"]),
                                                                         (urgent.pk, ["respond"])]

    clock.advance(hours=4)  # past the urgent completion deadline (4 h), and the normal response one (2 h)
    assert escalate_overdue() == {"overdue_respond": 1, "overdue_finish": 3}
    assert escalate_overdue() == {}
    assert overdue_notices(desk.wang) == [(answered.pk, f"工单完成超时：{answered.number}")]  # its assignee
    kinds = WorkOrderEvent.objects.filter(order=urgent).values_list("action", flat=True).order_by("id")
    assert list(kinds) == ["create", "overdue_respond", "overdue_finish"]

    clock.advance(hours=19, minutes=43)  # 23 h 59 min: the normal order's 24 h are not up yet
    assert escalate_overdue() == {}
    clock.advance(minutes=2)
    assert escalate_overdue() == {"overdue_finish": 1}
    normal_events = WorkOrderEvent.objects.filter(order=normal).values_list("action", flat=True).order_by("id")
    assert list(normal_events) == ["create", "overdue_respond", "overdue_finish"]
    # Recipients per mark: the base dispatcher always, the bas dispatcher for his studio's order, wang for
    # the order he holds: 3 at 16 min, 1 + (1 + 2 + 2) at 4 h 16 min, 1 at 24 h.
    assert Notification.objects.filter(kind="workorder_overdue").count() == 3 + 6 + 1


def test_closed_or_completed_orders_are_not_escalated(desk, clock):
    done = desk.order_in("completed", urgency="urgent")
    cancelled = desk.order_in("cancelled", urgency="urgent")
    clock.advance(days=10)
    assert escalate_overdue() == {}
    assert not WorkOrderEvent.objects.filter(order__in=[done, cancelled], action__startswith="overdue").exists()
    # Reopened after its deadline: the completion deadline is missed again, and escalated.
    desk.act(done, "reopen", "requester", reason="仍然漏水")
    assert escalate_overdue() == {"overdue_finish": 1}


def test_the_scheduler_runs_the_escalation(desk, clock):
    assert "escalate_overdue_work_orders" in django_settings.SCHEDULED_JOBS
    order = desk.report(urgency="urgent")
    clock.advance(minutes=30)
    call_command("run_scheduler", "--once")
    assert WorkOrder.objects.get(pk=order.pk).respond_overdue_at == clock.now
