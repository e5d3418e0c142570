"""Issued credentials and their revocations: both append-only facts. A status list is the one mutable
row (its counter of handed-out indexes); its bits are computed from the revocations, never stored."""

from __future__ import annotations

from django.db import models

from miniprogram_api.append_only import AppendOnlyModel


class StatusList(models.Model):
    """One Bitstring Status List (purpose: revocation). Indexes are handed out in order under a row lock;
    a full list is closed and a new one opened."""

    purpose = models.CharField("用途", max_length=16, default="revocation")
    size = models.PositiveIntegerField("位数")
    next_index = models.PositiveIntegerField("下一个序号", default=0)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "状态列表"
        verbose_name_plural = "状态列表"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"状态列表 {self.pk}（{self.next_index}/{self.size}）"


class IssuedCredential(AppendOnlyModel):
    """A signed credential exactly as issued (the compact JWS), with its place in a status list.
    `reference` names what it certifies in the issuing app (e.g. `apprenticeships.certificate:<code>`)."""

    reference = models.CharField("对应证书", max_length=120, unique=True)
    credential_id = models.CharField("凭证标识", max_length=300, unique=True)
    kind = models.CharField("类型", max_length=40)
    status_list = models.ForeignKey(StatusList, verbose_name="状态列表", on_delete=models.PROTECT,
                                    related_name="credentials")
    status_index = models.PositiveIntegerField("状态序号")
    key_id = models.CharField("签名密钥", max_length=300)
    jwt = models.TextField("凭证（vc+jwt）")
    issued_at = models.DateTimeField("签发时间")

    class Meta:
        verbose_name = "可验证凭证"
        verbose_name_plural = "可验证凭证"
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["status_list", "status_index"], name="issuedcredential_unique_index"),
        ]

    def __str__(self) -> str:
        return self.reference


class Revocation(AppendOnlyModel):
    """A credential's revocation: its bit in the status list is set from then on. Once only."""

    credential = models.OneToOneField(IssuedCredential, verbose_name="凭证", on_delete=models.PROTECT,
                                      related_name="revocation")
    revoked_at = models.DateTimeField("撤销时间")
    reason = models.TextField("撤销原因", blank=True)

    class Meta:
        verbose_name = "凭证撤销"
        verbose_name_plural = "凭证撤销"
        ordering = ["-revoked_at"]

    def __str__(self) -> str:
        return f"{self.credential} · 撤销"
