"""The access log of sensitive reads and actions (等保 2.0 level 2 audit; Cybersecurity Law art. 21 keeps
it at least six months): who did what to whose data, when, from where. Append-only."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from miniprogram_api.append_only import AppendOnlyModel


class AccessLogEntry(AppendOnlyModel):
    class Action(models.TextChoices):
        ADMIN_LOGIN = "admin_login", "后台登录"
        ADMIN_LOGIN_FAILED = "admin_login_failed", "后台登录失败"
        ROLE_GRANTED = "role_granted", "授予角色"
        ROLE_REVOKED = "role_revoked", "撤销角色"
        DATA_EXPORT = "data_export", "个人信息导出"
        EXPORT = "export", "数据导出"
        PHONE_UNMASKED = "phone_unmasked", "查看完整手机号"
        DELETION_DECIDED = "deletion_decided", "审核删除申请"

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField("操作人（记录时）", max_length=150, blank=True)
    action = models.CharField("操作", max_length=32, choices=Action.choices, db_index=True)
    target = models.CharField("对象", max_length=200, blank=True)
    ip = models.GenericIPAddressField("来源地址", null=True, blank=True)
    detail = models.JSONField("详情", default=dict, blank=True)

    class Meta:
        verbose_name = "访问日志"
        verbose_name_plural = "访问日志"
        ordering = ["-at"]
        indexes = [models.Index(fields=["actor", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.get_action_display()} {self.target}"
