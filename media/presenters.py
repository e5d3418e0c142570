"""Stored files as the mini-program sees them."""

from __future__ import annotations

from django.http import HttpRequest

from .models import Photo


def absolute(request: HttpRequest | None, url: str) -> str:
    return request.build_absolute_uri(url) if request is not None else url


def photo_out(photo: Photo, request: HttpRequest | None) -> dict:
    return {
        "id": photo.pk,
        "width": photo.width,
        "height": photo.height,
        "url": absolute(request, photo.file.url),
        "thumbnail_url": absolute(request, photo.thumbnail.url),
        "taken_at": photo.taken_at,
    }
