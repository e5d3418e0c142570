from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router

from miniprogram_api.errors import ApiError
from miniprogram_api.idempotency import created_or_replayed

from . import selectors, services
from .schemas import (
    DataExportOut,
    DeletionRequestIn,
    DeletionRequestOut,
    PrivacyAcceptanceOut,
    PrivacyAcceptIn,
    PrivacyGuideOut,
)

router = Router(tags=["个人信息"])


def require_object_body(request: HttpRequest) -> None:
    """A body, when there is one, must be a JSON object (ninja reads an all-optional schema from anything)."""
    if request.body and not request.body.lstrip().startswith(b"{"):
        raise ApiError("invalid_body", "请求体必须是 JSON 对象", status=422)


data_export_router = Router(tags=["个人信息"])
deletion_router = Router(tags=["个人信息"])

ZIP = {"responses": {200: {"description": "个人信息压缩包（data.json + data.xlsx）", "content": {"application/zip": {}}}}}


@router.get("", response=PrivacyGuideOut, auth=None, summary="用户隐私保护指引（当前版本与全文）")
def privacy_guide(request: HttpRequest):
    return selectors.current_guide()


@router.post("/accept", response={200: PrivacyAcceptanceOut, 201: PrivacyAcceptanceOut},
             summary="同意隐私指引（记录版本与时间）")
def accept(request: HttpRequest, payload: PrivacyAcceptIn):
    record, created = services.accept_privacy(user=request.user, version=payload.version)
    return created_or_replayed(created, {"version": record.version, "accepted_at": record.accepted_at})


@data_export_router.get("", response={202: DataExportOut}, openapi_extra=ZIP,
                        summary="导出我的个人信息（zip：JSON + Excel；数据多时后台生成，202 后再次请求下载；只能下载一次）")
def data_export(request: HttpRequest):
    result = services.data_export(user=request.user)
    export = result.export
    if result.content is None:
        return 202, {"id": export.pk, "status": export.status, "requested_at": export.requested_at, "rows": export.rows}
    response = HttpResponse(result.content, content_type="application/zip")
    stamp = timezone.localtime(export.requested_at).strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="shixun-data-{request.user.pk}-{stamp}.zip"'
    response["Cache-Control"] = "private, no-store"
    return response


@deletion_router.post("", response={200: DeletionRequestOut, 201: DeletionRequestOut},
                      summary="申请删除我的个人信息（管理员审核后匿名化；重复申请返回同一申请）")
def deletion_request(request: HttpRequest, payload: DeletionRequestIn):
    require_object_body(request)  # every field is optional: `[]` or `"x"` must not pass as an empty request
    item, created = services.request_deletion(user=request.user, reason=payload.reason)
    return created_or_replayed(created, {"id": item.pk, "status": item.status, "requested_at": item.requested_at})
