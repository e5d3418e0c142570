"""Reads of the roster, shared by the API and by higher apps (competitions, evaluations,
standard_evaluations): who qualifies for a draw, who is an active judge, whom an expert must avoid."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from accounts.models import OrgUnit, Role, User
from accounts.selectors import has_role, has_wechat_identity

from .models import Avoidance, Category, Certification, Draw, Expert, ExpertCategory, Seat, Speciality


def can_manage(user: User) -> bool:
    """Roster managers (review applications, draw, answer for outside experts, export, see phones):
    holders of the 专家库管理员 role on any unit (the roster is one for the whole bureau) and admins."""
    return has_role(user, Role.ROSTER_MANAGER)


def my_certifications(user: User) -> list[Certification]:
    return list(Certification.objects.filter(expert__user=user).order_by("expires_on", "id"))


def expert_of(user: User) -> Expert | None:
    return Expert.objects.filter(user=user).first()


def speciality_tree() -> list[Speciality]:
    return list(Speciality.objects.order_by("order", "id"))


def with_descendants(speciality_ids: Iterable[int]) -> set[int]:
    """The given speciality ids and every node below them (the tree is small: one query)."""
    rows = list(Speciality.objects.values_list("id", "parent_id"))
    children: dict[int | None, list[int]] = {}
    for node, parent in rows:
        children.setdefault(parent, []).append(node)
    found: set[int] = set()
    stack = [i for i in speciality_ids if any(i == node for node, _ in rows)]
    while stack:
        node = stack.pop()
        if node not in found:
            found.add(node)
            stack.extend(children.get(node, []))
    return found


def roster(*, speciality_id: int | None = None, category: str | None = None, status: str | None = None,
           q: str = "") -> QuerySet[Expert]:
    experts = Expert.objects.select_related("org_unit").prefetch_related(
        "specialities", Prefetch("categories", queryset=ExpertCategory.objects.order_by("category")))
    if speciality_id is not None:
        experts = experts.filter(specialities__in=with_descendants([speciality_id]))
    if category:
        experts = experts.filter(categories__category=category)
    if status:
        experts = experts.filter(status=status)
    if q:
        experts = experts.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(unit_name__icontains=q))
    return experts.distinct().order_by("code")


def expert_record(expert_id: int) -> Expert | None:
    return (Expert.objects.select_related("org_unit", "user")
            .prefetch_related("specialities", "categories", "certifications", "avoidances__org_unit",
                              "avoidances__person", "engagements", "ratings")
            .filter(pk=expert_id).first())


def unit_label(expert: Expert) -> str:
    return expert.unit_name or (expert.org_unit.name if expert.org_unit else "")


# --- avoidance ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Conflicts:
    """What a panel must avoid: units (the contestants', the evaluated one) and persons."""

    unit_paths: tuple[str, ...] = ()
    unit_names: tuple[str, ...] = ()
    person_ids: tuple[int, ...] = ()

    @classmethod
    def of(cls, *, unit_ids: Iterable[int] = (), person_ids: Iterable[int] = ()) -> Conflicts:
        units = list(OrgUnit.objects.filter(pk__in=list(unit_ids)).values_list("path", "name"))
        return cls(unit_paths=tuple(p for p, _ in units), unit_names=tuple(n for _, n in units),
                   person_ids=tuple(person_ids))


WORK_UNITS = (OrgUnit.Kind.STUDIO, OrgUnit.Kind.TEAM)


def _within(path: str | None, ancestors: Sequence[str]) -> bool:
    return bool(path) and any(path.startswith(a) for a in ancestors)  # type: ignore[union-attr]


def avoidance_reason(expert: Expert, conflicts: Conflicts) -> str | None:
    """Why the expert must step aside, or None. The expert's own unit inside an avoided unit (or an
    outside unit of the same name), or an avoided unit inside the expert's studio or team; the expert among the avoided persons; the expert's declared
    avoidance list naming an avoided unit (or a unit containing it, or inside it) or person.
    Needs `avoidances` prefetched with their org_unit."""
    own = expert.org_unit if expert.org_unit_id else None
    own_path = own.path if own else None
    if _within(own_path, conflicts.unit_paths):
        return "本人所在单位需回避"
    # A studio's or team's expert also avoids the units inside it (a studio master and a contestant of
    # one of its teams); an expert placed at a base or the bureau does not avoid everything below.
    if own is not None and own.kind in WORK_UNITS and any(p.startswith(own.path) for p in conflicts.unit_paths):
        return "本人所在单位需回避"
    if expert.unit_name and expert.unit_name in conflicts.unit_names:
        return "本人所在单位需回避"
    if expert.user_id and expert.user_id in conflicts.person_ids:
        return "本人为当事人"
    for avoid in expert.avoidances.all():
        if avoid.org_unit is not None and any(
                avoid.org_unit.path.startswith(p) or p.startswith(avoid.org_unit.path) for p in conflicts.unit_paths):
            return f"回避单位：{avoid.org_unit.name}"
        if avoid.unit_name and avoid.unit_name in conflicts.unit_names:
            return f"回避单位：{avoid.unit_name}"
        if avoid.person_id and avoid.person_id in conflicts.person_ids:
            return "回避人员"
    return None


def with_avoidances(expert: Expert) -> Expert:
    """The expert again, with what avoidance_reason needs loaded."""
    return (Expert.objects.select_related("org_unit")
            .prefetch_related(Prefetch("avoidances", queryset=Avoidance.objects.select_related("org_unit")))
            .get(pk=expert.pk))


@dataclass(frozen=True)
class Declared:
    """What a roster expert declared they must avoid (回避单位 / 回避人员), as recusal elsewhere reads it:
    the avoided units of the org tree (paths: the unit and everything inside it), outside units by name,
    and persons."""

    unit_paths: tuple[str, ...] = ()
    unit_names: frozenset[str] = frozenset()
    person_ids: frozenset[int] = frozenset()

    def covers(self, *, unit_path: str | None, unit_name: str = "", person_id: int | None = None) -> bool:
        """Must the expert avoid this party (a contestant `person_id` of the unit at `unit_path`)?"""
        if person_id is not None and person_id in self.person_ids:
            return True
        if unit_path and any(unit_path.startswith(p) for p in self.unit_paths):
            return True
        return bool(unit_name) and unit_name in self.unit_names


def declares_avoidance(user_ref: str) -> Exists:
    """An annotation: does the user in `user_ref` (e.g. "judge_id") have a roster entry with any declared
    avoidance? Lets a hot path (a mark) read the lists only when a judge has one."""
    return Exists(Avoidance.objects.filter(expert__user_id=OuterRef(user_ref)))


def declared_avoidance(user_ids: Iterable[int]) -> dict[int, Declared]:
    """User id → their roster entry's declared avoidance, for the users that have one (one query whatever
    the number of users). Users not on the roster, or without avoidance, are left out."""
    rows: dict[int, tuple[list[str], set[str], set[int]]] = {}
    for user_id, path, name, person in (Avoidance.objects.filter(expert__user_id__in=list(user_ids))
                                        .values_list("expert__user_id", "org_unit__path", "unit_name", "person_id")):
        paths, names, persons = rows.setdefault(user_id, ([], set(), set()))
        if path:
            paths.append(path)
        if name:
            names.add(name)
        if person is not None:
            persons.add(person)
    return {user_id: Declared(unit_paths=tuple(paths), unit_names=frozenset(names), person_ids=frozenset(persons))
            for user_id, (paths, names, persons) in rows.items()}


# --- draws -------------------------------------------------------------------------------------------
def qualified(*, speciality_ids: Sequence[int], categories: Sequence[str], conflicts: Conflicts) -> list[Expert]:
    """Active experts having one of the specialities (or a node below) and one of the categories (each
    filter only when given), without a conflict; sorted by code — the draw's candidate list."""
    experts = (Expert.objects.filter(status=Expert.Status.ACTIVE).select_related("org_unit")
               .prefetch_related(Prefetch("avoidances", queryset=Avoidance.objects.select_related("org_unit"))))
    if speciality_ids:
        experts = experts.filter(specialities__in=with_descendants(speciality_ids))
    if categories:
        experts = experts.filter(categories__category__in=list(categories))
    return [e for e in experts.distinct().order_by("code") if avoidance_reason(e, conflicts) is None]


def draw_order(seed: str, codes: Sequence[str]) -> list[str]:
    """The documented draw (docs/adr/0031): candidates sorted by sha256(f"{seed}:{code}") in hex,
    ascending. Anyone with the recorded seed and candidate codes can recompute it with any sha256 tool."""
    return sorted(codes, key=lambda code: (hashlib.sha256(f"{seed}:{code}".encode()).hexdigest(), code))


def draw_detail(draw_id: int) -> Draw | None:
    return (Draw.objects.prefetch_related(Prefetch("seats", queryset=Seat.objects.select_related("expert")
                                                   .order_by("position")))
            .filter(pk=draw_id).first())


def draws_for_subject(subject: str) -> list[Draw]:
    """The draws another app made for one of its things (its `subject`), oldest first, with their seats."""
    return list(Draw.objects.prefetch_related(Prefetch("seats", queryset=Seat.objects.select_related("expert")
                                                       .order_by("position")))
                .filter(subject=subject).order_by("id"))


def verify_draw(draw: Draw) -> dict:
    """Re-run a recorded draw from its seed and candidate list and compare with the seats it made."""
    codes = [c["code"] for c in draw.candidates]
    order = draw_order(draw.seed, codes)
    expected_members = order[:draw.count]
    expected_backups = order[draw.count:draw.count + draw.backups]
    seats = list(draw.seats.all())
    members = [s.expert.code for s in seats if not s.is_backup]
    backups = [s.expert.code for s in seats if s.is_backup]
    return {"draw_id": draw.pk, "algorithm": draw.algorithm, "seed": draw.seed, "candidates": codes,
            "expected_members": expected_members, "expected_backups": expected_backups,
            "recorded_members": members, "recorded_backups": backups,
            "matches": members == expected_members and backups == expected_backups}


def my_seats(user: User) -> list[Seat]:
    return list(Seat.objects.filter(expert__user=user).exclude(status=Seat.Status.STANDBY)
                .select_related("draw", "expert").order_by("-draw_id", "position"))


def confirmed_judges(subject: str) -> list[Seat]:
    return list(Seat.objects.filter(draw__subject=subject, status=Seat.Status.CONFIRMED).select_related("expert"))


def is_active_in_category(user: User, category: str) -> bool:
    """Is this user an active expert of the category (e.g. 裁判 for contest panels)?"""
    return Expert.objects.filter(user=user, status=Expert.Status.ACTIVE, categories__category=category).exists()


def expert_in_category(expert_id: int, category: str) -> Expert | None:
    """The active expert of the category with this id (a user or an outside person), else None."""
    return (Expert.objects.filter(pk=expert_id, status=Expert.Status.ACTIVE, categories__category=category)
            .select_related("user", "org_unit").first())


def is_bound(expert: Expert) -> bool:
    """Has the expert an account that has logged in (a WeChat identity)? Outside experts' accounts made
    by a panel have none until they bind it."""
    return expert.user_id is not None and has_wechat_identity(expert.user_id)


def active_judge_user_ids(user_ids: Iterable[int]) -> set[int]:
    return set(Expert.objects.filter(user_id__in=list(user_ids), status=Expert.Status.ACTIVE,
                                     categories__category=Category.JUDGE).values_list("user_id", flat=True))


# --- counts ------------------------------------------------------------------------------------------
def counts() -> dict:
    """Active experts by category and by top-level speciality (an expert counts once per node)."""
    active = Expert.objects.filter(status=Expert.Status.ACTIVE)
    by_category = dict(ExpertCategory.objects.filter(expert__in=active).values_list("category")
                       .annotate(n=Count("expert", distinct=True)).values_list("category", "n"))
    nodes = list(Speciality.objects.values_list("id", "parent_id", "name", "order"))
    parent = {node: p for node, p, _, _ in nodes}

    def top(node: int) -> int:
        while parent.get(node) is not None:
            node = parent[node]
        return node

    members: dict[int, set[int]] = {}
    for expert_id, spec_id in Expert.specialities.through.objects.filter(expert__in=active).values_list(
            "expert_id", "speciality_id"):
        members.setdefault(top(spec_id), set()).add(expert_id)
    roots = sorted((n for n in nodes if n[1] is None), key=lambda n: (n[3], n[0]))
    return {
        "total": active.count(),
        "by_category": [{"category": c.value, "label": c.label, "count": by_category.get(c.value, 0)}
                        for c in Category],
        "by_speciality": [{"speciality_id": n[0], "name": n[2], "count": len(members.get(n[0], ()))} for n in roots],
    }
