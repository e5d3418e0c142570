"""Builders for work-order tests: a service desk (studios, people, categories, a point) and orders
brought to any state of the lifecycle through the real services."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from accounts.models import Role, WechatIdentity
from tests.practice import make_point, make_procedure, qr_of
from workorders import services as order_services
from workorders.lifecycle import State
from workorders.models import WorkOrder, WorkOrderCategory

# The shortest way from a fresh report to each state: (action, who, params).
PATHS: dict[str, list[tuple[str, str, dict]]] = {
    State.SUBMITTED: [],
    State.DISPATCHED: [("dispatch", "dispatcher", {"assignee": "wang"})],
    State.ACCEPTED: [("dispatch", "dispatcher", {"assignee": "wang"}), ("accept", "wang", {})],
    State.ARRIVED: [("dispatch", "dispatcher", {"assignee": "wang"}), ("accept", "wang", {}),
                    ("arrive", "wang", {})],
    State.IN_PROGRESS: [("dispatch", "dispatcher", {"assignee": "wang"}), ("accept", "wang", {}),
                        ("arrive", "wang", {}), ("start", "wang", {})],
    State.ON_HOLD: [("dispatch", "dispatcher", {"assignee": "wang"}), ("accept", "wang", {}), ("arrive", "wang", {}),
                    ("start", "wang", {}), ("hold", "wang", {"reason": "等待配件"})],
    State.COMPLETED: [("dispatch", "dispatcher", {"assignee": "wang"}), ("accept", "wang", {}),
                      ("arrive", "wang", {}), ("start", "wang", {}), ("complete", "wang", {})],
    State.CONFIRMED: [("dispatch", "dispatcher", {"assignee": "wang"}), ("accept", "wang", {}),
                      ("arrive", "wang", {}), ("start", "wang", {}), ("complete", "wang", {}),
                      ("confirm", "requester", {"rating": 5})],
    State.CANCELLED: [("cancel", "requester", {"reason": "已自行恢复"})],
}


def new_id() -> str:
    return str(uuid.uuid4())


class Desk:
    """The HVAC studio's service desk: a requester, a dispatcher over the base, workers of the studio,
    a worker of another studio, the studio's leader, an admin, and the categories people report in."""

    def __init__(self, org, make_user, api):
        self.org, self.api = org, api
        self.procedure = make_procedure(studio=org.hvac, code="SOP-T-002", title="空调末端故障排查")
        self.point = make_point(studio=org.hvac, procedures=[self.procedure], code="HVAC-09", name="3号楼空调机组")
        self.other_point = make_point(studio=org.hvac, procedures=[self.procedure], code="HVAC-10", name="风机盘管实训台")
        self.code = qr_of(self.point)
        self.requester = make_user("刘晓燕", unit=org.bureau, phone="13800138008")
        self.dispatcher = make_user("吴敏", roles=[(Role.DISPATCHER, org.base)], unit=org.base)
        self.wang = make_user("王德明", roles=[(Role.MASTER, org.hvac), (Role.WORKER, org.hvac)], unit=org.hvac)
        self.li = make_user("李文博", roles=[(Role.APPRENTICE, org.hvac)], unit=org.hvac)
        self.chen = make_user("陈宇", roles=[(Role.WORKER, org.bas)], unit=org.bas)
        self.leader = make_user("孙立强", roles=[(Role.WORKSHOP_LEADER, org.hvac)], unit=org.hvac)
        self.bas_dispatcher = make_user("冯晓梅", roles=[(Role.DISPATCHER, org.bas)], unit=org.bas)
        self.admin = make_user("周建国", roles=[(Role.ADMIN, org.bureau)], unit=org.bureau)
        self.stranger = make_user("路人甲", unit=org.bureau)
        self.category = WorkOrderCategory.objects.create(name="空调漏水", studio=org.hvac)
        self.strict = WorkOrderCategory.objects.create(name="空调不制冷", studio=org.hvac,
                                                       required_procedure=self.procedure)
        self.bas_category = WorkOrderCategory.objects.create(name="门禁故障", studio=org.bas)
        self.people = {name: getattr(self, name) for name in (
            "requester", "dispatcher", "wang", "li", "chen", "leader", "bas_dispatcher", "admin", "stranger")}

    def client(self, user):
        return self.api.as_user(user)

    def with_wechat(self, *users) -> None:
        for user in users:
            WechatIdentity.objects.get_or_create(user=user, appid=django_settings.WECHAT_APPID,
                                                 defaults={"openid": f"openid-{user.pk}"})

    def report(self, *, category=None, urgency="normal", point=True, now: datetime | None = None,
               requester=None, **extra) -> WorkOrder:
        order, created = order_services.report(
            requester=requester or self.requester, client_id=new_id(), category_id=(category or self.category).pk,
            description="会议室空调漏水，滴到地毯上", urgency=urgency, point_code=self.code if point else None,
            location_text="" if point else "2号楼305会议室", now=now, **extra)
        assert created
        return order

    def act(self, order: WorkOrder, action: str, who: str, now: datetime | None = None, **params) -> WorkOrder:
        params = dict(params)
        if "assignee" in params:
            params["assignee_id"] = self.people[params.pop("assignee")].pk
        if action == "arrive":
            return order_services.arrive(user=self.people[who], order_id=order.pk,
                                         scan_code=params.get("scan_code", self.code), now=now).order
        return order_services.transition(user=self.people[who], order_id=order.pk, action=action, now=now,
                                         **params).order

    def order_in(self, state: str, **report) -> WorkOrder:
        order = self.report(**report)
        for action, who, params in PATHS[state]:
            order = self.act(order, action, who, **params)
        assert order.state == state
        return order


@pytest.fixture
def desk(org, make_user, api):
    return Desk(org, make_user, api)


@pytest.fixture
def clock(monkeypatch):
    """A frozen clock for the code under test: `clock.now` is what timezone.now() answers; move it
    with `clock.advance(minutes=…)`."""
    from datetime import timedelta

    class Clock:
        now = timezone.now().replace(microsecond=0)

        def advance(self, **delta):
            self.now = self.now + timedelta(**delta)
            return self.now

    frozen = Clock()
    monkeypatch.setattr(timezone, "now", lambda: frozen.now)
    return frozen
