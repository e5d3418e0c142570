from __future__ import annotations

import pytest

from accounts.models import Role
from standards.models import Step, Verdict
from tests.practice import make_point, make_procedure, make_standard
from tests.supervision import kit

TWO_STEPS = [{"title": "机组运行状态检查", "type": Step.Type.CHECK},
             {"title": "冷冻水供水温度", "type": Step.Type.CHECK}]

F, G, P = Verdict.FAIL, Verdict.FLAG, Verdict.PASS


class World:
    """GB 50365-2019 carried out at two studios in January and February 2026 (Shanghai), with a second
    standard whose figures must never leak into the first's. Hand-worked figures are in the tests."""

    def __init__(self, org, make_user, extra: int = 0):
        self.org = org
        self.standard = make_standard()
        self.other = make_standard("GB/T 99999-2026")
        self.p1 = make_procedure(studio=org.hvac, code="SOP-HVAC-101", title="冷水机组巡检", steps=TWO_STEPS,
                                 standard=self.standard)
        self.p2 = make_procedure(studio=org.bas, code="SOP-BAS-101", title="新风机组巡检", steps=TWO_STEPS,
                                 standard=self.standard)
        self.p3 = make_procedure(studio=org.hvac, code="SOP-X-101", title="无关规程", steps=TWO_STEPS,
                                 standard=self.other)
        self.hvac_point = make_point(studio=org.hvac, procedures=[self.p1, self.p3], code="HVAC-71", name="冷机")
        self.bas_point = make_point(studio=org.bas, procedures=[self.p2], code="BAS-71", name="新风机组")
        make_point(studio=org.hvac, procedures=[self.p1], code="HVAC-72", name="停用点", is_active=False)
        self.supervisor = make_user("监管员", roles=[(Role.SUPERVISOR, org.bureau)], unit=org.bureau)
        self.base_supervisor = make_user("基地监管", roles=[(Role.SUPERVISOR, org.base)], unit=org.base)
        self.leader = make_user("暖通负责人", roles=[(Role.WORKSHOP_LEADER, org.hvac)], unit=org.hvac)
        self.worker = make_user("一线员工", roles=[(Role.WORKER, org.hvac)], unit=org.hvac)
        self.admin = make_user("管理员", roles=[(Role.ADMIN, org.bureau)], unit=org.bureau)
        self.a = make_user("暖通学员", unit=org.hvac)
        self.b = make_user("楼控学员", unit=org.bas)
        self.requester = make_user("报修人", unit=org.bureau)
        for copy in range(1 + extra):
            self._month_data(copy)

    def _run(self, procedure, point, started, verdict, records=()):
        return kit.run(procedure=procedure, point=point, performer=self.a, started=started, verdict=verdict,
                       records=records)

    def _month_data(self, copy: int) -> None:
        k, hv, bs = self.standard, self.hvac_point, self.bas_point
        # January at HVAC: pass (step 1 first failed, then corrected to pass), fail, flag; one still open.
        self._run(self.p1, hv, kit.sh(2026, 1, 5, 9), P, records=[(1, P, F), (2, P)])
        fail = self._run(self.p1, hv, kit.sh(2026, 1, 10, 9), F, records=[(1, F), (2, P)])
        flag = self._run(self.p1, hv, kit.sh(2026, 1, 12, 9), G, records=[(1, P), (2, G)])
        kit.run(procedure=self.p1, point=hv, performer=self.a, started=kit.sh(2026, 1, 13, 9), completed=False)
        kit.corrective(of_run=fail, requester=self.requester, created=kit.sh(2026, 1, 10, 9, 30),
                       closed_after_minutes=60, state="confirmed")
        kit.corrective(of_run=flag, requester=self.requester, created=kit.sh(2026, 1, 12, 9, 30),
                       closed_after_minutes=180, state="confirmed")
        # January at BAS: one fail, closed after 30 minutes.
        bas_fail = self._run(self.p2, bs, kit.sh(2026, 1, 15, 9), F, records=[(1, F)])
        kit.corrective(of_run=bas_fail, requester=self.requester, created=kit.sh(2026, 1, 15, 9, 30),
                       closed_after_minutes=30, state="confirmed")
        # The other standard in January: never counted.
        other = self._run(self.p3, hv, kit.sh(2026, 1, 20, 9), F, records=[(1, F)])
        kit.corrective(of_run=other, requester=self.requester, created=kit.sh(2026, 1, 20, 9, 30),
                       closed_after_minutes=10, state="confirmed")
        # February at HVAC: 1 Feb 01:00 Shanghai (31 Jan in UTC) passes; a fail with an open order and a
        # cancelled one (cancelling is not closing).
        self._run(self.p1, hv, kit.sh(2026, 2, 1, 1), P, records=[(1, P), (2, P)])
        self._run(self.p1, hv, kit.sh(2026, 2, 3, 9), P, records=[(1, P), (2, P)])
        feb_fail = self._run(self.p1, hv, kit.sh(2026, 2, 4, 9), F, records=[(1, F), (2, P)])
        kit.corrective(of_run=feb_fail, requester=self.requester, created=kit.sh(2026, 2, 4, 9, 30))
        kit.corrective(of_run=feb_fail, requester=self.requester, created=kit.sh(2026, 2, 4, 10),
                       closed_after_minutes=5, state="cancelled")
        # Learning: A completes a course teaching the standard in January and another in February, B one in
        # February; a course of the other standard does not count.
        c1 = kit.course(unit=self.org.bureau, standards=[k], title=f"空调运行管理{copy}")
        c2 = kit.course(unit=self.org.bureau, standards=[k, self.other], title=f"空调节能{copy}")
        c3 = kit.course(unit=self.org.bureau, standards=[self.other], title=f"无关课程{copy}")
        if copy == 0:
            kit.complete(user=self.a, course_row=c1, at=kit.sh(2026, 1, 20, 10))
            kit.complete(user=self.a, course_row=c2, at=kit.sh(2026, 2, 20, 10))
            kit.complete(user=self.b, course_row=c2, at=kit.sh(2026, 2, 21, 10))
            kit.complete(user=self.b, course_row=c3, at=kit.sh(2026, 1, 21, 10))
        # Exams: tagged questions only; an attempt still in progress does not count.
        tagged, plain = kit.bank(unit=self.org.bureau, standard=k)
        kit.attempt(user=self.a, unit=self.org.bureau, answers=[(tagged, True), (plain, False)],
                    submitted=kit.sh(2026, 1, 25, 10))
        kit.attempt(user=self.b, unit=self.org.bureau, answers=[(tagged, False)], submitted=kit.sh(2026, 2, 25, 10))
        kit.attempt(user=self.a, unit=self.org.bureau, answers=[(tagged, False)], submitted=kit.sh(2026, 2, 26, 10),
                    state="in_progress")


@pytest.fixture
def world(org, make_user):
    return World(org, make_user)
