"""Stored files people upload: photos and signatures today (later videos and documents).

The table was created by the workorders app (it kept its name when the model moved here; see
docs/adr/0003-moved-models-keep-their-tables.md).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q


class Photo(models.Model):
    """An uploaded image (a step's photo, a signature, a work order's picture, evidence).

    It belongs to its uploader until attached to one owner (any model, through a generic relation);
    then it is part of that record's evidence and cannot be attached elsewhere.
    """

    uploader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT,
                                 related_name="photos")
    client_id = models.CharField("客户端编号", max_length=100, null=True, blank=True)  # noqa: DJ001 - absent ≠ ""
    file = models.FileField("图片", upload_to="photos/%Y/%m/", max_length=200)
    thumbnail = models.FileField("缩略图", upload_to="photos/%Y/%m/", max_length=200)
    content_type = models.CharField("类型", max_length=32)
    original_format = models.CharField("原始格式", max_length=16)
    width = models.PositiveIntegerField("宽")
    height = models.PositiveIntegerField("高")
    size_bytes = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("原图摘要", max_length=64, db_index=True)
    taken_at = models.DateTimeField("拍摄时间", null=True, blank=True, help_text="来自照片的 EXIF")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    owner_type = models.ForeignKey(ContentType, verbose_name="归属类型", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    owner_id = models.PositiveBigIntegerField("归属编号", null=True, blank=True)
    owner = GenericForeignKey("owner_type", "owner_id")
    attached_at = models.DateTimeField("关联时间", null=True, blank=True)

    class Meta:
        db_table = "workorders_photo"
        verbose_name = "照片"
        verbose_name_plural = "照片"
        ordering = ["-uploaded_at"]
        indexes = [models.Index(fields=["owner_type", "owner_id"])]
        constraints = [
            models.UniqueConstraint(fields=["uploader", "client_id"], condition=Q(client_id__isnull=False),
                                    name="photo_unique_client_id"),
        ]

    def __str__(self) -> str:
        return f"照片 {self.pk}（{self.width}×{self.height}）"

    @property
    def is_attached(self) -> bool:
        return self.owner_id is not None
