"""Writes about people: WeChat login, tokens, phone binding, organisation and grants."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from miniprogram_api.errors import ApiError
from wechat import client as wechat
from wechat import errors as wechat_errors

from .models import ApiToken, BindingCode, OrgUnit, RoleGrant, User, WechatIdentity
from .selectors import has_wechat_identity, hash_token

logger = logging.getLogger(__name__)

@dataclass
class LoginResult:
    token: str
    expires_at: datetime
    user: User
    is_new: bool


def login_with_wechat(*, code: str, user_agent: str = "", binding_code: str | None = None) -> LoginResult:
    """Exchange a wx.login code for a Shixun token, creating the user on first login — or, with a
    `binding_code`, making this first login the account that code was issued for."""
    client = wechat.client()
    try:
        session = client.code_to_session(code)
    except wechat.WeChatError as exc:
        logger.info("wechat login refused: errcode %s", exc.errcode)
        raise wechat_errors.api_error(exc, wechat_errors.LOGIN) from None
    if binding_code:
        user, is_new = _bind_session(appid=client.appid, session=session, binding_code=binding_code)
    else:
        user, is_new = _user_for_session(appid=client.appid, session=session)
    token, expires_at = issue_token(user=user, user_agent=user_agent)
    return LoginResult(token=token, expires_at=expires_at, user=user, is_new=is_new)


def _user_for_session(*, appid: str, session: wechat.Session) -> tuple[User, bool]:
    for _ in range(2):  # a concurrent first login of the same openid loses the race once, then finds the row
        try:
            with transaction.atomic():
                identity = (
                    WechatIdentity.objects.select_for_update().select_related("user")
                    .filter(appid=appid, openid=session.openid).first()
                )
                if identity:
                    identity.last_login_at = timezone.now()
                    if session.unionid:
                        identity.unionid = session.unionid
                    identity.save(update_fields=["last_login_at", "unionid"])
                    return identity.user, False
                user = User.objects.create(username=_username_for(session.openid))
                user.set_unusable_password()
                user.save(update_fields=["password"])
                WechatIdentity.objects.create(user=user, appid=appid, openid=session.openid,
                                              unionid=session.unionid)  # the session key is never stored
                return user, True
        except IntegrityError:
            continue
    raise ApiError("login_conflict", "登录冲突，请重试", status=409)


# --- accounts made before their first login (an outside expert seated on a panel) ----------------------
BINDING_CODE_DAYS = 14
BINDING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone


def _binding_hash(code: str) -> str:
    return hash_token("binding:" + code.strip().upper().replace("-", "").replace(" ", ""))


def create_unbound_user(*, name: str, org_unit: OrgUnit | None = None, phone: str = "") -> User:
    """An account for a person who has not logged in yet: named, in their unit, no WeChat identity and
    no password. They get it with a binding code (`issue_binding_code`) on their first WeChat login."""
    user = User.objects.create(username=f"unbound-{secrets.token_hex(6)}", display_name=name[:150],
                               primary_org_unit=org_unit, phone=phone)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    return user


@transaction.atomic
def issue_binding_code(*, user: User) -> tuple[str, datetime]:
    """A fresh one-time code (e.g. "K7PQ-9XZ3") for an account without a WeChat identity; the codes issued
    before and not used stop working. 409 account_already_bound once the person has logged in."""
    if has_wechat_identity(user.pk):
        raise ApiError("account_already_bound", "该账号已绑定微信，无需绑定码", status=409)
    BindingCode.objects.filter(user=user, used_at__isnull=True).delete()
    raw = "".join(secrets.choice(BINDING_ALPHABET) for _ in range(8))
    expires_at = timezone.now() + timedelta(days=BINDING_CODE_DAYS)
    BindingCode.objects.create(user=user, code_hash=_binding_hash(raw), expires_at=expires_at)
    return f"{raw[:4]}-{raw[4:]}", expires_at


def _bind_session(*, appid: str, session: wechat.Session, binding_code: str) -> tuple[User, bool]:
    """The first WeChat login of an account made beforehand: the code must be valid and unused, the
    WeChat identity new, the account not bound yet. Refusals change nothing."""
    with transaction.atomic():
        found = (BindingCode.objects.select_for_update().select_related("user")
                 .filter(code_hash=_binding_hash(binding_code)).first())
        if found is None or found.used_at is not None or found.expires_at <= timezone.now() \
                or not found.user.is_active:
            raise ApiError("binding_code_invalid", "绑定码无效、已使用或已过期，请联系专家库管理员重新获取",
                           status=422)
        if WechatIdentity.objects.filter(appid=appid, openid=session.openid).exists():
            raise ApiError("wechat_already_registered", "该微信已登录过实训，不能再绑定其他账号，请联系专家库管理员",
                           status=409)
        if WechatIdentity.objects.filter(user=found.user).exists():
            raise ApiError("account_already_bound", "该账号已绑定微信", status=409)
        try:
            with transaction.atomic():
                WechatIdentity.objects.create(user=found.user, appid=appid, openid=session.openid,
                                              unionid=session.unionid)
        except IntegrityError:
            raise ApiError("login_conflict", "登录冲突，请重试", status=409) from None
        found.used_at = timezone.now()
        found.save(update_fields=["used_at"])
        logger.info("binding code used: user %s bound to a WeChat identity", found.user_id)
        return found.user, True


def _username_for(openid: str) -> str:
    base = f"wx_{openid}"[:140]
    return base if not User.objects.filter(username=base).exists() else f"{base}_{secrets.token_hex(4)}"


def issue_token(*, user: User, user_agent: str = "") -> tuple[str, datetime]:
    raw = secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(seconds=settings.API_TOKEN_TTL_SECONDS)
    ApiToken.objects.create(user=user, key_hash=hash_token(raw), expires_at=expires_at,
                            user_agent=user_agent[:200])
    return raw, expires_at


def revoke_token(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def bind_phone(*, user: User, code: str) -> str:
    try:
        number = wechat.client().phone_number(code)
    except wechat.WeChatError as exc:
        raise wechat_errors.api_error(exc, wechat_errors.PHONE) from None
    User.objects.filter(pk=user.pk).update(phone=number)
    user.phone = number
    return number


# --- organisation, used by the admin and the demo data -------------------------------------------
@transaction.atomic
def anonymise_account(*, user: User, pseudonym: str) -> None:
    """Deletion of a person (privacy.services.anonymise): the account keeps its id (runs, marks, orders and
    history point at it) but is renamed to the pseudonym and loses what identifies or reaches the person —
    phone, e-mail, password, WeChat identities (openid, unionid), live tokens (revoked), role grants (each
    revocation is in the access log). It can no longer log in."""
    User.objects.filter(pk=user.pk).update(
        display_name=pseudonym, username=f"deleted-{pseudonym[-8:]}-{user.pk}", phone="", email="",
        first_name="", last_name="", is_active=False, is_staff=False, is_superuser=False, password="!")
    WechatIdentity.objects.filter(user=user).delete()
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    RoleGrant.objects.filter(user=user).delete()


def ensure_org_unit(*, name: str, kind: str, parent: OrgUnit | None = None, code: str | None = None) -> OrgUnit:
    unit, created = OrgUnit.objects.get_or_create(parent=parent, name=name, defaults={"kind": kind, "code": code})
    if not created and (unit.kind != kind or (code and unit.code != code)):
        unit.kind = kind
        unit.code = code or unit.code
        unit.save()
    return unit


def grant_role(*, user: User, role: str, org_unit: OrgUnit) -> RoleGrant:
    grant, _ = RoleGrant.objects.get_or_create(user=user, role=role, org_unit=org_unit)
    if hasattr(user, "_grants_cache"):
        del user._grants_cache
    return grant
