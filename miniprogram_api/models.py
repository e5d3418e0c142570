from django.conf import settings
from django.db import models


class IdempotencyRecord(models.Model):
    """The first response to a retried write, kept so that a replay returns it and creates nothing."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE,
                             related_name="+")
    scope = models.CharField("操作", max_length=64)
    key = models.CharField("请求编号", max_length=100)
    request_hash = models.CharField("请求摘要", max_length=64)
    status_code = models.PositiveSmallIntegerField("状态码", default=0)
    response = models.JSONField("首次响应", default=dict)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "幂等记录"
        verbose_name_plural = "幂等记录"
        constraints = [models.UniqueConstraint(fields=["user", "scope", "key"], name="idempotency_unique_key")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"
