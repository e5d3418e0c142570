"""Uploading photos and attaching them to the record they are evidence for.

A photo belongs to its uploader until one record (a step record, a work order, its completion event,
an apprentice's evidence …) takes it; it is then part of that record and cannot move elsewhere.
"""

from __future__ import annotations

import uuid

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import User
from miniprogram_api.errors import unprocessable
from miniprogram_api.idempotency import replay_or_create

from . import images
from .models import Photo


def upload_photo(*, user: User, data: bytes, client_id: str | None = None) -> tuple[Photo, bool]:
    """Check, normalise and store an image; it belongs to the uploader until attached. A resend with the
    same client_id returns the first photo (and stores nothing)."""
    stored: list[Photo] = []

    def find() -> Photo | None:
        return Photo.objects.filter(uploader=user, client_id=client_id).first()

    def create() -> Photo:
        image = images.process(data)
        name = uuid.uuid4().hex
        photo = Photo(uploader=user, client_id=client_id or None, content_type=image.content_type,
                      original_format=image.original_format, width=image.width, height=image.height,
                      size_bytes=len(image.content), sha256=image.sha256, taken_at=image.taken_at)
        photo.file.save(f"{name}.{image.extension}", ContentFile(image.content), save=False)
        photo.thumbnail.save(f"{name}_thumb.jpg", ContentFile(image.thumbnail), save=False)
        stored.append(photo)
        photo.save()
        return photo

    photo, created = replay_or_create(client_id=client_id, find=find, create=create)
    if not created:
        for copy in stored:  # a concurrent copy won: drop the files this one wrote
            copy.file.delete(save=False)
            copy.thumbnail.delete(save=False)
    return photo, created


def photos_for_attaching(*, user: User, photo_ids: list[int]) -> list[Photo]:
    """The caller's own, not yet attached uploads with these ids, locked; else 422 `photo_invalid`
    listing the offending ids. Call inside the transaction that attaches them."""
    wanted = list(dict.fromkeys(photo_ids))
    found = {p.pk: p for p in Photo.objects.select_for_update().filter(pk__in=wanted, uploader=user)}
    bad = [pk for pk in wanted if pk not in found or found[pk].owner_id is not None]
    if bad:
        raise unprocessable("photo_invalid", "照片不存在、不属于你或已被其他记录使用，请重新上传",
                            detail={"photo_ids": bad})
    return [found[pk] for pk in wanted]


def attach_photos(*, photos: list[Photo], owner) -> None:
    """Make uploaded photos part of `owner`'s record (any model)."""
    if not photos:
        return
    owner_type = ContentType.objects.get_for_model(type(owner))
    updated = Photo.objects.filter(pk__in=[p.pk for p in photos], owner_id__isnull=True).update(
        owner_type=owner_type, owner_id=owner.pk, attached_at=timezone.now()
    )
    if updated != len(photos):
        raise unprocessable("photo_invalid", "照片已被其他记录使用，请重新上传",
                            detail={"photo_ids": [p.pk for p in photos]})
