"""Roster fixtures: an admin (the roster manager), applicants and a small roster built by `roster`."""

from __future__ import annotations

import pytest

from accounts.models import Role
from experts import services
from experts.models import Expert, Speciality


@pytest.fixture(autouse=True)
def _speciality_tree(db):
    # The data migration planted it, but a transactional test elsewhere may have flushed the tables.
    from experts.specialities import ensure_tree

    ensure_tree()


def spec(code: str) -> int:
    return Speciality.objects.get(code=code).pk


@pytest.fixture
def manager(org, make_user):
    return make_user("专家库管理员", roles=[(Role.ADMIN, org.bureau)], unit=org.bureau)


@pytest.fixture
def roster(org, make_user):
    """Judges: 4 in HVAC (2 of them in the HVAC studio), 2 in BAS, 1 outside; a lecturer; a suspended judge."""

    def judge(name, unit, speciality="hvac-chiller", user=True, unit_name="", categories=("judge",),
              status=Expert.Status.ACTIVE):
        person = make_user(name, unit=unit) if user else None
        return services.create_expert(name=name, user=person, org_unit=unit, unit_name=unit_name,
                                      title="高级技师", skill_level="一级", speciality_ids=[spec(speciality)],
                                      categories=list(categories), status=status)

    experts = {
        "hvac1": judge("暖通甲", org.hvac),
        "hvac2": judge("暖通乙", org.hvac_team),
        "base1": judge("基地丙", org.base, speciality="hvac"),
        "base2": judge("基地丁", org.base, speciality="hvac-air"),
        "bas1": judge("自控戊", org.bas, speciality="bas-ddc"),
        "bas2": judge("自控己", org.bas, speciality="bas"),
        "outside": judge("院校庚", None, user=False, unit_name="常州工程职业技术学院"),
        "lecturer": judge("讲师辛", org.base, categories=("lecturer",)),
        "suspended": judge("暂停壬", org.base, status=Expert.Status.SUSPENDED),
    }
    return experts
