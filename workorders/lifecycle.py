"""The work-order state machine, as data: which action moves which state where, and who may take it.

Keeping it a table (rather than if-chains in each service) lets the API say exactly which actions are
allowed now, lets a refused transition explain itself, and lets one table-driven test walk every pair.
"""

from __future__ import annotations

from dataclasses import dataclass


class State:
    SUBMITTED = "submitted"
    DISPATCHED = "dispatched"
    ACCEPTED = "accepted"
    ARRIVED = "arrived"
    IN_PROGRESS = "in_progress"
    ON_HOLD = "on_hold"
    COMPLETED = "completed"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


STATE_LABELS = {
    State.SUBMITTED: "待派单",
    State.DISPATCHED: "已派单",
    State.ACCEPTED: "已接单",
    State.ARRIVED: "已到场",
    State.IN_PROGRESS: "维修中",
    State.ON_HOLD: "已挂起",
    State.COMPLETED: "待确认",
    State.CONFIRMED: "已完成",
    State.CANCELLED: "已取消",
}
STATE_CHOICES = list(STATE_LABELS.items())
OPEN_STATES = frozenset(STATE_LABELS) - {State.CONFIRMED, State.CANCELLED}

# Who may act: the order's requester, its current assignee, a dispatcher (or admin) over its studio, or a
# worker qualified for its studio (grabbing from the pool).
REQUESTER, ASSIGNEE, DISPATCHER, QUALIFIED_WORKER = "requester", "assignee", "dispatcher", "qualified_worker"


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: frozenset[str]
    target: str | None  # None: the target depends on the order (see the service)
    actors: frozenset[str]
    needs_reason: bool = False


def _action(name, label, sources, target, actors, needs_reason=False) -> Action:
    return Action(name, label, frozenset(sources), target, frozenset(actors), needs_reason)


S = State
WORKING = {S.DISPATCHED, S.ACCEPTED, S.ARRIVED, S.IN_PROGRESS, S.ON_HOLD}

ACTIONS: dict[str, Action] = {a.name: a for a in [
    _action("dispatch", "派单", {S.SUBMITTED}, S.DISPATCHED, {DISPATCHER}),
    _action("grab", "抢单", {S.SUBMITTED}, S.ACCEPTED, {QUALIFIED_WORKER}),
    _action("accept", "接单", {S.DISPATCHED}, S.ACCEPTED, {ASSIGNEE}),
    _action("arrive", "到场签到", {S.ACCEPTED}, S.ARRIVED, {ASSIGNEE}),
    _action("start", "开始维修", {S.ARRIVED}, S.IN_PROGRESS, {ASSIGNEE}),
    _action("hold", "挂起", {S.IN_PROGRESS}, S.ON_HOLD, {ASSIGNEE, DISPATCHER}, needs_reason=True),
    _action("resume", "恢复维修", {S.ON_HOLD}, S.IN_PROGRESS, {ASSIGNEE, DISPATCHER}),
    _action("complete", "完工", {S.IN_PROGRESS}, S.COMPLETED, {ASSIGNEE}),
    _action("confirm", "确认评价", {S.COMPLETED}, S.CONFIRMED, {REQUESTER}),
    _action("reopen", "重新打开", {S.COMPLETED}, S.DISPATCHED, {REQUESTER, DISPATCHER}, needs_reason=True),
    _action("transfer", "转单", WORKING, S.DISPATCHED, {ASSIGNEE, DISPATCHER}, needs_reason=True),
    _action("return", "退单", {S.DISPATCHED, S.ACCEPTED, S.ARRIVED}, S.SUBMITTED, {ASSIGNEE}, needs_reason=True),
    # Cancel from any state before completion. (The first table left out in_progress while allowing
    # on_hold, so stopping a job underway took a pointless hold first; a completed order is confirmed
    # or reopened instead.)
    _action("cancel", "取消", {S.SUBMITTED, *WORKING}, S.CANCELLED, {REQUESTER, DISPATCHER}, needs_reason=True),
]}

# History rows that are not transitions: the report itself, the escalation job's marks, admin edits.
EVENT_LABELS = {
    "create": "报修",
    **{name: action.label for name, action in ACTIONS.items()},
    "overdue_respond": "响应超时",
    "overdue_finish": "完成超时",
    "edit": "修改",
}
ACTOR_LABELS = {REQUESTER: "报修人", ASSIGNEE: "维修人员", DISPATCHER: "调度员", QUALIFIED_WORKER: "本工作室维修人员"}


def allowed_from(state: str) -> list[str]:
    """Actions the state machine permits from `state` (before asking who is acting)."""
    return [name for name, action in ACTIONS.items() if state in action.sources]


def allowed_for(state: str, relations: frozenset[str] | set[str]) -> list[str]:
    """Actions someone standing in `relations` to an order (requester, assignee, …) may take now."""
    return [name for name, action in ACTIONS.items() if state in action.sources and action.actors & relations]
