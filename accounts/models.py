"""People, their WeChat identities, the organisation tree and who may do what where."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class OrgUnit(models.Model):
    """A node of the organisation: bureau → base → studio → team.

    `path` is a materialised path ("/1/4/9/") so that "is this unit inside that one" and
    "every unit under this one" are single indexed prefix queries, not recursive walks.
    """

    class Kind(models.TextChoices):
        BUREAU = "bureau", "管理局"
        BASE = "base", "实训基地"
        STUDIO = "studio", "技师工作室"
        TEAM = "team", "班组"

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级单位", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    code = models.SlugField("代码", max_length=50, unique=True, null=True, blank=True)
    path = models.CharField("路径", max_length=255, editable=False, db_index=True, default="")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "组织单位"
        verbose_name_plural = "组织单位"
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="orgunit_unique_name_per_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # The path needs the primary key, so a new unit is saved twice.
        super().save(*args, **kwargs)
        expected = f"{self.parent.path if self.parent_id else '/'}{self.pk}/"
        if self.path != expected:
            old = self.path
            self.path = expected
            OrgUnit.objects.filter(pk=self.pk).update(path=expected)
            if old:
                # Moving a unit moves its subtree.
                for child in OrgUnit.objects.filter(path__startswith=old).exclude(pk=self.pk):
                    OrgUnit.objects.filter(pk=child.pk).update(path=expected + child.path[len(old) :])

    def contains(self, other: "OrgUnit") -> bool:
        return other.path.startswith(self.path)


class User(AbstractUser):
    """A person. Mini-program users have no password; staff may also log into the admin."""

    display_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("手机号", max_length=20, blank=True)
    primary_org_unit = models.ForeignKey(
        OrgUnit, verbose_name="所属单位", null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )

    # Not a field: accounts.selectors.grants_of memoises (role, org_unit_id, org_unit_path) per grant here.
    _grants_cache: list[tuple[str, int, str]]

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def name(self) -> str:
        return self.display_name or self.username


class WechatIdentity(models.Model):
    """The user's identity in one WeChat app. WeChat's session_key is not stored: nothing needs it (phone
numbers come from getuserphonenumber's code, not from decrypting with it), docs/adr/0086."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="wechat_identities")
    appid = models.CharField("AppID", max_length=32)
    openid = models.CharField("OpenID", max_length=64)
    unionid = models.CharField("UnionID", max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField("首次登录", auto_now_add=True)
    last_login_at = models.DateTimeField("最近登录", default=timezone.now)

    class Meta:
        verbose_name = "微信身份"
        verbose_name_plural = "微信身份"
        constraints = [models.UniqueConstraint(fields=["appid", "openid"], name="wechat_identity_unique_openid")]

    def __str__(self) -> str:
        return f"{self.appid}:{self.openid}"


class BindingCode(models.Model):
    """A one-time code that binds a WeChat identity to an account made for someone before they ever logged
    in (an outside expert seated on a panel): given on their first WeChat login, it makes that login this
    account's. Only the SHA-256 is stored; a new code replaces the unused ones."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="binding_codes")
    code_hash = models.CharField("绑定码摘要", max_length=64, unique=True)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    expires_at = models.DateTimeField("过期时间")
    used_at = models.DateTimeField("使用时间", null=True, blank=True)

    class Meta:
        verbose_name = "账号绑定码"
        verbose_name_plural = "账号绑定码"

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"


class Role(models.TextChoices):
    WORKER = "worker", "一线服务人员"
    MASTER = "master", "师傅"
    APPRENTICE = "apprentice", "徒弟"
    WORKSHOP_LEADER = "workshop_leader", "工作室负责人"
    JUDGE = "judge", "裁判"
    CHIEF_JUDGE = "chief_judge", "裁判长"
    ARBITRATOR = "arbitrator", "监督仲裁"
    DISPATCHER = "dispatcher", "调度员"
    TRAINER = "trainer", "讲师"
    SUPERVISOR = "supervisor", "监管"
    ROSTER_MANAGER = "roster_manager", "专家库管理员"
    ADMIN = "admin", "管理员"


class RoleGrant(models.Model):
    """A role held on an org unit; it covers the unit's whole subtree."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="grants")
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    org_unit = models.ForeignKey(OrgUnit, verbose_name="组织单位", on_delete=models.CASCADE, related_name="grants")
    granted_at = models.DateTimeField("授予时间", auto_now_add=True)

    class Meta:
        verbose_name = "角色授权"
        verbose_name_plural = "角色授权"
        ordering = ["user_id", "role", "org_unit_id"]
        constraints = [models.UniqueConstraint(fields=["user", "role", "org_unit"], name="rolegrant_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.org_unit}"


class ApiToken(models.Model):
    """A bearer token for the mini-program. Only the SHA-256 of the token is stored."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField("令牌摘要", max_length=64, unique=True)
    created_at = models.DateTimeField("签发时间", auto_now_add=True)
    expires_at = models.DateTimeField("过期时间")
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    user_agent = models.CharField("客户端", max_length=200, blank=True)

    class Meta:
        verbose_name = "访问令牌"
        verbose_name_plural = "访问令牌"
        indexes = [models.Index(fields=["user", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"
