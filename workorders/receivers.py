"""What workorders does when practice tells it something (practice cannot import workorders)."""

from __future__ import annotations

from django.dispatch import receiver

from practice.signals import run_work_orders_wanted, step_problem_recorded

from . import presenters, selectors, services


@receiver(step_problem_recorded, dispatch_uid="workorders.corrective_order")
def open_corrective_order(sender, *, run, step, record, **kwargs):
    services.open_corrective_order(run=run, step=step, record=record)


@receiver(run_work_orders_wanted, dispatch_uid="workorders.run_work_orders")
def run_work_orders(sender, *, run, **kwargs) -> list[dict]:
    return [presenters.corrective_order_out(order) for order in selectors.orders_of_run(run)]
