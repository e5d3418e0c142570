from accounts.models import User

from .models import Notification
from .services import notification_payload


def summary(user: User) -> dict:
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    last = Notification.objects.filter(recipient=user).order_by("-id").values_list("id", flat=True).first()
    return {"unread": unread, "last_id": last or 0}


def since(user: User, after_id: int, limit: int = 100) -> list[dict]:
    rows = Notification.objects.filter(recipient=user, id__gt=after_id).order_by("id")[:limit]
    return [notification_payload(row) for row in rows]


def page(user: User, *, unread_only: bool = False, before_id: int | None = None, limit: int = 20):
    query = Notification.objects.filter(recipient=user)
    if unread_only:
        query = query.filter(read_at__isnull=True)
    if before_id:
        query = query.filter(id__lt=before_id)
    return [notification_payload(row) for row in query.order_by("-id")[:limit]]
