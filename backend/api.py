"""The one NinjaAPI of the mini-program: it only mounts each app's routers, each at the URL prefix
that app owns (the table in docs/ARCHITECTURE.md; tests/test_layout.py checks that they agree)."""

from accounts.api import auth_router, me_router
from accounts.auth import BearerAuth
from apprenticeships.api import certificates_router, studios_router
from apprenticeships.api import router as apprenticeships_router
from backend.realtime_schema import router as realtime_router
from competitions.api import contests_router, judging_router
from evaluations.api import actions_router, surveys_router
from experts.api import router as experts_router
from media.api import uploads_router
from miniprogram_api.envelope import install_handlers
from miniprogram_api.ninja_api import ShixunAPI
from miniprogram_api.ping import router as ping_router
from notifications.api import router as notifications_router
from practice.api import runs_router, scan_router, sync_router
from privacy.api import data_export_router, deletion_router
from privacy.api import router as privacy_router
from standard_evaluations.api import campaigns_router, implementation_router, indicator_systems_router
from standards.api import points_router, standards_router
from supervision.api import router as supervision_router
from training.api import (
    attempts_router,
    course_assignments_router,
    courses_router,
    exams_router,
    learning_router,
    lessons_router,
    question_banks_router,
)
from workorders.api import router as workorders_router

api = ShixunAPI(
    title="Shixun 实训 API",
    version="1",
    description="勤e家风格的小程序后端：扫码实操、报修工单、技能比武、师徒带教。所有错误为 "
    '{"code", "message", "detail"}。',
    auth=BearerAuth(),
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_handlers(api)

# prefix → router; the owning app is the router's module.
ROUTES = [
    ("/auth", auth_router),
    ("/me", me_router),
    ("/ping", ping_router),
    ("/realtime", realtime_router),
    ("/notifications", notifications_router),
    ("/points", points_router),
    ("/standards", standards_router),
    ("/scan", scan_router),
    ("/runs", runs_router),
    ("/sync", sync_router),
    ("/uploads", uploads_router),
    ("/workorders", workorders_router),
    ("/competitions", contests_router),
    ("/judging", judging_router),
    ("/apprenticeships", apprenticeships_router),
    ("/studios", studios_router),
    ("/certificates", certificates_router),
    ("/courses", courses_router),
    ("/course-assignments", course_assignments_router),
    ("/learning", learning_router),
    ("/lessons", lessons_router),
    ("/exams", exams_router),
    ("/attempts", attempts_router),
    ("/question-banks", question_banks_router),
    ("/experts", experts_router),
    ("/privacy", privacy_router),
    ("/me/data-export", data_export_router),
    ("/me/deletion-request", deletion_router),
    ("/surveys", surveys_router),
    ("/improvement-actions", actions_router),
    ("/standards", implementation_router),
    ("/supervision", supervision_router),
    ("/indicator-systems", indicator_systems_router),
    ("/evaluation-campaigns", campaigns_router),
]
for prefix, router in ROUTES:
    api.add_router(prefix, router)
