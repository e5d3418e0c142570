"""Reads about service work orders: who stands in which relation to an order (and so may act on it),
who may see it, the lists of each side, an order with its history.

Scope follows the org tree: an order belongs to its studio (the category's, else the point's), and a
role on a unit covers its subtree. An order with no studio at all is covered by the role anywhere.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import Role, User
from accounts.selectors import has_role, holders_over, is_admin, scope_q
from media.models import Photo
from miniprogram_api.clock import days_q
from miniprogram_api.errors import forbidden, not_found

from . import lifecycle
from .lifecycle import ASSIGNEE, DISPATCHER, QUALIFIED_WORKER, REQUESTER, State
from .models import WorkOrder, WorkOrderCategory, WorkOrderEvent

# Who takes orders from the pool (and may be dispatched one), who dispatches, who sees a studio's orders.
WORKER_ROLES = (Role.WORKER, Role.MASTER, Role.APPRENTICE)
DISPATCHER_ROLES = (Role.DISPATCHER,)
VIEWER_ROLES = (Role.DISPATCHER, Role.WORKSHOP_LEADER)
STATS_ROLES = (Role.DISPATCHER, Role.WORKSHOP_LEADER)

# An order is overdue while a deadline it has not met has passed; completion meets both deadlines
# (a completed order waits for the requester, not for the worker), closing ends the clock.
UNFINISHED = frozenset({State.SUBMITTED, *lifecycle.WORKING})


def studio_path(order: WorkOrder) -> str | None:
    studio = order.studio  # None without a query when studio_id is None
    return studio.path if studio is not None else None


def relations_of(user: User, order: WorkOrder) -> frozenset[str]:
    """How the user stands to the order: requester, assignee, dispatcher, qualified worker (any number).
    Needs `order.studio` loaded (select_related) to avoid a query."""
    relations = set()
    if order.requester_id == user.pk:
        relations.add(REQUESTER)
    if order.assignee_id is not None and order.assignee_id == user.pk:
        relations.add(ASSIGNEE)
    path = studio_path(order)
    if has_role(user, DISPATCHER_ROLES, path):
        relations.add(DISPATCHER)
    if has_role(user, WORKER_ROLES, path):
        relations.add(QUALIFIED_WORKER)
    return frozenset(relations)


def allowed_actions(user: User, order: WorkOrder) -> list[str]:
    return lifecycle.allowed_for(order.state, relations_of(user, order))


def is_qualified(user: User, order: WorkOrder) -> bool:
    return user.is_active and has_role(user, WORKER_ROLES, studio_path(order))


def studio_scope(user: User, roles) -> Q:
    """Orders whose studio lies where the user holds one of `roles` (studio-less orders: anywhere)."""
    if is_admin(user):
        return Q()  # (an empty Q would vanish from the `|` below, leaving only studio-less orders)
    query = scope_q(user, roles, "studio__path")
    if has_role(user, roles):
        query |= Q(studio__isnull=True)
    return query


def _orders() -> QuerySet:
    return WorkOrder.objects.select_related("category", "point", "studio", "requester", "assignee")


def visible_orders(user: User) -> QuerySet:
    """Orders the user may read: their own reports, orders assigned to them or that they once acted on,
    their studio's orders for dispatchers and workshop leaders, and the open pool for its workers."""
    if is_admin(user):
        return _orders()
    acted = WorkOrderEvent.objects.filter(order=OuterRef("pk"), actor=user)
    return _orders().filter(
        Q(requester=user) | Q(assignee=user) | studio_scope(user, VIEWER_ROLES)
        | (Q(state=State.SUBMITTED) & studio_scope(user, WORKER_ROLES)) | Exists(acted)
    )


def can_see(user: User, order: WorkOrder, relations: frozenset[str]) -> bool:
    """The same rule as `visible_orders`, for one order already loaded (the transition's locked row)."""
    if REQUESTER in relations or ASSIGNEE in relations or DISPATCHER in relations or is_admin(user):
        return True
    if has_role(user, Role.WORKSHOP_LEADER, studio_path(order)):
        return True
    if order.state == State.SUBMITTED and QUALIFIED_WORKER in relations:
        return True
    return WorkOrderEvent.objects.filter(order=order, actor=user).exists()


def visible_order(user: User, order_id: int) -> WorkOrder:
    order = visible_orders(user).filter(pk=order_id).first()
    if order is None:
        raise not_found("工单")
    return order


def overdue_q(now: datetime) -> Q:
    """Open orders past a deadline they have not met."""
    return Q(state__in=UNFINISHED) & (
        Q(responded_at__isnull=True, respond_by__lt=now) | Q(completed_at__isnull=True, finish_by__lt=now)
    )


def overdue_kinds(order: WorkOrder, now: datetime) -> list[str]:
    if order.state not in UNFINISHED:
        return []
    kinds = []
    if order.responded_at is None and order.respond_by is not None and order.respond_by < now:
        kinds.append("respond")
    if order.completed_at is None and order.finish_by is not None and order.finish_by < now:
        kinds.append("finish")
    return kinds


LIST_SCOPES = ("mine", "assigned", "pool", "all")


def list_orders(user: User, *, scope: str | None = None, states: list[str] | None = None,
                urgency: str | None = None, overdue: bool | None = None, point: int | None = None,
                category: int | None = None, date_from: date | None = None, date_to: date | None = None,
                now: datetime | None = None) -> QuerySet:
    """mine: reported by me; assigned: assigned to me; pool: open orders my studios may grab; all: my
    studios' orders (dispatchers and workshop leaders); none: everything I may see."""
    now = now or timezone.now()
    if scope == "mine":
        orders = _orders().filter(requester=user)
    elif scope == "assigned":
        orders = _orders().filter(assignee=user)
    elif scope == "pool":
        if not has_role(user, WORKER_ROLES):
            raise forbidden("只有维修人员可以查看抢单池", code="not_a_worker")
        orders = _orders().filter(Q(state=State.SUBMITTED) & studio_scope(user, WORKER_ROLES))
    elif scope == "all":
        if not has_role(user, VIEWER_ROLES):
            raise forbidden("只有调度员和工作室负责人可以查看全部工单", code="not_a_dispatcher")
        orders = _orders().filter(studio_scope(user, VIEWER_ROLES))
    else:
        orders = visible_orders(user)
    if states:
        orders = orders.filter(state__in=states)
    if urgency:
        orders = orders.filter(urgency=urgency)
    if overdue is True:
        orders = orders.filter(overdue_q(now))
    elif overdue is False:
        orders = orders.exclude(overdue_q(now))
    if point is not None:
        orders = orders.filter(point_id=point)
    if category is not None:
        orders = orders.filter(category_id=category)
    orders = orders.filter(days_q("created_at", date_from, date_to))
    if scope == "pool":  # the most pressing first
        return orders.order_by("respond_by", "id")
    return orders.order_by("-created_at", "-id")


def history(order: WorkOrder) -> list[WorkOrderEvent]:
    """Every line of the order's history, oldest first, with actors and photos (two queries)."""
    return list(
        WorkOrderEvent.objects.filter(order=order).select_related("actor")
        .prefetch_related(Prefetch("photos", queryset=Photo.objects.order_by("id"))).order_by("created_at", "id")
    )


def order_photos(order: WorkOrder) -> list[Photo]:
    return list(order.photos.order_by("id"))


def runs_done(order: WorkOrder) -> list:
    return list(order.runs_done.select_related("procedure", "point").order_by("completed_at", "id"))


def categories() -> QuerySet:
    return WorkOrderCategory.objects.filter(is_active=True).select_related("studio", "required_procedure") \
        .order_by("studio__path", "name")


def dispatchers_for(order: WorkOrder) -> list[User]:
    """The dispatchers whose scope covers the order's studio; the admins when there are none."""
    users = holders_over(Role.DISPATCHER, studio_path(order))
    if not users:
        users = holders_over(Role.ADMIN, None)
    return users


def orders_of_run(run) -> list[WorkOrder]:
    """The work orders a procedure run raised (its failed or flagged steps), oldest first."""
    return list(WorkOrder.objects.filter(run=run).order_by("id"))


# --- figures for supervision (issue 16): scoped by a unit path the caller has already been checked for --
def corrective_orders(*, standard_id: int, path: str, start: datetime, end: datetime) -> list[dict]:
    """Corrective orders (opened by a failed or flagged step) of runs of the standard's procedures at
    studios under `path` (the run's studio), reported in [start, end): {created_at, closed, close_minutes}
    per order; an order is closed when its requester confirmed it (cancelled ones are not closings).
    One query."""
    rows = (WorkOrder.objects.filter(source=WorkOrder.Source.RUN_STEP, run__procedure__standard_id=standard_id,
                                     run__studio__path__startswith=path, created_at__gte=start, created_at__lt=end)
            .values("created_at", "closed_at", "state"))
    return [{"created_at": row["created_at"], "closed": row["state"] == State.CONFIRMED,
             "close_minutes": minutes_between(row["created_at"], row["closed_at"])
             if row["state"] == State.CONFIRMED and row["closed_at"] else None} for row in rows]


def minutes_between(start: datetime, end: datetime) -> Decimal:
    """Exact minutes from start to end (Decimal, no float rounding)."""
    delta = end - start
    return (Decimal(delta.days * 86400 + delta.seconds) + Decimal(delta.microseconds) / 1_000_000) / 60
