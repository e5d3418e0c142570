"""Reads shared by the API, the consumers and the board: permissions, recusal, what a judge sees."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import CharField, Count, ExpressionWrapper, F, OuterRef, Q, Subquery
from django.db.models.functions import Length

from accounts.models import OrgUnit, Role, User
from accounts.selectors import containing, has_role, is_admin
from experts import selectors as experts_selectors
from miniprogram_api.errors import forbidden, not_found

from . import scoring
from .models import (
    Appeal,
    Aspect,
    AuditLog,
    Contest,
    ContestBoard,
    Entry,
    EntryMember,
    Event,
    Mark,
    ModerationRequest,
    PanelMember,
    PublishedResult,
    SheetSubmission,
)

JURY_ROLES = (Role.CHIEF_JUDGE, Role.ARBITRATOR)


# --- recusal (执裁回避) ------------------------------------------------------------------------------
def studio_or_team_ids() -> set[int]:
    return set(OrgUnit.objects.filter(kind__in=[OrgUnit.Kind.STUDIO, OrgUnit.Kind.TEAM])
               .values_list("id", flat=True))


def affiliation(path: str | None, studio_or_team: set[int]) -> int | None:
    """The outermost studio-or-team on a unit's path (the studio when there is one, else the team);
    None for a unit that belongs to no studio or team (the bureau, the base)."""
    if not path:
        return None
    for part in path.strip("/").split("/"):
        if part and int(part) in studio_or_team:
            return int(part)
    return None


def affiliation_sql(path_ref: str) -> Subquery:
    """`affiliation()` as a subquery on the unit path in `path_ref` (e.g. "org_unit__path"): the
    outermost studio-or-team unit whose path starts that path. The hot paths (a mark, the board) annotate
    their rows with it instead of reading every studio and team first; tests check it gives what
    `affiliation()` gives for every unit."""
    outer = ExpressionWrapper(OuterRef(path_ref), output_field=CharField())
    return Subquery(OrgUnit.objects.filter(kind__in=[OrgUnit.Kind.STUDIO, OrgUnit.Kind.TEAM])
                    .annotate(outer=outer).filter(outer__startswith=F("path"))
                    .order_by(Length("path")).values("id")[:1])


def same_affiliation(judge_affiliation: int | None, entry_affiliation: int | None) -> bool:
    """Recusal from two affiliations (what `is_recused` decides from two paths)."""
    return judge_affiliation is not None and judge_affiliation == entry_affiliation


def is_recused(judge_path: str | None, entry_path: str | None, studio_or_team: set[int]) -> bool:
    """A judge steps aside from a contestant of the same studio or team (see docs/SCORING.md)."""
    mine = affiliation(judge_path, studio_or_team)
    return mine is not None and mine == affiliation(entry_path, studio_or_team)


# The roster's avoidance lists (回避单位 / 回避人员, issue 15): a judge whose expert record declares the
# contestant's unit (or a unit containing it) or the contestant — for a team, any of its members — is
# recused too. Read once per panel (`declared_avoidance`), never per entry; the mark path reads them only
# for judges that have any, and team members (`team_members`) only when one of those avoids a person.
Declared = experts_selectors.Declared
declares_avoidance = experts_selectors.declares_avoidance
NO_MEMBERS: frozenset[int] = frozenset()


def declared_avoidance(judge_ids) -> dict[int, Declared]:
    """Judge id → their declared avoidance, for the judges that have one (one query)."""
    return experts_selectors.declared_avoidance(judge_ids)


def avoids_persons(declared: Iterable[Declared | None]) -> bool:
    return any(d is not None and d.person_ids for d in declared)


def team_members(team_entry_ids: Iterable[int], declared: Iterable[Declared | None]) -> dict[int, frozenset[int]]:
    """Team entry id → its members' user ids (the captain included), for recusal by a declared person
    avoidance: one query, and none at all when no team entry is given or no judge of `declared` avoids a
    person (an individual event, or a panel without 回避人员, costs nothing)."""
    ids = list(team_entry_ids)
    if not ids or not avoids_persons(declared):
        return {}
    return {entry_id: frozenset(members) for entry_id, members in _members_of(ids).items()}


def _members_of(team_entry_ids: list[int]) -> dict[int, list[int]]:
    """Team entry id → its members' user ids in the team's order (one query)."""
    found: dict[int, list[int]] = {}
    for entry_id, member_id in (EntryMember.objects.filter(entry_id__in=team_entry_ids)
                                .order_by("entry_id", "order", "id").values_list("entry_id", "member_id")):
        found.setdefault(entry_id, []).append(member_id)
    return found


def declared_covers(declared: Declared | None, *, unit_path: str | None, unit_name: str,
                    contestant_id: int | None, member_ids: Iterable[int] = NO_MEMBERS) -> bool:
    """Does the declared avoidance cover the entry: its unit, its contestant, or any of its team members?"""
    if declared is None:
        return False
    return (declared.covers(unit_path=unit_path, unit_name=unit_name, person_id=contestant_id)
            or not declared.person_ids.isdisjoint(member_ids))


def recused_from(judge: User, entry: Entry, studio_or_team: set[int], declared: dict[int, Declared],
                 members: dict[int, frozenset[int]]) -> bool:
    """The whole recusal rule for one judge and one entry: same studio or team, or declared avoidance
    (`members`: `team_members` of the entries being decided)."""
    unit = entry.org_unit
    return is_recused(user_path(judge), entry_path(entry), studio_or_team) or declared_covers(
        declared.get(judge.pk), unit_path=unit.path if unit is not None else None,
        unit_name=unit.name if unit is not None else "", contestant_id=entry.contestant_id,
        member_ids=members.get(entry.pk, NO_MEMBERS))


def entries_members(entries: Iterable[Entry], declared: dict[int, Declared]) -> dict[int, frozenset[int]]:
    """`team_members` for Entry rows (the ones with a team name)."""
    return team_members([e.pk for e in entries if e.team_name], declared.values())


def seat_recused(judge_affiliation: int | None, declared: Declared | None, entry: dict) -> bool:
    """`recused_from` on the board's plain rows: the judge's affiliation and declared avoidance against
    an entry row (`affiliation`, `unit_path`, `unit`, `contestant_id`, and `member_ids` for a team when a
    judge avoids a person)."""
    return same_affiliation(judge_affiliation, entry["affiliation"]) or declared_covers(
        declared, unit_path=entry.get("unit_path"), unit_name=entry.get("unit") or "",
        contestant_id=entry.get("contestant_id"), member_ids=entry.get("member_ids") or NO_MEMBERS)


def entry_path(entry: Entry) -> str | None:
    unit = entry.org_unit  # None without a query when org_unit_id is None
    return unit.path if unit is not None else None


def user_path(user: User) -> str | None:
    unit = user.primary_org_unit
    return unit.path if unit else None


# --- permissions -----------------------------------------------------------------------------------
def can_see_jury(user: User, contest: Contest) -> bool:
    """Jury board and exports: chief judges, arbitrators and admins of the organising unit, and the
    chief judge of any of the contest's events."""
    if has_role(user, JURY_ROLES, contest.org_unit):
        return True
    return PanelMember.objects.filter(event__contest=contest, judge=user, is_chief=True).exists()


def is_chief(user: User, event: Event) -> bool:
    if has_role(user, Role.CHIEF_JUDGE, event.contest.org_unit):
        return True
    return PanelMember.objects.filter(event=event, judge=user, is_chief=True).exists()


def require_chief(user: User, event: Event) -> None:
    if not is_chief(user, event):
        raise forbidden("只有本项目的裁判长可以执行此操作", code="not_chief_judge")


def require_arbitrator(user: User, contest: Contest) -> None:
    if not has_role(user, Role.ARBITRATOR, contest.org_unit):
        raise forbidden("只有监督仲裁组可以裁决申诉", code="not_arbitrator")


def visible_contests(user: User):
    """Contests under way or over (any event past draft), plus those the user judges or runs."""
    from django.db.models import Q

    qs = Contest.objects.select_related("org_unit")
    if is_admin(user):
        return qs
    jury_units = [unit for unit in OrgUnit.objects.filter(
        id__in=[uid for role, uid, _ in _grants(user) if role in JURY_ROLES])]
    query = Q(events__state__in=[Event.State.OPEN, Event.State.LOCKED, Event.State.PUBLISHED]) | Q(
        events__panel__judge=user) | Q(events__state=Event.State.DRAFT, events__signup_open=True)  # sign-up
    for unit in jury_units:
        query |= Q(org_unit__path__startswith=unit.path)
    return qs.filter(query).distinct()


def _grants(user: User):
    from accounts.selectors import grants_of

    return grants_of(user)


def get_contest(user: User, contest_id: int) -> Contest:
    contest = visible_contests(user).filter(pk=contest_id).first()
    if contest is None:
        raise not_found("比武")
    return contest


def get_event(event_id: int) -> Event:
    event = Event.objects.select_related("contest__org_unit").filter(pk=event_id).first()
    if event is None:
        raise not_found("比赛项目")
    return event


def contest_detail(user: User, contest: Contest) -> dict:
    staff = can_see_jury(user, contest)
    panel_events = set(PanelMember.objects.filter(event__contest=contest, judge=user).values_list("event_id", flat=True))
    events = [e for e in contest.events.prefetch_related("sections__aspects").order_by("order", "id")
              if e.state != Event.State.DRAFT or staff or e.id in panel_events or e.signup_open]
    return {
        "id": contest.id, "name": contest.name, "venue": contest.venue, "starts_at": contest.starts_at,
        "freeze_at": contest.freeze_at, "appeal_window_minutes": contest.appeal_window_minutes,
        "events": [event_summary(e) for e in events],
    }


def event_summary(event: Event) -> dict:
    return {
        "id": event.id, "name": event.name, "state": event.state, "aggregation": event.aggregation,
        "trim_k": event.trim_k, "tolerance": event.tolerance, "locked_at": event.locked_at,
        "published_at": event.published_at, "appeal_deadline": event.appeal_deadline,
        "participation": event.participation, "team_min": event.team_min, "team_max": event.team_max,
        "kind": event.kind, "previous_round_id": event.previous_round_id, "qualifiers": event.qualifiers,
        "carry_share": event.carry_share, "min_skill_level": event.min_skill_level, "unit_quota": event.unit_quota,
        "signup_open": event.signup_open and event.state == Event.State.DRAFT,
        "sections": [
            {"id": s.id, "name": s.name, "order": s.order, "weight": s.weight,
             "aspects": [{"id": a.id, "name": a.name, "kind": a.kind, "max_mark": a.max_mark,
                          "scale_max": a.scale_max if a.kind == Aspect.Kind.JUDGEMENT else None}
                         for a in s.aspects.all()]}
            for s in event.sections.all()
        ],
    }


# --- the judge's phone -----------------------------------------------------------------------------
def assignments(user: User) -> dict:
    """My events, their entries (codes only) and aspects, and my own marks: never anyone else's."""
    members = list(PanelMember.objects.filter(judge=user).exclude(event__state=Event.State.DRAFT)
                   .select_related("event__contest").order_by("event__contest_id", "event__order", "event_id"))
    event_ids = [m.event_id for m in members]
    st = studio_or_team_ids()
    declared = declared_avoidance([user.pk])
    entries: dict[int, list[Entry]] = {}
    for entry in Entry.objects.filter(event_id__in=event_ids).exclude(code="").select_related("org_unit").order_by("code"):
        entries.setdefault(entry.event_id, []).append(entry)
    in_teams = entries_members([e for found in entries.values() for e in found], declared)
    aspects: dict[int, list[Aspect]] = {}
    for aspect in Aspect.objects.filter(section__event_id__in=event_ids).select_related("section").order_by(
            "section__order", "section_id", "order", "id"):
        aspects.setdefault(aspect.section.event_id, []).append(aspect)
    submitted = set(SheetSubmission.objects.filter(judge=user, entry__event_id__in=event_ids)
                    .values_list("entry_id", flat=True))
    latest: dict[tuple[int, int], Mark] = {}
    for mark in Mark.objects.filter(judge=user, event_id__in=event_ids).order_by("id"):
        latest[(mark.entry_id, mark.aspect_id)] = mark
    remarks: dict[int, list[dict]] = {}
    for req in ModerationRequest.objects.filter(event_id__in=event_ids, status=ModerationRequest.Status.OPEN):
        if user.id in req.judges:
            remarks.setdefault(req.event_id, []).append(
                {"id": req.id, "entry_id": req.entry_id, "aspect_id": req.aspect_id, "reason": req.reason,
                 "source": req.source})
    events = []
    for member in members:
        event = member.event
        events.append({
            "id": event.id, "name": event.name, "state": event.state, "contest_id": event.contest_id,
            "contest_name": event.contest.name, "role": "chief_judge" if member.is_chief else "judge",
            "entries": [{"id": e.id, "code": e.code, "recused": recused_from(user, e, st, declared, in_teams),
                         "submitted": e.id in submitted} for e in entries.get(event.id, [])],
            "aspects": [{"id": a.id, "section_id": a.section_id, "name": a.name, "kind": a.kind,
                         "max_mark": a.max_mark,
                         "scale_max": a.scale_max if a.kind == Aspect.Kind.JUDGEMENT else None}
                        for a in aspects.get(event.id, [])],
            "marks": [{"entry_id": m.entry_id, "aspect_id": m.aspect_id, "value": m.value, "revision": m.revision,
                       "client_id": m.client_id, "submitted": m.entry_id in submitted}
                      for (entry_id, _), m in latest.items() if m.event_id == event.id],
            "remarks": remarks.get(event.id, []),
        })
    return {"events": events}


def pending_remarks_for(user: User) -> list[dict]:
    return [
        {"id": r.id, "event_id": r.event_id, "entry_id": r.entry_id, "code": r.entry.code,
         "aspect_id": r.aspect_id, "reason": r.reason, "source": r.source}
        for r in ModerationRequest.objects.filter(status=ModerationRequest.Status.OPEN, event__panel__judge=user)
        .select_related("entry").distinct()
        if user.id in r.judges
    ]


# --- results, for other apps (apprenticeship evidence) -------------------------------------------------
def published_events_of(contestant: User, *, before: datetime | None = None) -> list[Event]:
    """Published events in which `contestant` had an entry (published before `before`), with contests."""
    events = Event.objects.filter(Q(entries__contestant=contestant) | Q(entries__members__member=contestant),
                                  state=Event.State.PUBLISHED)  # a team's members too (issue 17)
    if before is not None:
        events = events.filter(published_at__lt=before)
    return list(events.distinct().select_related("contest").order_by("published_at", "id"))


def entries_of(event: Event, *, contestant: User | None = None) -> list[Entry]:
    entries = Entry.objects.filter(event=event).select_related("contestant")
    if contestant is not None:  # the contestant's own entry, or the team they are a member of (issue 17)
        entries = entries.filter(Q(contestant=contestant) | Q(members__member=contestant)).distinct()
    return list(entries.order_by("id"))


def published_results(event: Event) -> dict[int, dict]:
    """Entry id → {"rank", "total"} as the jury board shows the event (the published result once the
    event is published), read from the contest's stored board."""
    state = ContestBoard.objects.filter(contest_id=event.contest_id).values_list("state", flat=True).first() or {}
    rows = state.get("events", {}).get(str(event.pk), {}).get("jury_rows", [])
    return {row["entry_id"]: {"rank": row["rank"], "total": row["total"]} for row in rows}


def publisher_of(event: Event) -> User | None:
    """Whoever published the event last (the chief judge who vouches for its results)."""
    publish = AuditLog.objects.filter(event=event, action=AuditLog.Action.PUBLISH).select_related("actor") \
        .order_by("-id").first()
    return publish.actor if publish else None


# --- the contest pages and the jury's views --------------------------------------------------------------
def contest_list(user: User) -> list[Contest]:
    return list(visible_contests(user).prefetch_related("events"))


def jury_contest(user: User, contest_id: int) -> Contest:
    """A contest whose jury views (jury board, audit log, appeals, exports) the user may open."""
    contest = Contest.objects.select_related("org_unit").filter(pk=contest_id).first()
    if contest is None:
        raise not_found("比武")
    if not can_see_jury(user, contest):
        raise forbidden("只有裁判长、监督仲裁和管理员可以查看", code="not_jury")
    return contest


def audit_log(contest: Contest) -> list[AuditLog]:
    return list(AuditLog.objects.filter(contest=contest).select_related("actor").order_by("id"))


def appeals_of(contest: Contest) -> list[Appeal]:
    return list(Appeal.objects.filter(entry__event__contest=contest).prefetch_related("remark_requests")
                .order_by("id"))


def remark_requests_of(event: Event) -> list[ModerationRequest]:
    return list(ModerationRequest.objects.filter(event=event).order_by("id"))


# --- websocket consumers ---------------------------------------------------------------------------------
async def board_exists(contest_id: int) -> bool:
    return await ContestBoard.objects.filter(contest_id=contest_id).aexists()


def may_see_jury(user: User, contest_id: int) -> bool | None:
    """Whether the user may watch the contest's jury board; None when there is no such contest."""
    contest = Contest.objects.select_related("org_unit").filter(pk=contest_id).first()
    return None if contest is None else can_see_jury(user, contest)


def judged_event_ids(user: User) -> list[int] | None:
    """The events a judge sits on (possibly none yet); None for someone who is no judge at all."""
    events = list(PanelMember.objects.filter(judge=user).values_list("event_id", flat=True))
    if not events and not has_role(user, (Role.JUDGE, Role.CHIEF_JUDGE)):
        return None
    return events


def result_versions(contest: Contest) -> list[PublishedResult]:
    """Every published version of the contest's events' results, oldest first (public once published)."""
    return list(PublishedResult.objects.filter(event__contest=contest).select_related("event", "published_by")
                .order_by("event__order", "event_id", "version"))
# --- for evaluations (issue 15): a contest as a survey target and its contestants as an audience ----------
def contest_brief(contest_id: int) -> dict | None:
    contest = Contest.objects.filter(pk=contest_id).select_related("org_unit").first()
    if contest is None:
        return None
    return {"id": contest.pk, "name": contest.name, "org_unit_id": contest.org_unit_id,
            "org_unit_path": contest.org_unit.path}


def contestant_ids(contest_id: int):
    """User ids with an entry in any event of the contest, team members included (a subquery: use it in
    `pk__in`)."""
    return User.objects.filter(Q(contest_entries__event__contest_id=contest_id)
                               | Q(contest_teams__event__contest_id=contest_id)).values("pk")
# --- supervision (issue 16) ------------------------------------------------------------------------------
def unit_summary(*, units: list[OrgUnit], start: datetime, end: datetime) -> dict[int, dict]:
    """Per unit (its subtree; units[0] covers the others): contests it organised starting in [start, end),
    their published events, the distinct contestants from the unit in contests starting then (team members
    counted by their own unit), and the awards its contestants won (latest published versions), in total
    and by tier. Five queries whatever the data."""
    root = units[0].path
    out: dict[int, dict] = {u.pk: {"held": 0, "events_published": 0, "contestants": 0, "awards": 0,
                                   "awards_by_tier": {}, "_people": set()} for u in units}
    for row in (Contest.objects.filter(org_unit__path__startswith=root, starts_at__gte=start, starts_at__lt=end)
                .values("id", "org_unit__path")
                .annotate(published=Count("events", filter=Q(events__published_at__isnull=False))).order_by()):
        for unit_id in containing(units, row["org_unit__path"]):
            out[unit_id]["held"] += 1
            out[unit_id]["events_published"] += row["published"]
    for path, contestant in (Entry.objects.filter(org_unit__path__startswith=root, event__contest__starts_at__gte=start,
                                                  event__contest__starts_at__lt=end)
                             .values_list("org_unit__path", "contestant_id").distinct()):
        for unit_id in containing(units, path):
            out[unit_id]["_people"].add(contestant)
    for path, member in (EntryMember.objects.filter(org_unit__path__startswith=root,
                                                    event__contest__starts_at__gte=start,
                                                    event__contest__starts_at__lt=end)
                         .values_list("org_unit__path", "member_id").distinct()):
        for unit_id in containing(units, path):
            out[unit_id]["_people"].add(member)
    for unit_id, counts in unit_awards(units=units, start=start, end=end).items():
        out[unit_id]["awards"] = counts["total"]
        out[unit_id]["awards_by_tier"] = {tier: n for tier, n in counts.items() if tier != "total"}
    for entry in out.values():
        entry["contestants"] = len(entry.pop("_people"))
    return out


# The contests' arithmetic for other apps (evaluations of standards): exact rationals, one rounding.
exact, round_half_up = scoring.exact, scoring.round_half_up


def panel_mean(values, *, trimmed: bool = True):
    """The contests' panel aggregation: the exact mean of Decimal marks, dropping the highest and lowest
    when 5 or more marked (competitions/scoring.py); None when empty."""
    return scoring.aggregate([scoring.exact(v) for v in values], "trimmed" if trimmed else "mean", 1)
# --- teams (issue 17): who an entry stands for, and its name ---------------------------------------------
def person_name(user: User) -> str:
    return user.display_name or user.username


def entry_name(entry: Entry) -> str:
    """An entry's name: the contestant, or 队名（队员、队员）."""
    if entry.team_name:
        return scoring.team_label(entry.team_name, entry.team_members)
    return person_name(entry.contestant)


def entry_people(entries) -> dict[int, list[int]]:
    """Entry id → the user ids it stands for: the contestant, or every member of a team (one query)."""
    out: dict[int, list[int]] = {e.pk: [e.contestant_id] for e in entries}
    team_ids = [e.pk for e in entries if e.team_name]
    if team_ids:
        out.update(_members_of(team_ids))
    return out


# --- awards (H5: competitions/awards.py) -------------------------------------------------------------------
def contest_awards(contest: Contest) -> dict:
    """Per published event of the contest, its award rule and the awards of its latest published version,
    and the counts per tier (nothing of an event before its publication)."""
    from . import awards

    return awards.contest_awards(contest)


def unit_awards(*, units: list[OrgUnit], start: datetime, end: datetime) -> dict[int, dict[str, int]]:
    """For supervision: per unit (its subtree), awards by tier and "total" in contests starting in
    [start, end) (the latest published version of each event). Two queries."""
    from . import awards

    return awards.unit_award_counts(units=units, start=start, end=end)


# --- award certificates, for the public check at /api/v1/certificates/{code} (apprenticeships serves it) ----
def award_certificate_by_code(code: str):
    """The award certificate with this code, None when there is none (410 certificate_revoked when revoked)."""
    from . import award_certificates

    return award_certificates.by_code(code)


def award_certificate_out(certificate) -> dict:
    from . import award_certificates

    return award_certificates.verification_out(certificate)


def award_certificate_png(certificate) -> bytes:
    from . import award_certificates

    return award_certificates.render_png(certificate)
