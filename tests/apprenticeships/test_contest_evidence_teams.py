"""A team's published result is evidence for every member with an open agreement, naming the team and its
members (issue 17)."""

import random

from apprenticeships.models import Evidence
from competitions import services as contest_services
from competitions import teams
from competitions.models import Entry, Event
from tests.competitions.conftest import Kit


def test_a_team_result_is_evidence_for_a_member_who_is_not_the_captain(teaching, api, make_user):
    agreement = teaching.create()
    kit = Kit(api, teaching.org, make_user, open_event=False)
    Entry.objects.filter(event=kit.event).delete()
    Event.objects.filter(pk=kit.event.pk).update(participation="team")
    kit.event.refresh_from_db()
    mine = teams.add_team(event=kit.event, name="师徒队", captain=kit.contestants[0],
                          members=[teaching.apprentice])
    other = teams.add_team(event=kit.event, name="对手队", captain=kit.contestants[1], members=[kit.contestants[2]])
    kit.entries = [mine, other]
    contest_services.open_event(actor=kit.chief, event_id=kit.event.id, rng=random.Random(7))
    kit.refresh()
    kit.complete(mine, judgement_values=[3, 3, 3, 3, 3], measurement="18")
    kit.complete(other, judgement_values=[1, 1, 1, 1, 1], measurement="9")
    contest_services.lock_event(actor=kit.chief, event_id=kit.event.id)
    kit.recheck()
    contest_services.publish_event(actor=kit.chief, event_id=kit.event.id)
    [evidence] = Evidence.objects.filter(agreement_id=agreement["id"], kind=Evidence.Kind.CONTEST_RESULT)
    name = teaching.apprentice.display_name or teaching.apprentice.username
    assert f"团队：师徒队（选手1、{name}）" in evidence.description and "第 1 名" in evidence.description
    assert evidence.data["team"] == f"师徒队（选手1、{name}）"
