from django.http import HttpRequest
from ninja import Router

from miniprogram_api.idempotency import created_or_replayed

from . import selectors, services
from .schemas import PrivacyAcceptanceOut, PrivacyAcceptIn, PrivacyGuideOut

router = Router(tags=["个人信息"])


@router.get("", response=PrivacyGuideOut, auth=None, summary="用户隐私保护指引（当前版本与全文）")
def privacy_guide(request: HttpRequest):
    return selectors.current_guide()


@router.post("/accept", response={200: PrivacyAcceptanceOut, 201: PrivacyAcceptanceOut},
             summary="同意隐私指引（记录版本与时间）")
def accept(request: HttpRequest, payload: PrivacyAcceptIn):
    record, created = services.accept_privacy(user=request.user, version=payload.version)
    return created_or_replayed(created, {"version": record.version, "accepted_at": record.accepted_at})
