"""Team events (issue 17): an entry of 2–5 people with one code. The entry's `contestant` is the captain;
every member (the captain first) has an `EntryMember` row, which the database keeps unique per event, so
a person is in one team per event. Marks, results and the board are per entry, as for individuals; the
board, the results and apprenticeship evidence name the team and its members (docs/SCORING.md "Teams")."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, transaction

from accounts.models import User
from miniprogram_api.errors import conflict, unprocessable

from .models import Entry, EntryMember, Event, SignUp
from .scoring import team_label
from .selectors import affiliation, entry_name, person_name, studio_or_team_ids
from .selectors import entry_people as people_of

__all__ = ["entry_name", "people_of", "person_name", "team_label"]  # re-exported reads

TEAM_SIZE_LIMITS = (2, 5)


def check_team(event: Event, *, name: str, people: Sequence[User], exclude_signup: int | None = None) -> str:
    """The team rules, before anything is written: the event is a team event, the team has a name,
    `team_min`–`team_max` different people (2–5), none of them already in a team (or a pending or
    approved sign-up) of this event. Returns the stripped name."""
    if event.participation != "team":
        raise unprocessable("not_team_event", "该项目为个人赛，不能以队伍参赛")
    name = (name or "").strip()
    if not name:
        raise unprocessable("team_name_required", "请填写队名", detail={"field": "team_name"})
    ids = [p.pk for p in people]
    if len(set(ids)) != len(ids):
        raise unprocessable("team_duplicate_member", "队员名单中有重复的人员", detail={"field": "members"})
    low, high = max(event.team_min, TEAM_SIZE_LIMITS[0]), min(event.team_max, TEAM_SIZE_LIMITS[1])
    if not low <= len(ids) <= high:
        raise unprocessable("team_size", f"每队应为 {low}–{high} 人（含队长），现为 {len(ids)} 人",
                            detail={"min": low, "max": high, "count": len(ids)})
    team_unit(people)  # one studio or team per team, so that recusal by the entry's unit covers everyone
    taken = list(EntryMember.objects.filter(event=event, member_id__in=ids).select_related("member", "entry"))
    if taken:
        first = taken[0]
        raise conflict("already_in_team", f"{person_name(first.member)}已在本项目的队伍“{first.entry.team_name}”中，"
                       "每人每个项目只能参加一支队伍", detail={"user_ids": sorted(m.member_id for m in taken)})
    signups = SignUp.objects.filter(event=event, status__in=SignUp.ACTIVE)
    if exclude_signup is not None:
        signups = signups.exclude(pk=exclude_signup)
    for signup in signups.only("id", "applicant_id", "members", "team_name"):
        overlap = set(ids) & ({signup.applicant_id} | set(signup.members or []))
        if overlap:
            raise conflict("already_in_team", f"有队员已报名本项目的队伍“{signup.team_name}”，每人每个项目只能参加一支队伍",
                           detail={"user_ids": sorted(overlap)})
    return name


def team_unit(people: Sequence[User]):
    """The unit a team competes for (the entry's unit, which decides recusal): the first member (captain
    first) who belongs to a studio or team, else the captain's unit. Members from two different studios or
    teams are refused (`422 team_mixed_units`): recusal compares one affiliation per entry (docs/SCORING.md
    "Recusal"), and a judge of either studio would otherwise mark their own people. Members with no
    affiliation (the bureau, the base) join any team."""
    st = studio_or_team_ids()
    units = [p.primary_org_unit for p in people]
    found = [(unit, affiliation(unit.path, st)) for unit in units if unit is not None]
    with_aff = [(unit, aff) for unit, aff in found if aff is not None]
    if len({aff for _, aff in with_aff}) > 1:
        raise unprocessable("team_mixed_units", "同一队伍的队员应来自同一工作室或班组（基地、局机关人员不限）",
                            detail={"field": "members"})
    return with_aff[0][0] if with_aff else units[0]


@transaction.atomic
def add_team(*, event: Event, name: str, captain: User, members: Sequence[User], code: str = "",
             workstation: str = "", exclude_signup: int | None = None) -> Entry:
    """A team entry: `captain` first, then `members` (the captain may be repeated in `members`)."""
    people = [captain, *[m for m in members if m.pk != captain.pk]]
    name = check_team(event, name=name, people=people, exclude_signup=exclude_signup)
    try:
        with transaction.atomic():
            entry = Entry.objects.create(event=event, contestant=captain, org_unit=team_unit(people),
                                         team_name=name, team_members="、".join(person_name(p) for p in people),
                                         code=code, workstation=workstation)
            EntryMember.objects.bulk_create([
                EntryMember(event=event, entry=entry, member=p, org_unit=p.primary_org_unit, is_captain=(n == 0),
                            order=n) for n, p in enumerate(people)])
    except IntegrityError:  # two requests raced past the check: the database keeps one team per person
        raise conflict("already_in_team", "有队员已在本项目的其他队伍中，每人每个项目只能参加一支队伍") from None
    return entry


def team_problems(event: Event) -> list[str]:
    """What stops a team event (or an individual one) from opening, as `scheme_problems` lists them."""
    counts: dict[int, int] = {}
    for entry_id in EntryMember.objects.filter(event=event).values_list("entry_id", flat=True):
        counts[entry_id] = counts.get(entry_id, 0) + 1
    entries = list(Entry.objects.filter(event=event).values_list("id", "team_name", "code"))
    problems = []
    if event.participation == "team":
        low, high = max(event.team_min, TEAM_SIZE_LIMITS[0]), min(event.team_max, TEAM_SIZE_LIMITS[1])
        for entry_id, team_name, code in entries:
            n = counts.get(entry_id, 0)
            if not team_name or not low <= n <= high:
                problems.append(f"队伍“{team_name or code or entry_id}”应为 {low}–{high} 人，现为 {n} 人")
    elif counts:
        problems.append("个人赛项目的参赛记录不应有队员")
    return problems
