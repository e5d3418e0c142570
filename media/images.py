"""Checking and normalising uploaded images with Pillow.

A phone sends whatever it has; we keep only real JPEG/PNG/WebP images within the configured byte and
pixel limits (a small file can decode into billions of pixels: a decompression bomb). The stored copy
is re-encoded, turned upright, downsized to `PHOTO_MAX_EDGE`, and carries no metadata but its capture
time — in particular no GPS position, which would tell anyone with the link where a worker was.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.utils import timezone
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from miniprogram_api.errors import ApiError

ALLOWED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXIF_TIME_FORMAT = "%Y:%m:%d %H:%M:%S"


@dataclass(frozen=True)
class ProcessedImage:
    content: bytes
    extension: str
    content_type: str
    thumbnail: bytes
    width: int
    height: int
    original_format: str
    taken_at: datetime | None
    sha256: str


def too_large(size: int | None = None) -> ApiError:
    limit_mb = settings.PHOTO_MAX_BYTES / (1024 * 1024)
    return ApiError("image_too_large", f"图片过大，不能超过 {limit_mb:g} MB", status=413,
                    detail={"max_bytes": settings.PHOTO_MAX_BYTES, "size": size})


def _too_many_pixels(width: int | None = None, height: int | None = None) -> ApiError:
    return ApiError("image_too_many_pixels", "图片像素过多（疑似解压炸弹），请压缩后重新上传", status=413,
                    detail={"max_pixels": settings.PHOTO_MAX_PIXELS, "width": width, "height": height})


def _not_an_image() -> ApiError:
    return ApiError("not_an_image", "上传的文件不是图片，请上传 JPEG、PNG 或 WebP 照片", status=415)


def _truncated() -> ApiError:
    return ApiError("image_truncated", "图片不完整或已损坏（可能上传中断），请重新上传", status=415)


def _wrong_type(fmt: str) -> ApiError:
    return ApiError("image_type_not_allowed", f"不支持 {fmt} 格式的图片，请上传 JPEG、PNG 或 WebP", status=415,
                    detail={"format": fmt, "allowed": sorted(ALLOWED_FORMATS)})


def capture_time(image: Image.Image) -> datetime | None:
    """When the photo was taken, from EXIF (DateTimeOriginal, else DateTime), as an aware datetime.

    EXIF times have no zone unless OffsetTimeOriginal says so; phones write local time, which for our
    users is Asia/Shanghai (the project's TIME_ZONE)."""
    try:
        exif = image.getexif()
        sub = exif.get_ifd(ExifTags.IFD.Exif)
    except Exception:
        return None
    raw = sub.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
    if not isinstance(raw, str):
        return None
    try:
        moment = datetime.strptime(raw.strip().rstrip("\x00"), EXIF_TIME_FORMAT)
    except ValueError:
        return None
    offset = sub.get(ExifTags.Base.OffsetTimeOriginal)
    if isinstance(offset, str):
        try:
            return datetime.strptime(f"{raw.strip()} {offset.strip()}", EXIF_TIME_FORMAT + " %z").astimezone(UTC)
        except ValueError:
            pass
    return timezone.make_aware(moment).astimezone(UTC)


def _exif_with_time_only(taken_at: datetime | None) -> bytes:
    exif = Image.Exif()
    if taken_at is not None:
        local = timezone.localtime(taken_at)
        text = local.strftime(EXIF_TIME_FORMAT)
        offset = local.strftime("%z")
        exif[ExifTags.Base.DateTime] = text
        sub = exif.get_ifd(ExifTags.IFD.Exif)
        sub[ExifTags.Base.DateTimeOriginal] = text
        sub[ExifTags.Base.OffsetTimeOriginal] = f"{offset[:3]}:{offset[3:]}"
    return exif.tobytes()


def process(data: bytes) -> ProcessedImage:
    """Check and normalise one upload, or raise a 413/415 ApiError saying why not."""
    if len(data) > settings.PHOTO_MAX_BYTES:
        raise too_large(len(data))
    if not data:
        raise _not_an_image()
    with warnings.catch_warnings():
        # Pillow only warns between MAX_IMAGE_PIXELS and twice that; make every bomb an error.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels() from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
            raise _not_an_image() from None
        fmt = (image.format or "").upper()
        if fmt not in ALLOWED_FORMATS:
            raise _wrong_type(fmt or "未知")
        width, height = image.size
        if width * height > settings.PHOTO_MAX_PIXELS:
            raise _too_many_pixels(width, height)
        taken_at = capture_time(image)
        try:
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(width, height) from None
        except (OSError, ValueError, SyntaxError, EOFError):
            raise _truncated() from None

    image = ImageOps.exif_transpose(image)
    keep_png = fmt == "PNG"
    if keep_png:
        image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P", "PA") else "RGB")
    else:
        if image.mode in ("RGBA", "LA", "P", "PA"):
            rgba = image.convert("RGBA")
            flat = Image.new("RGB", rgba.size, (255, 255, 255))
            flat.paste(rgba, mask=rgba.getchannel("A"))
            image = flat
        else:
            image = image.convert("RGB")
    edge = settings.PHOTO_MAX_EDGE
    if max(image.size) > edge:
        image.thumbnail((edge, edge), Image.Resampling.LANCZOS)

    exif = _exif_with_time_only(taken_at)
    out = io.BytesIO()
    if keep_png:
        image.save(out, format="PNG", optimize=True, exif=exif)
        extension, content_type = "png", "image/png"
    else:
        image.save(out, format="JPEG", quality=85, optimize=True, exif=exif)
        extension, content_type = "jpg", "image/jpeg"

    thumb = image.copy()
    thumb_edge = settings.PHOTO_THUMB_EDGE
    thumb.thumbnail((thumb_edge, thumb_edge), Image.Resampling.LANCZOS)
    if thumb.mode != "RGB":
        flat = Image.new("RGB", thumb.size, (255, 255, 255))
        flat.paste(thumb, mask=thumb.getchannel("A") if "A" in thumb.getbands() else None)
        thumb = flat
    thumb_out = io.BytesIO()
    thumb.save(thumb_out, format="JPEG", quality=80, optimize=True)

    return ProcessedImage(
        content=out.getvalue(), extension=extension, content_type=content_type, thumbnail=thumb_out.getvalue(),
        width=image.width, height=image.height, original_format=fmt, taken_at=taken_at,
        sha256=hashlib.sha256(data).hexdigest(),
    )
