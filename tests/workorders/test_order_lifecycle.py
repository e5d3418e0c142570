"""The state machine, table-driven: every action from every state, through the real API. Allowed
moves succeed and land where the table says; refused ones are 409 `invalid_transition` naming what
the caller may do now; a move by someone without the right is 403; outside one's scope, 404."""

import pytest

from tests.conftest import assert_error
from workorders import lifecycle
from workorders.lifecycle import ASSIGNEE, DISPATCHER, QUALIFIED_WORKER, REQUESTER, State
from workorders.models import WorkOrder, WorkOrderEvent

# The body each action needs (by person name: the desk resolves it).
BODIES = {
    "dispatch": lambda d: {"assignee_id": d.wang.pk},
    "transfer": lambda d: {"assignee_id": d.li.pk, "reason": "王师傅临时外出"},
    "arrive": lambda d: {"scan_code": d.code},
    "hold": lambda d: {"reason": "等待配件"},
    "confirm": lambda d: {"rating": 4, "comment": "处理及时"},
    "reopen": lambda d: {"reason": "仍然漏水"},
    "return": lambda d: {"reason": "不属于本专业"},
    "cancel": lambda d: {"reason": "已自行恢复"},
    "complete": lambda d: {"note": "更换排水管"},
}


def actor_for(desk, order, action):
    """Someone holding the action's right on this order (the assignee, requester, dispatcher or a
    qualified worker of the studio, in that order of preference)."""
    actors = lifecycle.ACTIONS[action].actors
    if ASSIGNEE in actors and order.assignee_id:
        return order.assignee
    if REQUESTER in actors:
        return desk.requester
    if DISPATCHER in actors:
        return desk.dispatcher
    if QUALIFIED_WORKER in actors:
        return desk.li
    return desk.dispatcher  # the action needs an assignee the order does not have: refused by state anyway


@pytest.mark.parametrize("state", list(lifecycle.STATE_LABELS))
def test_every_action_from_every_state(desk, state):
    for action, spec in lifecycle.ACTIONS.items():
        order = desk.order_in(state)
        user = actor_for(desk, order, action)
        events = WorkOrderEvent.objects.filter(order=order).count()
        latest = WorkOrderEvent.objects.filter(order=order).order_by("id").last()
        body = BODIES.get(action, lambda d: {})(desk)
        response = desk.client(user).post(f"workorders/{order.pk}/{action}", body)
        order.refresh_from_db()
        if state not in spec.sources and (latest.action, latest.actor_id) == (action, user.pk) \
                and response.status_code == 200:
            # The very request that brought the order here, sent again (a phone retrying): answered
            # with the order as it stands, nothing appended.
            assert order.state == state and WorkOrderEvent.objects.filter(order=order).count() == events
        elif state in spec.sources:
            assert response.status_code == 200, (state, action, response.content)
            body = response.json()
            assert order.state == spec.target == body["state"], (state, action)
            last = body["history"][-1]
            assert (last["action"], last["from_state"], last["to_state"]) == (action, state, spec.target)
            assert last["actor"]["id"] == user.pk
            assert WorkOrderEvent.objects.filter(order=order).count() == events + 1
        else:
            body = assert_error(response, 409, "already_taken" if action == "grab" and order.assignee_id
                                and state != State.CONFIRMED else "invalid_transition")
            assert order.state == state, (state, action)
            assert body["detail"]["state"] == state and body["detail"]["action"] == action
            relations = frozenset(r for r, ok in [
                (REQUESTER, user.pk == order.requester_id), (ASSIGNEE, user.pk == order.assignee_id),
                (DISPATCHER, user == desk.dispatcher), (QUALIFIED_WORKER, user in (desk.wang, desk.li))] if ok)
            assert body["detail"]["allowed_actions"] == lifecycle.allowed_for(state, relations), (state, action)
            assert WorkOrderEvent.objects.filter(order=order).count() == events


def test_the_table_matches_the_issue():
    A = lifecycle.ACTIONS
    assert set(A) == {"dispatch", "grab", "accept", "arrive", "start", "hold", "resume", "complete", "confirm",
                      "reopen", "transfer", "return", "cancel"}
    assert (A["reopen"].sources, A["reopen"].target) == ({State.COMPLETED}, State.DISPATCHED)
    assert A["return"].target == State.SUBMITTED and A["transfer"].target == State.DISPATCHED
    assert {a for a, spec in A.items() if spec.needs_reason} == {"hold", "reopen", "transfer", "return", "cancel"}
    assert A["cancel"].actors == {REQUESTER, DISPATCHER}
    assert State.COMPLETED not in A["cancel"].sources and State.IN_PROGRESS in A["cancel"].sources
    # Closed states are final.
    assert lifecycle.allowed_from(State.CONFIRMED) == [] and lifecycle.allowed_from(State.CANCELLED) == []


# Who may not act: for each allowed (state, action), every person outside the action's actors is
# refused — 403 when they can see the order, 404 when it is outside their scope — and nothing changes.
SEES_ALWAYS = {"requester", "dispatcher", "leader", "admin"}


@pytest.mark.parametrize("state", [s for s in lifecycle.STATE_LABELS if lifecycle.allowed_from(s)])
def test_everyone_without_the_right_is_refused(desk, state):
    order = desk.order_in(state)
    for action in lifecycle.allowed_from(state):
        spec = lifecycle.ACTIONS[action]
        for name, user in desk.people.items():
            relations = {REQUESTER} if user == desk.requester else set()
            if order.assignee_id == user.pk:
                relations.add(ASSIGNEE)
            if name in ("dispatcher", "admin"):
                relations.add(DISPATCHER)
            if name in ("wang", "li", "admin"):
                relations.add(QUALIFIED_WORKER)
            if spec.actors & relations:
                continue
            response = desk.client(user).post(f"workorders/{order.pk}/{action}", BODIES.get(action, lambda d: {})(desk))
            sees = name in SEES_ALWAYS or relations - {QUALIFIED_WORKER} or (state == State.SUBMITTED
                                                                            and QUALIFIED_WORKER in relations)
            if sees:
                body = assert_error(response, 403, "forbidden")
                assert action not in body["detail"]["allowed_actions"]
            else:
                assert_error(response, 404, "not_found")
            assert WorkOrder.objects.get(pk=order.pk).state == state, (state, action, name)


def test_reasons_are_required_where_the_table_says(desk):
    order = desk.order_in(State.IN_PROGRESS)
    client = desk.client(desk.wang)
    assert_error(client.post(f"workorders/{order.pk}/hold", {}), 422, "validation_error")
    assert_error(client.post(f"workorders/{order.pk}/hold", {"reason": ""}), 422, "validation_error")
    from miniprogram_api.errors import ApiError
    from workorders import services as order_services

    with pytest.raises(ApiError) as refused:
        order_services.transition(user=desk.wang, order_id=order.pk, action="hold", reason="   ")
    assert refused.value.code == "reason_required" and refused.value.status == 422


def test_a_resent_action_answers_the_order_as_it_stands(desk):
    order = desk.order_in(State.DISPATCHED)
    client = desk.client(desk.wang)
    first = client.post(f"workorders/{order.pk}/accept")
    again = client.post(f"workorders/{order.pk}/accept")
    assert first.status_code == again.status_code == 200
    assert [e["action"] for e in again.json()["history"]] == ["create", "dispatch", "accept"]
    # Someone else's same action is not a resend: it is refused.
    assert_error(desk.client(desk.requester).post(f"workorders/{order.pk}/accept"), 409, "invalid_transition")


def test_dispatch_and_transfer_only_to_qualified_workers(desk):
    order = desk.order_in(State.SUBMITTED)
    client = desk.client(desk.dispatcher)
    body = assert_error(client.post(f"workorders/{order.pk}/dispatch", {"assignee_id": desk.chen.pk}), 422,
                        "assignee_not_qualified")
    assert "陈宇" in body["message"]
    assert_error(client.post(f"workorders/{order.pk}/dispatch", {"assignee_id": 10**9}), 422, "assignee_unknown")
    assert_error(client.post(f"workorders/{order.pk}/dispatch", {"assignee_id": 2**63}), 422, "validation_error")
    assert client.post(f"workorders/{order.pk}/dispatch", {"assignee_id": desk.wang.pk}).status_code == 200
    assert_error(client.post(f"workorders/{order.pk}/transfer", {"assignee_id": desk.wang.pk, "reason": "x"}), 422,
                 "same_assignee")
    moved = desk.client(desk.wang).post(f"workorders/{order.pk}/transfer", {"assignee_id": desk.li.pk,
                                                                             "reason": "临时外出"})
    assert moved.status_code == 200
    last = moved.json()["history"][-1]
    assert last["changes"]["assignee"] == {"from": desk.wang.pk, "to": desk.li.pk} and last["reason"] == "临时外出"
    assert moved.json()["assignee"]["id"] == desk.li.pk and moved.json()["state"] == "dispatched"
    # The worker who passed it on still sees it (he acted on it), but may no longer act.
    seen = desk.client(desk.wang).get(f"workorders/{order.pk}")
    assert seen.status_code == 200 and seen.json()["allowed_actions"] == []


def test_return_puts_the_order_back_in_the_pool_and_reopen_goes_back_to_the_same_worker(desk):
    order = desk.order_in(State.ACCEPTED)
    returned = desk.client(desk.wang).post(f"workorders/{order.pk}/return", {"reason": "不属于本专业"}).json()
    assert returned["state"] == "submitted" and returned["assignee"] is None
    assert returned["history"][-1]["changes"]["assignee"] == {"from": desk.wang.pk, "to": None}
    pool = desk.client(desk.li).get("workorders", {"scope": "pool"}).json()
    assert [o["id"] for o in pool["items"]] == [order.pk]

    done = desk.order_in(State.COMPLETED)
    reopened = desk.client(desk.requester).post(f"workorders/{done.pk}/reopen", {"reason": "仍然漏水"}).json()
    assert reopened["state"] == "dispatched" and reopened["assignee"]["id"] == desk.wang.pk
    assert reopened["completed_at"] is None
    assert "accept" in desk.client(desk.wang).get(f"workorders/{done.pk}").json()["allowed_actions"]


def test_the_whole_flow_from_both_sides_keeps_every_step_in_the_history(desk):
    requester, dispatcher, wang = (desk.client(u) for u in (desk.requester, desk.dispatcher, desk.wang))
    created = requester.post("workorders", {"client_id": "c-1", "category": desk.category.pk, "point_code": desk.code,
                                            "description": "空调漏水", "urgency": "urgent"})
    assert created.status_code == 201
    order_id = created.json()["id"]
    assert created.json()["allowed_actions"] == ["cancel"]
    assert dispatcher.get(f"workorders/{order_id}").json()["allowed_actions"] == ["dispatch", "cancel"]
    assert dispatcher.post(f"workorders/{order_id}/dispatch", {"assignee_id": desk.wang.pk}).status_code == 200
    for action, body in [("accept", {}), ("arrive", {"scan_code": desk.code}), ("start", {}),
                         ("hold", {"reason": "等待配件"}), ("resume", {}), ("complete", {"note": "已更换排水管"})]:
        response = wang.post(f"workorders/{order_id}/{action}", body)
        assert response.status_code == 200, (action, response.content)
    final = requester.post(f"workorders/{order_id}/confirm", {"rating": 5, "comment": "很满意"}).json()
    assert final["state"] == "confirmed" and final["rating"] == 5 and final["rating_comment"] == "很满意"
    assert final["closed_at"] is not None and final["allowed_actions"] == []
    history = final["history"]
    assert [e["action"] for e in history] == ["create", "dispatch", "accept", "arrive", "start", "hold", "resume",
                                             "complete", "confirm"]
    assert [e["to_state"] for e in history] == ["submitted", "dispatched", "accepted", "arrived", "in_progress",
                                               "on_hold", "in_progress", "completed", "confirmed"]
    assert all(e["from_state"] == prev["to_state"] for prev, e in zip(history, history[1:], strict=False))
    assert history[5]["reason"] == "等待配件" and history[5]["action_label"] == "挂起"
    assert history[-1]["changes"]["rating"] == {"from": None, "to": 5}
    assert [e["actor"]["name"] for e in history] == ["刘晓燕", "吴敏", *["王德明"] * 6, "刘晓燕"]


def test_history_rows_cannot_be_edited_or_deleted(desk):
    from miniprogram_api.append_only import AppendOnlyError

    event = WorkOrderEvent.objects.filter(order=desk.order_in(State.DISPATCHED)).last()
    event.reason = "篡改"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
