"""Expiring signed links to private files, served with HTTP Range (docs/adr/0023).

A link names a storage path (relative to settings.PRIVATE_MEDIA_ROOT) and an expiry, signed with Django's
signing (HMAC with SECRET_KEY, its own salt). Whoever holds a link may fetch the file until it expires —
which is what a WeChat <video src> needs, as it cannot send our bearer token — and nobody can make one.
A tampered or unknown link is 403 `link_invalid`; an expired one 403 `link_expired` (the page asks for a
new link). Nothing domain-specific: lesson videos and documents (under PRIVATE_MEDIA_ROOT) and uploaded
photos, signatures and evidence (under MEDIA_ROOT, `root="media"`, which `/media/` no longer serves,
docs/adr/0081) use it.

Files are served with `Accept-Ranges: bytes`: one range per request (`bytes=a-b`, `bytes=a-`, `bytes=-n`)
answers 206 with its Content-Range; a range past the end is 416 with `Content-Range: bytes */size`; no
Range header is the whole file (200). Bodies stream in chunks from an async iterator (no whole-file read).
"""

from __future__ import annotations

import asyncio
import mimetypes
import os
import re
import time
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_safe

from .envelope import error_response
from .errors import ApiError

SALT = "shixun.signed-url"
CHUNK = 256 * 1024
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


ROOTS = ("private", "media")  # PRIVATE_MEDIA_ROOT, MEDIA_ROOT


def sign(path: str, *, seconds: int | None = None, now: float | None = None,
         root: str = "private") -> tuple[str, int]:
    """A token for `path` (under `root`) valid for `seconds` (default SIGNED_URL_SECONDS); returns
    (token, expires_at)."""
    expires = int((now if now is not None else time.time()) + (seconds or settings.SIGNED_URL_SECONDS))
    data: dict = {"p": path, "e": expires}
    if root != "private":
        data["r"] = ROOTS.index(root)
    return signing.dumps(data, salt=SALT, compress=False), expires


def url(path: str, *, seconds: int | None = None, root: str = "private") -> tuple[str, int]:
    token, expires = sign(path, seconds=seconds, root=root)
    return f"/files/{token}", expires


def verify_target(token: str, *, now: float | None = None) -> tuple[str, str]:
    """(root, storage path) a token names, or a 403 ApiError (`link_invalid`, `link_expired`)."""
    try:
        data = signing.loads(token, salt=SALT)
        path, expires, root = str(data["p"]), int(data["e"]), ROOTS[int(data.get("r", 0))]
    except (signing.BadSignature, KeyError, TypeError, ValueError, IndexError):
        raise ApiError("link_invalid", "链接无效，请返回重新打开", status=403) from None
    if (now if now is not None else time.time()) > expires:
        raise ApiError("link_expired", "链接已过期，请返回重新打开", status=403, detail={"expired_at": expires})
    return root, path


def verify(token: str, *, now: float | None = None) -> str:
    """The storage path a token names, or a 403 ApiError (`link_invalid`, `link_expired`)."""
    return verify_target(token, now=now)[1]


def private_path(relative: str, root: str = "private") -> Path:
    """The file under PRIVATE_MEDIA_ROOT (or MEDIA_ROOT for `root="media"`), never outside it."""
    base = settings.MEDIA_ROOT if root == "media" else settings.PRIVATE_MEDIA_ROOT
    root_dir = Path(base).resolve()
    full = (root_dir / relative).resolve()
    if root_dir not in full.parents:
        raise ApiError("link_invalid", "链接无效，请返回重新打开", status=403)
    return full


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single-range header; None when there is no usable Range; raises
    ValueError when it cannot be satisfied (416)."""
    match = RANGE.match(header.strip())
    if not match:
        return None  # multiple ranges or another unit: send the whole file (RFC 9110 allows ignoring)
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":
        length = int(last)
        if length == 0:
            raise ValueError("empty suffix range")
        return max(size - length, 0), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        raise ValueError("range outside the file")
    return start, min(end, size - 1)


async def _chunks(path: Path, start: int, length: int):
    handle = await asyncio.to_thread(open, path, "rb")
    try:
        await asyncio.to_thread(handle.seek, start)
        remaining = length
        while remaining > 0:
            data = await asyncio.to_thread(handle.read, min(CHUNK, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data
    finally:
        await asyncio.to_thread(handle.close)


@require_safe
def serve(request: HttpRequest, token: str) -> HttpResponse:
    """GET/HEAD /files/<token>: the signed file, whole or by range."""
    try:
        full = private_path(*reversed(verify_target(token)))
    except ApiError as error:
        return error_response(error.status, error.code, error.message, error.detail)
    if not full.is_file():
        return error_response(404, "file_not_found", "文件不存在或已删除")
    size = full.stat().st_size
    content_type = mimetypes.guess_type(full.name)[0] or "application/octet-stream"
    header = request.headers.get("Range", "")
    try:
        wanted = parse_range(header, size) if header else None
    except ValueError:
        response = error_response(416, "range_not_satisfiable", "请求的范围超出文件大小",
                                  detail={"size": size}, headers={"Content-Range": f"bytes */{size}"})
        response["Accept-Ranges"] = "bytes"
        return response
    start, end = wanted if wanted else (0, size - 1)
    length = end - start + 1 if size else 0
    if request.method == "HEAD":
        response: HttpResponse = HttpResponse(status=206 if wanted else 200, content_type=content_type)
    else:
        response = StreamingHttpResponse(_chunks(full, start, length), status=206 if wanted else 200,
                                         content_type=content_type)
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    if wanted:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    # Private, and the link expires: no shared cache may keep it.
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def store_private(relative: str, source: str | os.PathLike | bytes) -> Path:
    """Write (or move) a file into PRIVATE_MEDIA_ROOT at `relative`; returns its full path."""
    full = private_path(relative)
    full.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(source, bytes):
        full.write_bytes(source)
    else:
        import shutil

        shutil.copyfile(source, full)
    return full
