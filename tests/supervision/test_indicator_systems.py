"""Indicator systems for 标准实施评价: the shipped one, the weight checks at publish, versions, immutability."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from accounts.models import Role
from standard_evaluations import services
from standard_evaluations.models import Dimension, Indicator, IndicatorSystem, PublishedSystemError
from tests.conftest import assert_error

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def shipped(db):
    return IndicatorSystem.objects.get(code="standard-implementation", version=1)


def test_the_shipped_system_is_nanjings_three_by_seventeen_with_weights_of_100(api, make_user, org, shipped):
    body = api.as_user(make_user("任何人", unit=org.hvac)).get(f"indicator-systems/{shipped.pk}").json()
    assert body["state"] == "published" and "DB 50/T 1053-2020" in body["basis"]
    assert [(d["name"], len(d["indicators"])) for d in body["dimensions"]] == \
        [("技术水平", 7), ("实施过程", 7), ("实施效益", 3)]
    assert sum(Decimal(d["weight"]) for d in body["dimensions"]) == 100
    for dimension in body["dimensions"]:
        assert sum(Decimal(i["weight"]) for i in dimension["indicators"]) == 100, dimension["name"]
        for indicator in dimension["indicators"]:
            assert CJK.search(indicator["name"]) and CJK.search(indicator["scoring_rule"]), indicator
            assert indicator["evidence_required"] and all(CJK.search(label) for label in indicator["evidence_labels"])
    measured = {i["code"]: i["measure"] for d in body["dimensions"] for i in d["indicators"] if i["measure"]}
    assert measured == {"T5": "translation", "P1": "learning", "P3": "translation", "P4": "runs",
                        "P5": "conformity", "P6": "corrective"}
    listed = api.as_user(make_user(unit=org.hvac)).get("indicator-systems").json()
    assert listed["items"][0]["indicator_count"] == 17 and listed["items"][0]["dimension_count"] == 3


def test_publishing_checks_the_weights_at_each_level_and_changes_nothing_when_refused(api, make_user, org, shipped):
    admin = api.as_user(make_user("管理员", roles=[(Role.ADMIN, org.bureau)]))
    response = admin.post(f"indicator-systems/{shipped.pk}/versions")
    assert response.status_code == 201, response.content
    draft = response.json()
    assert (draft["version"], draft["state"], len(draft["dimensions"])) == (2, "draft", 3)
    # A second draft of the same system is refused while this one is open.
    assert_error(admin.post(f"indicator-systems/{shipped.pk}/versions"), 409, "draft_exists")
    # Dimension T 30 → 35 (dimensions sum to 105) and one indicator of P 15 → 10 (P sums to 95).
    Dimension.objects.filter(system_id=draft["id"], code="T").update(weight=Decimal("35"))
    Indicator.objects.filter(dimension__system_id=draft["id"], code="P2").update(weight=Decimal("10"))
    body = assert_error(admin.post(f"indicator-systems/{draft['id']}/publish"), 422, "weights_invalid")
    assert [(p["level"], p["code"], p.get("sum")) for p in body["detail"]] == \
        [("system", "standard-implementation", "105.00"), ("dimension", "P", "95.00")]
    assert IndicatorSystem.objects.get(pk=draft["id"]).state == "draft"
    Dimension.objects.filter(system_id=draft["id"], code="T").update(weight=Decimal("30"))
    Indicator.objects.filter(dimension__system_id=draft["id"], code="P2").update(weight=Decimal("15"))
    published = admin.post(f"indicator-systems/{draft['id']}/publish")
    assert published.status_code == 200 and published.json()["state"] == "published"
    assert_error(admin.post(f"indicator-systems/{draft['id']}/publish"), 409, "system_published")
    # Version 1 is untouched.
    assert Dimension.objects.get(system=shipped, code="T").weight == Decimal("30")


def test_only_admins_change_systems(api, make_user, org, shipped):
    for role in (Role.SUPERVISOR, Role.WORKSHOP_LEADER, Role.TRAINER):
        client = api.as_user(make_user(roles=[(role, org.bureau)]))
        assert_error(client.post(f"indicator-systems/{shipped.pk}/versions"), 403, "forbidden")
        assert_error(client.post(f"indicator-systems/{shipped.pk}/publish"), 403, "forbidden")
    assert_error(api.get("indicator-systems"), 401)
    admin = api.as_user(make_user(roles=[(Role.ADMIN, org.bureau)]))
    assert_error(admin.get("indicator-systems/999999"), 404, "not_found")
    assert_error(admin.post("indicator-systems/999999/publish"), 404, "not_found")


def test_a_published_system_and_its_rows_refuse_changes(shipped):
    dimension = shipped.dimensions.get(code="P")
    indicator = dimension.indicators.get(code="P5")
    for row in (shipped, dimension, indicator):
        with pytest.raises(PublishedSystemError):
            row.save()
        with pytest.raises(PublishedSystemError):
            row.delete()


def test_an_empty_draft_or_one_without_rules_cannot_be_published(db):
    empty = services.create_system(spec={"code": "empty", "name": "空体系", "dimensions": []})
    with pytest.raises(Exception) as refused:
        services.publish_system(system=empty)
    assert refused.value.code == "weights_invalid"
    bad = services.create_system(spec={"code": "bad", "name": "缺规则", "dimensions": [
        ("A", "维度甲", "100", "", [("A1", "指标一", "100", "", ["documents"], ""),])]})
    with pytest.raises(Exception) as refused:
        services.publish_system(system=bad)
    assert refused.value.detail[0]["code"] == "A1"
