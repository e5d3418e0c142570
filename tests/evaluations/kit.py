"""Builders for evaluation tests (and the bench): the HVAC studio's people, a course with enrollees, a
campaign through the API, answers."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.utils import timezone

from accounts.models import Role
from evaluations.models import SurveyTemplate
from evaluations.services import ensure_builtin_templates
from training.models import Course, Enrolment


def new_id() -> str:
    return str(uuid.uuid4())


class World:
    """A course of the HVAC studio, its trainer (the owner), the leader (an organiser), learners in two
    units, an outsider, an admin."""

    def __init__(self, org, make_user, api):
        self.org, self.api = org, api
        ensure_builtin_templates()  # the migration loads them; a transactional test's flush drops them
        self.trainer = make_user("钱讲师", roles=[(Role.TRAINER, org.hvac)], unit=org.hvac)
        self.leader = make_user("孙立强", roles=[(Role.WORKSHOP_LEADER, org.hvac)], unit=org.hvac)
        self.admin = make_user("周建国", roles=[(Role.ADMIN, org.bureau)], unit=org.bureau)
        self.outsider = make_user("陈宇", roles=[(Role.WORKER, org.bas)], unit=org.bas)
        self.course = Course.objects.create(title="空调系统运行管理", stage="post_skill", area="hvac",
                                            org_unit=org.hvac, state=Course.State.PUBLISHED,
                                            created_by=self.trainer)
        self.learners = []
        for i in range(8):
            unit = org.hvac_team if i < 6 else org.hvac
            user = make_user(f"学员{i + 1}", roles=[(Role.WORKER, org.hvac)], unit=unit)
            Enrolment.objects.create(course=self.course, user=user)
            self.learners.append(user)
        self._clients: dict[int, object] = {}

    def client(self, user):
        if user.pk not in self._clients:
            self._clients[user.pk] = self.api.as_user(user)
        return self._clients[user.pk]

    def campaign(self, *, template: str = "course", anonymous: bool = True, days: int = 7, min_responses: int = 5,
                 actor=None, **extra) -> dict:
        now = timezone.now()
        body = {"template_id": SurveyTemplate.objects.get(code=template).pk, "title": "空调课程满意度评价",
                "target_kind": "course", "target_id": self.course.pk, "audience_kind": "enrollees",
                "opens_at": (now - timedelta(hours=1)).isoformat(), "closes_at": (now + timedelta(days=days)).isoformat(),
                "anonymous": anonymous, "min_responses": min_responses, **extra}
        response = self.client(actor or self.trainer).post("surveys", body)
        assert response.status_code == 201, response.content
        return response.json()

    def answer(self, survey_id: int, user, answers: dict, client_id: str | None = None):
        return self.client(user).post(f"surveys/{survey_id}/responses",
                                      {"client_id": client_id or new_id(), "answers": answers})


def course_answers(score: int, *, nps: int = 8, overall: str = "4", suggest: str | None = None) -> dict:
    answers = {"content_fit": score, "content_standard": score, "method_clear": score, "method_practice": score,
               "effect_apply": score, "overall": overall, "nps": nps}
    if suggest:
        answers["suggest"] = suggest
    return answers
