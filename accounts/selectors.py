"""Reads about people and permissions, shared by the API, the admin and the other apps.

Permission checks load a user's grants once per request (memoised on the user object) and answer
every "may this user do R on unit U" question from that list: a grant on a unit covers its subtree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

from django.db import connections
from django.db.models import Q
from django.utils import timezone

from miniprogram_api.errors import ApiError, forbidden, not_found

from .models import ApiToken, OrgUnit, Role, RoleGrant, User, WechatIdentity


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def user_for_token(raw: str) -> tuple[User, ApiToken]:
    """The user behind a bearer token, or a 401 saying why not."""
    if not raw or len(raw) > 200:
        raise ApiError("invalid_token", "登录凭证无效，请重新登录", status=401)
    token = _token_with_user(hash_token(raw))
    if token is None:
        raise ApiError("invalid_token", "登录凭证无效，请重新登录", status=401)
    if token.revoked_at is not None:
        raise ApiError("token_revoked", "登录凭证已注销，请重新登录", status=401)
    if token.expires_at <= timezone.now():
        raise ApiError("token_expired", "登录已过期，请重新登录", status=401)
    if not token.user.is_active:
        raise ApiError("user_disabled", "账号已停用，请联系管理员", status=403)
    return token.user, token


@lru_cache(maxsize=4)
def _token_query(alias: str):
    """The token-and-user lookup compiled by the ORM once per process and database: every authenticated
    request runs it, and compiling it cost more CPU than PostgreSQL spends answering it (py-spy on
    GET /api/v1/ping, issue 13). The ORM's own converters are kept, so the objects are what
    `select_related("user")` would build, on PostgreSQL and SQLite alike."""
    token_fields, user_fields = ApiToken._meta.concrete_fields, User._meta.concrete_fields
    probe = "\x00probe"
    queryset = (ApiToken.objects.using(alias).filter(key_hash=probe)
                .values_list(*[f.name for f in token_fields], *[f"user__{f.name}" for f in user_fields])[:1])
    compiler = queryset.query.get_compiler(alias)
    sql, params = compiler.as_sql()
    assert tuple(params) == (probe,), params
    converters = compiler.get_converters([column[0] for column in compiler.select])
    return sql, converters, [f.attname for f in token_fields], [f.attname for f in user_fields]


def _token_with_user(key_hash: str, alias: str = "default") -> ApiToken | None:
    sql, converters, token_names, user_names = _token_query(alias)
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(sql, [key_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for index, (functions, expression) in converters.items():
        for convert in functions:
            values[index] = convert(values[index], expression, connection)
    token = ApiToken.from_db(alias, token_names, values[:len(token_names)])
    token.user = User.from_db(alias, user_names, values[len(token_names):])
    return token


def grants_of(user: User) -> list[tuple[str, int, str]]:
    """(role, org_unit_id, org_unit_path) for every grant of the user, loaded once per user object."""
    cached = getattr(user, "_grants_cache", None)
    if cached is None:
        cached = list(RoleGrant.objects.filter(user=user).values_list("role", "org_unit_id", "org_unit__path"))
        user._grants_cache = cached
    return cached


def is_admin(user: User) -> bool:
    return bool(user.is_superuser) or any(role == Role.ADMIN for role, _, _ in grants_of(user))


def has_role(user: User, roles: str | Iterable[str], unit: OrgUnit | str | None = None) -> bool:
    """Does the user hold one of `roles` on `unit` (or anywhere, when unit is None)?

    `unit` may be an OrgUnit or its path. Admins hold every role everywhere.
    """
    if is_admin(user):
        return True
    wanted = {roles} if isinstance(roles, str) else set(roles)
    path = unit.path if isinstance(unit, OrgUnit) else unit
    for role, _, grant_path in grants_of(user):
        if role in wanted and (path is None or path.startswith(grant_path)):
            return True
    return False


def scope_paths(user: User, roles: str | Iterable[str]) -> list[str] | None:
    """Paths of the units where the user holds one of `roles`; None means everywhere (admin)."""
    if is_admin(user):
        return None
    wanted = {roles} if isinstance(roles, str) else set(roles)
    return [path for role, _, path in grants_of(user) if role in wanted]


def scope_q(user: User, roles: str | Iterable[str], path_field: str) -> Q:
    """A filter restricting rows to those whose org-unit path (at `path_field`) lies in the user's scope."""
    paths = scope_paths(user, roles)
    if paths is None:
        return Q()
    if not paths:
        return Q(pk__in=[])
    query = Q()
    for path in paths:
        query |= Q(**{f"{path_field}__startswith": path})
    return query


def units_within(unit: OrgUnit):
    return OrgUnit.objects.filter(path__startswith=unit.path)


def ancestor_paths(path: str) -> list[str]:
    """Every unit path that covers `path` (itself included): "/1/4/9/" → ["/1/", "/1/4/", "/1/4/9/"]."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def grant_holders(role: str) -> list[tuple[str, User]]:
    """(unit path, user) for every active user's grant of `role`: to match many units in one query."""
    return [(grant.org_unit.path, grant.user) for grant in
            RoleGrant.objects.filter(role=role, user__is_active=True).select_related("user", "org_unit")
            .order_by("user_id", "id")]


def holders_over(role: str, path: str | None) -> list[User]:
    """Active users whose grant of `role` covers the unit at `path` (every holder when `path` is None)."""
    grants = RoleGrant.objects.filter(role=role, user__is_active=True)
    if path is not None:
        grants = grants.filter(org_unit__path__in=ancestor_paths(path))
    return list(User.objects.filter(pk__in=grants.values("user_id")).order_by("id"))


def has_wechat_identity(user_id: int) -> bool:
    """Has the account logged in from WeChat (an account made beforehand has not, until it is bound)?"""
    return WechatIdentity.objects.filter(user_id=user_id).exists()


def mask_phone(phone: str) -> str:
    """138****8000: the first three and last four digits, for everyone but the owner and admins."""
    if not phone:
        return ""
    if len(phone) < 8:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


# --- unmasked phone numbers handed to somebody else (issue 18's access log) ------------------------------
# Whatever builds an answer that carries another person's full phone number notes whose it is; the access
# log's middleware (audit.middleware.PhoneAccessLog, above this app) collects the notes of one request and
# records one entry per answer. Outside a request (a job, a shell) nothing is collected.
_revealed: ContextVar[set[str] | None] = ContextVar("shixun_revealed_phones", default=None)


def note_unmasked_phone(target: str) -> None:
    """Note that the answer being built carries the full phone number of `target` ("user:12", "expert:3")."""
    revealed = _revealed.get()
    if revealed is not None:
        revealed.add(target)


@contextmanager
def collecting_unmasked_phones() -> Iterator[set[str]]:
    """Collect the notes made while the block runs (one request)."""
    revealed: set[str] = set()
    token = _revealed.set(revealed)
    try:
        yield revealed
    finally:
        _revealed.reset(token)


def visible_phone(owner: User, viewer: User) -> str:
    """The owner's phone as the viewer may see it: whole for the owner and admins (an admin's read of
    someone else's is noted for the access log), masked for everyone else."""
    if owner.pk == viewer.pk:
        return owner.phone
    if is_admin(viewer):
        if owner.phone:
            note_unmasked_phone(f"user:{owner.pk}")
        return owner.phone
    return mask_phone(owner.phone)


def user_summary(user: User, viewer: User | None = None) -> dict:
    """The user as the mini-program sees them: id, name, roles; phone masked unless it is theirs."""
    viewer = viewer or user
    return {
        "id": user.pk,
        "name": user.name,
        "phone": visible_phone(user, viewer),
        "roles": [{"role": role, "org_unit_id": unit_id} for role, unit_id, _ in grants_of(user)],
    }


# --- supervision's scope (issue 16): the one function every supervision figure and export goes through --
SUPERVISION_ROLES = (Role.SUPERVISOR, Role.WORKSHOP_LEADER)


def supervised_unit(user: User, unit_id: int | None = None) -> OrgUnit:
    """The unit whose figures the caller asked for (`unit_id`), or by default the top unit of their scope:
    supervisors (监管) and workshop leaders see the subtrees of their grants, admins everything. A unit
    outside the caller's scope is the same 404 as a missing one; a caller with no such grant gets a 403."""
    paths = scope_paths(user, SUPERVISION_ROLES)
    if paths is not None and not paths:
        raise forbidden("只有监管人员、工作室负责人和管理员可以查看监管数据")
    if unit_id is None:
        units = OrgUnit.objects.order_by("path")
        if paths is None:
            unit = units.filter(parent__isnull=True).order_by("id").first()
        else:
            unit = min(units.filter(path__in=paths), key=lambda u: (u.path.count("/"), u.path), default=None)
        if unit is None:
            raise not_found("组织单位")
        return unit
    unit = OrgUnit.objects.filter(pk=unit_id).first()
    if unit is None or (paths is not None and not any(unit.path.startswith(p) for p in paths)):
        raise not_found("组织单位")
    return unit


def containing(units: Iterable[OrgUnit], path: str | None) -> list[int]:
    """Ids of the `units` whose subtree holds the unit at `path` (to roll rows grouped by unit up to
    several levels at once: the dashboard's unit and each unit under it)."""
    if not path:
        return []
    return [unit.pk for unit in units if path.startswith(unit.path)]
