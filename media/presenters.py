"""Stored files as the mini-program sees them."""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import HttpRequest

from miniprogram_api.signed_urls import url as signed_url

from .models import Photo


def absolute(request: HttpRequest | None, url: str) -> str:
    return request.build_absolute_uri(url) if request is not None else url


def file_url(field: FieldFile, request: HttpRequest | None) -> str:
    """An expiring signed link to a stored upload (photos are personal data: `/media/` does not serve
    them, docs/adr/0081)."""
    return absolute(request, signed_url(field.name, root="media")[0])


def photo_out(photo: Photo, request: HttpRequest | None) -> dict:
    return {
        "id": photo.pk,
        "width": photo.width,
        "height": photo.height,
        "url": file_url(photo.file, request),
        "thumbnail_url": file_url(photo.thumbnail, request),
        "taken_at": photo.taken_at,
    }
