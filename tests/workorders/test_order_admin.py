"""The admin corrects what was reported, never the lifecycle, and every correction joins the history."""

from django.urls import reverse

from workorders.models import WorkOrder, WorkOrderEvent


def test_an_admin_correction_is_recorded_in_the_history(desk, admin_site, practice):
    order = desk.order_in("accepted")
    url = reverse("admin:workorders_workorder_change", args=[order.pk])
    page = admin_site.get(url)
    assert page.status_code == 200 and "工单记录" in page.content.decode()
    response = admin_site.post(url, {
        "category": desk.bas_category.pk, "point": "", "location_text": "行政中心1F东门",
        "description": order.description, "urgency": "urgent",
        "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    order.refresh_from_db()
    assert (order.category_id, order.studio_id, order.urgency, order.state) == (
        desk.bas_category.pk, desk.org.bas.pk, "urgent", "accepted")
    edit = WorkOrderEvent.objects.filter(order=order).last()
    assert edit.action == "edit" and edit.actor == practice.admin and edit.from_state == edit.to_state == "accepted"
    assert edit.changes["category"] == {"from": desk.category.pk, "to": desk.bas_category.pk}
    assert edit.changes["studio"] == {"from": desk.org.hvac.pk, "to": desk.org.bas.pk}
    assert edit.changes["urgency"] == {"from": "normal", "to": "urgent"} and "state" not in edit.changes
    # Deadlines stay as fixed at the report; orders are not added or deleted here.
    assert WorkOrder.objects.get(pk=order.pk).respond_by == order.respond_by
    assert admin_site.get(reverse("admin:workorders_workorder_add")).status_code == 403
    assert admin_site.get(reverse("admin:workorders_workorder_delete", args=[order.pk])).status_code == 403
