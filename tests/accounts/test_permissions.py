"""Role grants cover their unit's subtree; phones are masked for everyone but the owner and admins."""

from accounts.models import OrgUnit, Role
from accounts.selectors import has_role, mask_phone, scope_q, user_summary


def test_a_grant_covers_the_subtree_only(org, make_user):
    leader = make_user(roles=[(Role.WORKSHOP_LEADER, org.hvac)])
    assert has_role(leader, Role.WORKSHOP_LEADER, org.hvac)
    assert has_role(leader, Role.WORKSHOP_LEADER, org.hvac_team)
    assert not has_role(leader, Role.WORKSHOP_LEADER, org.bas)
    assert not has_role(leader, Role.WORKSHOP_LEADER, org.base)
    assert not has_role(leader, Role.MASTER, org.hvac)
    assert has_role(leader, Role.WORKSHOP_LEADER)


def test_admin_holds_every_role_everywhere(org, make_user):
    admin = make_user(roles=[(Role.ADMIN, org.bureau)])
    assert has_role(admin, Role.JUDGE, org.bas)
    assert scope_q(admin, Role.MASTER, "path").children == []


def test_scope_query_selects_units_in_scope(org, make_user):
    master = make_user(roles=[(Role.MASTER, org.hvac)])
    names = set(OrgUnit.objects.filter(scope_q(master, Role.MASTER, "path")).values_list("name", flat=True))
    assert names == {"暖通作业技师工作室", "暖通一班"}
    nobody = make_user()
    assert not OrgUnit.objects.filter(scope_q(nobody, Role.MASTER, "path")).exists()


def test_phone_is_masked_except_for_owner_and_admin(org, make_user):
    owner = make_user(phone="13800138000")
    other = make_user(roles=[(Role.MASTER, org.hvac)])
    admin = make_user(roles=[(Role.ADMIN, org.bureau)])
    assert mask_phone("13800138000") == "138****8000"
    assert user_summary(owner)["phone"] == "13800138000"
    assert user_summary(owner, viewer=other)["phone"] == "138****8000"
    assert user_summary(owner, viewer=admin)["phone"] == "13800138000"


def test_moving_a_unit_moves_its_subtree(org):
    org.hvac.parent = org.bureau
    org.hvac.save()
    org.hvac_team.refresh_from_db()
    assert org.hvac_team.path == f"/{org.bureau.pk}/{org.hvac.pk}/{org.hvac_team.pk}/"
