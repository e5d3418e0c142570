"""Lists for each side (mine, assigned, pool, all), their filters and pages, in a constant number of
queries; the detail's queries do not grow with its history."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role
from tests.conftest import assert_error


def ids(response):
    assert response.status_code == 200, response.content
    return [o["id"] for o in response.json()["items"]]


def test_each_side_sees_its_list(desk, make_user):
    submitted = desk.order_in("submitted")
    wangs = desk.order_in("in_progress")
    done = desk.order_in("confirmed")
    mine_elsewhere = desk.report(category=desk.bas_category, point=False)
    someone_elses = desk.report(requester=desk.stranger)

    def get(user, **params):
        return desk.client(user).get("workorders", params)

    assert ids(get(desk.requester, scope="mine")) == [mine_elsewhere.pk, done.pk, wangs.pk, submitted.pk]
    assert ids(get(desk.wang, scope="assigned")) == [done.pk, wangs.pk]
    assert ids(get(desk.li, scope="pool")) == [submitted.pk, someone_elses.pk]  # most pressing first
    assert ids(get(desk.chen, scope="pool")) == [mine_elsewhere.pk]
    assert ids(get(desk.leader, scope="all")) == [someone_elses.pk, done.pk, wangs.pk, submitted.pk]
    assert ids(get(desk.dispatcher, scope="all")) == [someone_elses.pk, mine_elsewhere.pk, done.pk, wangs.pk,
                                                      submitted.pk]
    assert ids(get(desk.bas_dispatcher, scope="all")) == [mine_elsewhere.pk]
    assert_error(get(desk.requester, scope="pool"), 403, "not_a_worker")
    assert_error(get(desk.wang, scope="all"), 403, "not_a_dispatcher")
    # Without a scope: everything the caller may see.
    assert ids(get(desk.stranger)) == [someone_elses.pk]
    assert ids(get(desk.wang)) == [someone_elses.pk, done.pk, wangs.pk, submitted.pk]
    item = get(desk.wang, scope="assigned").json()["items"][1]
    assert item["state"] == "in_progress" and item["state_label"] == "维修中"
    assert item["allowed_actions"] == ["hold", "complete", "transfer"]
    assert item["requester"]["phone"] == "138****8008"  # masked for everyone but the person and admins


def test_filters_and_pages(desk, clock):
    day0 = clock.now
    old = desk.report(urgency="low", now=day0 - timedelta(days=3))
    urgent = desk.report(urgency="urgent")
    other_point = desk.report(point=False)
    accepted = desk.order_in("accepted")
    clock.advance(minutes=30)  # the urgent one is now past its response deadline
    client = desk.client(desk.dispatcher)

    def get(**params):
        return ids(client.get("workorders", {"scope": "all", **params}))

    assert get(state="submitted") == [other_point.pk, urgent.pk, old.pk]
    assert client.get("workorders?scope=all&state=submitted&state=accepted").json()["count"] == 4
    assert get(urgency="urgent") == [urgent.pk]
    assert get(overdue=True) == [urgent.pk, old.pk]
    assert get(overdue=False) == [accepted.pk, other_point.pk]
    assert get(point=desk.point.pk) == [accepted.pk, urgent.pk, old.pk]
    today = timezone.localdate(day0)
    assert get(date_from=today.isoformat()) == [accepted.pk, other_point.pk, urgent.pk]
    assert get(date_to=(today - timedelta(days=1)).isoformat()) == [old.pk]
    assert get(category=desk.bas_category.pk) == []
    page = client.get("workorders", {"scope": "all", "limit": 2, "offset": 1}).json()
    assert page["count"] == 4 and [o["id"] for o in page["items"]] == [other_point.pk, urgent.pk]
    for bad in ({"state": "done"}, {"urgency": "asap"}, {"limit": 0}, {"limit": 101}, {"offset": -1},
                {"point": 0}, {"date_from": "yesterday"}, {"scope": "everything"}):
        assert_error(client.get("workorders", bad), 422, "validation_error")


def test_lists_take_a_constant_number_of_queries(desk, make_user):
    client = desk.client(desk.dispatcher)
    client.get("workorders")  # the token row etc. warmed up

    def queries(**params):
        with CaptureQueriesContext(connection) as captured:
            assert client.get("workorders", {"scope": "all", **params}).status_code == 200
        return len(captured)

    desk.order_in("in_progress")
    desk.report(category=desk.bas_category, point=False)
    few = queries()
    for state in ("submitted", "confirmed", "on_hold", "dispatched", "completed", "cancelled"):
        desk.order_in(state)
    for index in range(3):
        desk.report(requester=make_user(f"报修人{index}"))
    assert queries() == few == 4  # token, grants, count, page
    assert queries(overdue=True, state="submitted") == few


def test_the_detail_does_not_grow_with_its_history(desk):
    client = desk.client(desk.dispatcher)
    short = desk.order_in("dispatched")
    long = desk.order_in("on_hold")
    for _ in range(4):
        desk.act(long, "resume", "wang")
        desk.act(long, "hold", "wang", reason="等待配件")

    def queries(order):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"workorders/{order.pk}")
        assert response.status_code == 200
        return len(captured), len(response.json()["history"])

    queries(short)  # warm up (content types are cached per process)
    (short_queries, short_len), (long_queries, long_len) = queries(short), queries(long)
    assert (short_len, long_len) == (2, 14)
    assert short_queries == long_queries == 7  # token, grants, order, events, their photos, photos, runs


def test_a_leader_sees_his_studio_only(desk, make_user):
    hvac = desk.report()
    bas = desk.report(category=desk.bas_category, point=False)
    bas_leader = make_user("冯", roles=[(Role.WORKSHOP_LEADER, desk.org.bas)])
    assert ids(desk.client(bas_leader).get("workorders", {"scope": "all"})) == [bas.pk]
    assert ids(desk.client(desk.leader).get("workorders", {"scope": "all"})) == [hvac.pk]
    assert ids(desk.client(desk.admin).get("workorders", {"scope": "all"})) == [bas.pk, hvac.pk]
