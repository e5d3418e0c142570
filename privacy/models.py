"""Personal data under PIPL: which privacy-guide version each person accepted."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from miniprogram_api.append_only import AppendOnlyModel


class PrivacyAcceptance(AppendOnlyModel):
    """A person agreed to one version of the privacy guide (a fact: written once)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE,
                             related_name="privacy_acceptances")
    version = models.CharField("指引版本", max_length=32)
    accepted_at = models.DateTimeField("同意时间")

    class Meta:
        verbose_name = "隐私指引同意记录"
        verbose_name_plural = "隐私指引同意记录"
        ordering = ["-accepted_at"]
        constraints = [models.UniqueConstraint(fields=["user", "version"], name="privacy_accept_once")]

    def __str__(self) -> str:
        return f"{self.user_id} 同意 {self.version}"
