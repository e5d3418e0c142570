from django.http import HttpRequest
from ninja import Query, Router, Schema

from miniprogram_api.schemas import Bool, Id, Limit

from . import selectors, services
from .schemas import MarkReadIn, MarkReadOut, NotificationPage

router = Router(tags=["消息"])


class PageQuery(Schema):
    unread: Bool = False
    before_id: Id | None = None
    limit: Limit = 20


@router.get("", response=NotificationPage, summary="我的消息（新的在前；before_id 翻页）")
def list_notifications(request: HttpRequest, query: Query[PageQuery]):
    items = selectors.page(request.user, unread_only=query.unread, before_id=query.before_id, limit=query.limit)
    return {"unread": selectors.summary(request.user)["unread"], "items": items}


@router.post("/read", response=MarkReadOut, summary="标为已读")
def mark_read(request: HttpRequest, payload: MarkReadIn):
    return {"updated": services.mark_read(user=request.user, ids=payload.ids)}
