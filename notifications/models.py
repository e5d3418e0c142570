"""What people are told: in-app notifications (live over a websocket) and the WeChat outbox.

The outbox is a table, not a queue in memory: a subscribe message is written in the same transaction
as the change it reports, and a separate sender process delivers it with retries, so nothing is lost
while WeChat is down and nothing is sent for a change that rolled back.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE,
                                  related_name="notifications")
    kind = models.CharField("类型", max_length=32)
    title = models.CharField("标题", max_length=100)
    body = models.CharField("内容", max_length=500, blank=True)
    data = models.JSONField("数据", default=dict, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "站内消息"
        verbose_name_plural = "站内消息"
        ordering = ["-id"]
        indexes = [models.Index(fields=["recipient", "id"]), models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.title}"


class OutboxMessage(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "待发送"
        SENDING = "sending", "发送中"
        SENT = "sent", "已发送"
        NOT_SUBSCRIBED = "not_subscribed", "用户未订阅"
        SKIPPED = "skipped", "无需发送"
        FAILED = "failed", "发送失败"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE,
                                  related_name="+")
    kind = models.CharField("类型", max_length=32)
    openid = models.CharField("OpenID", max_length=64, blank=True)
    template_id = models.CharField("模板ID", max_length=64, blank=True)
    page = models.CharField("跳转页面", max_length=200, blank=True)
    data = models.JSONField("模板数据", default=dict)
    dedupe_key = models.CharField("去重键", max_length=200, unique=True)
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.PENDING, db_index=True)
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试", default=timezone.now, db_index=True)
    claimed_until = models.DateTimeField("占用至", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=200, blank=True)
    errcode = models.IntegerField("微信错误码", null=True, blank=True)
    msgid = models.BigIntegerField("微信消息ID", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "微信订阅消息"
        verbose_name_plural = "微信订阅消息（发件箱）"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient} ({self.get_state_display()})"
