"""The catalogue, its filters and the 3 × 4 grid; a course with my progress; who sees what (learner,
trainer, workshop leader, admin, outsider)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.conftest import assert_error
from tests.practice import make_standard
from training.models import Enrolment

from .kit import make_course


@pytest.fixture
def catalogue(people, clock):
    org = people.org
    standard = make_standard("JG/T 001-2026")
    cars = make_course(unit=org.bureau, title="公务用车安全驾驶", stage="guidance", area="official_cars",
                       layers=("management", "execution"), standards=[standard])
    meetings = make_course(unit=org.bureau, title="会议服务基本规范", stage="post_skill", area="meetings",
                           layers=("execution",), kinds=("video", "article"))
    hvac = make_course(unit=org.hvac, title="冷水机组运行", stage="post_skill", area="hvac",
                       layers=("execution",))
    bas = make_course(unit=org.bas, title="楼控系统点位", stage="theory", area="building_automation",
                      layers=("decision",))
    draft = make_course(unit=org.hvac, title="草稿课程", published=False)
    return {"cars": cars, "meetings": meetings, "hvac": hvac, "bas": bas, "draft": draft, "standard": standard}


def titles(response):
    assert response.status_code == 200, response.content
    return sorted(item["title"] for item in response.json()["items"])


def test_a_learner_sees_bureau_and_own_studio_courses(people, catalogue):
    client = people.client(people.learner)
    assert titles(client.get("courses")) == ["会议服务基本规范", "公务用车安全驾驶", "冷水机组运行"]
    assert titles(people.client(people.outsider).get("courses")) == ["会议服务基本规范", "公务用车安全驾驶",
                                                                      "楼控系统点位"]
    assert_error(people.client(people.outsider).get(f"courses/{catalogue['hvac'].pk}"), 404)
    assert_error(client.get(f"courses/{catalogue['draft'].pk}"), 404)


def test_trainers_and_leaders_see_drafts_of_their_studio_admins_everything(people, catalogue):
    assert "草稿课程" in titles(people.client(people.trainer).get("courses"))
    assert "草稿课程" in titles(people.client(people.leader).get("courses"))
    assert len(titles(people.client(people.admin).get("courses"))) == 5


@pytest.mark.parametrize("query, expected", [
    ({"layer": "management"}, ["公务用车安全驾驶"]),
    ({"stage": "post_skill"}, ["会议服务基本规范", "冷水机组运行"]),
    ({"area": "meetings"}, ["会议服务基本规范"]),
    ({"mine": "true"}, ["冷水机组运行"]),
    ({"mine": "false"}, ["会议服务基本规范", "公务用车安全驾驶"]),
])
def test_filters(people, catalogue, query, expected):
    Enrolment.objects.create(course=catalogue["hvac"], user=people.learner)
    assert titles(people.client(people.learner).get("courses", query)) == expected


def test_filter_by_standard_and_studio(people, catalogue):
    client = people.client(people.learner)
    assert titles(client.get("courses", {"standard": catalogue["standard"].pk})) == ["公务用车安全驾驶"]
    assert titles(client.get("courses", {"studio": people.org.hvac.pk})) == ["冷水机组运行"]
    assert_error(client.get("courses", {"layer": "everyone"}), 422)


def test_the_3_by_4_grid(people, catalogue):
    body = people.client(people.learner).get("courses/matrix").json()
    assert [layer["label"] for layer in body["layers"]] == ["决策层", "管理层", "执行层"]
    assert [stage["label"] for stage in body["stages"]] == ["理论研究", "职业引导", "岗位技能", "认证考核"]
    cells = {(c["layer"], c["stage"]): c["count"] for c in body["cells"]}
    assert len(cells) == 12 and body["total"] == 3
    assert cells[("execution", "post_skill")] == 2 and cells[("execution", "guidance")] == 1
    assert cells[("management", "guidance")] == 1 and cells[("decision", "theory")] == 0  # the BAS course is not mine
    assert sum(cells.values()) == 4  # one course is for two layers


def test_course_detail_with_my_progress(people, catalogue, clock):
    course = catalogue["meetings"]
    client = people.client(people.learner)
    before = client.get(f"courses/{course.pk}").json()
    assert before["enrolled"] is False and before["enrolment"] is None and before["progress_pct"] is None
    lessons = before["chapters"][0]["lessons"]
    assert [lesson["kind"] for lesson in lessons] == ["video", "article"]
    assert lessons[0]["duration_s"] == "20.1" and lessons[0]["progress"] is None
    # The article is structured text: the <script> is a paragraph's characters, never markup.
    article = lessons[1]["article"]
    assert article[0] == {"kind": "heading", "text": "要点"}
    assert all(set(block) == {"kind", "text"} for block in article)
    assert client.post(f"courses/{course.pk}/enrol").status_code == 201
    client.post("learning/progress", {"items": [{"client_id": "a1", "lesson_id": lessons[1]["id"], "position_s": 0,
                                                 "watched": [], "at": clock.now.isoformat()}]})
    after = client.get(f"courses/{course.pk}").json()
    assert after["enrolled"] is True and after["progress_pct"] == "50.0"
    assert after["chapters"][0]["lessons"][1]["progress"]["completed"] is True
    assert after["completion_share"] == "0.95"


def test_catalogue_and_detail_queries_do_not_grow(people, clock):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    client = people.client(people.learner)
    client.get("ping")
    for n, kinds in ((2, ("video",)), (12, ("video", "article", "document", "video"))):
        courses = [make_course(unit=people.org.hvac, title=f"课程{n}-{i}", kinds=kinds) for i in range(n)]
        for course in courses:
            Enrolment.objects.create(course=course, user=people.learner)
        with CaptureQueriesContext(connection) as listed:
            assert client.get("courses", {"limit": 100}).status_code == 200
        with CaptureQueriesContext(connection) as detail:
            assert client.get(f"courses/{courses[-1].pk}").status_code == 200
        with CaptureQueriesContext(connection) as mine:
            assert client.get("learning/mine").status_code == 200
        counts.append((len(listed), len(detail), len(mine)))
    assert counts[0] == counts[1], counts


def test_my_learning(people, catalogue, clock):
    client = people.client(people.learner)
    client.post(f"courses/{catalogue['meetings'].pk}/enrol")
    article = catalogue["meetings"].lessons.get(kind="article")
    client.post("learning/progress", {"items": [{"client_id": "m1", "lesson_id": article.pk, "position_s": 0,
                                                 "watched": [], "at": clock.now.isoformat()}]})
    body = client.get("learning/mine").json()
    assert body["in_progress"] == 1 and body["completed"] == 0 and body["hours"] == "0"
    row = body["courses"][0]
    assert row["progress_pct"] == "50.0" and row["resume"]["lesson_id"] == article.pk
    assert Decimal(row["course"]["learning_hours"]) == Decimal("2")
