"""Judge analytics kept in the judge's expert record: the roster record's contest engagement carries the
judge's deviation summary once the event is published (the hand-worked numbers of
test_judge_analytics), never before; the roster asks through experts.signals, it never imports
competitions."""

from datetime import date

from accounts.models import Role
from competitions import panels
from experts import services as expert_services

from .test_judge_analytics import analysed


def test_the_expert_record_shows_the_judges_deviations_after_publication(make_kit, org, make_user, api):
    kit = analysed(make_kit, org)
    third = kit.judges[2]
    expert = expert_services.create_expert(name=third.name, user=third, org_unit=org.base)
    expert_services.record_engagement(user=third, kind="contest", ref=panels.subject_of(kit.event),
                                      title=f"{kit.contest.name} · {kit.event.name}", role="裁判",
                                      occurred_on=date(2026, 12, 1))
    admin = api.as_user(make_user("专家库管理员", roles=[(Role.ADMIN, org.bureau)], unit=org.bureau))

    def engagement(client, path):
        response = client.get(path)
        assert response.status_code == 200, response.content
        [row] = response.json()["engagements"]
        return row

    # blind judging: while the event is open or locked, the record says nothing about the marks
    assert engagement(admin, f"experts/{expert.pk}")["judging"] is None
    for entry in kit.entries:
        for judge in kit.judges:
            assert kit.client(judge).post(f"judging/entries/{entry.id}/submit").status_code in (200, 201)
    assert kit.client(kit.chief).post(f"judging/events/{kit.event.id}/lock").status_code == 200
    assert engagement(admin, f"experts/{expert.pk}")["judging"] is None
    kit.recheck()
    assert kit.client(kit.chief).post(f"judging/events/{kit.event.id}/publish", {}).status_code == 200

    judging = engagement(admin, f"experts/{expert.pk}")["judging"]
    assert judging["event_id"] == kit.event.id and judging["contest"] == kit.contest.name
    assert (judging["marks"], judging["entries"]) == (4, 4)
    assert (judging["signed_deviation"], judging["absolute_deviation"]) == ("5.00", "15.00")
    assert (judging["outside_tolerance"], judging["outside_share"]) == (2, "50.00")
    assert judging["rank_correlation"] == "0.632"
    assert (judging["own_unit_signed_deviation"], judging["other_units_signed_deviation"]) == ("15.00", "-5.00")
    # the judge sees the same in their own record; another judge's record is not theirs to open
    assert engagement(kit.client(third), "experts/me")["judging"] == judging
    assert kit.client(kit.judges[0]).get(f"experts/{expert.pk}").status_code == 404
