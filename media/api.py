"""POST /api/v1/uploads/photos: photos and signatures, uploaded before the record that uses them."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from ninja import Router

from miniprogram_api.errors import ApiError
from miniprogram_api.idempotency import HEADER as IDEMPOTENCY_HEADER
from miniprogram_api.idempotency import created_or_replayed
from miniprogram_api.ratelimit import check_rate

from . import images, presenters, services
from .schemas import PhotoOut

# Published from workorders/api.py before issue 11: the operation id stays (docs/adr/0004).
OPERATION_ID_PREFIX = "workorders_api"

uploads_router = Router(tags=["扫码实操"])

UPLOAD_DOC = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "JPEG / PNG / WebP"},
                        "client_id": {"type": "string", "description": "可选：重传时返回同一张照片"},
                    },
                }
            }
        },
        "required": True,
    }
}


@uploads_router.post("/photos", response={200: PhotoOut, 201: PhotoOut}, openapi_extra=UPLOAD_DOC,
                      summary="上传照片或签名（multipart，字段 file）：校验、缩放、去除定位信息、生成缩略图")
def upload_photo(request: HttpRequest):
    check_rate(request, "upload")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > settings.PHOTO_MAX_BYTES + 64 * 1024:  # refuse before reading the body
        raise images.too_large(declared)
    if request.content_type != "multipart/form-data":
        raise ApiError("unsupported_media_type", "请以 multipart/form-data 上传图片（字段名 file）", status=415)
    try:
        upload = request.FILES.get("file")
        raw_id = request.POST.get("client_id") or request.META.get(IDEMPOTENCY_HEADER, "")
        client_id = "".join(ch for ch in raw_id if ch.isprintable()).strip()[:100]
    except MultiPartParserError:
        raise ApiError("bad_request", "上传内容格式不正确", status=400) from None
    if upload is None:
        raise ApiError("validation_error", "提交的数据不符合要求：file", status=422,
                       detail=[{"field": "file", "type": "missing", "message": "缺少必填字段"}])
    if upload.size > settings.PHOTO_MAX_BYTES:
        raise images.too_large(upload.size)
    photo, created = services.upload_photo(user=request.user, data=upload.read(), client_id=client_id or None)
    return created_or_replayed(created, presenters.photo_out(photo, request))
