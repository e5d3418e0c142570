"""Builders and fixtures for practice points, procedures and runs (imported by the conftest of the
standards and workorders test folders)."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from PIL import Image

from accounts.models import Role
from standards import services as standards_services
from standards.models import PracticePoint, Procedure, Standard, Step

# Every step type, and a conditional step shown only when step 1 is flagged or failed.
FULL_STEPS = [
    {"title": "机组运行状态及报警面板检查", "type": Step.Type.CHECK},
    {"title": "冷冻水供水温度", "type": Step.Type.NUMBER, "unit": "℃", "lower_limit": Decimal("6"),
     "upper_limit": Decimal("8")},
    {"title": "压缩机运行声音", "type": Step.Type.CHOICE, "options": [
        {"value": "normal", "label": "正常", "verdict": "pass"},
        {"value": "slight", "label": "轻微异响", "verdict": "flag"},
        {"value": "loud", "label": "明显异响", "verdict": "fail"},
    ]},
    {"title": "电能表读数", "type": Step.Type.METER, "unit": "kWh", "threshold": Decimal("50000")},
    {"title": "异常情况说明", "type": Step.Type.TEXT, "condition": (1, ["fail", "flag"])},
    {"title": "控制面板照片", "type": Step.Type.PHOTO, "min_photos": 2},
    {"title": "巡检人签名", "type": Step.Type.SIGNATURE},
    {"title": "其他备注", "type": Step.Type.TEXT, "required": False},
]


def make_standard(code: str = "GB 50365-2019") -> Standard:
    standard, _ = Standard.objects.get_or_create(
        code=code, defaults={"title": "空调通风系统运行管理标准", "level": Standard.Level.NATIONAL,
                             "category": Standard.Category.OPERATIONS},
    )
    return standard


def make_procedure(*, studio, code: str = "SOP-T-001", title: str = "冷水机组日常巡检", steps=None,
                   standard: Standard | None = None, publish: bool = True) -> Procedure:
    procedure = Procedure.objects.create(standard=standard or make_standard(), code=code, title=title, studio=studio)
    draft = standards_services.create_draft(procedure=procedure)
    created = []
    for spec in steps if steps is not None else FULL_STEPS:
        spec = dict(spec)
        condition = spec.pop("condition", None)
        if condition:
            spec["condition_step"] = created[condition[0] - 1]
            spec["condition_verdicts"] = condition[1]
        created.append(standards_services.add_step(version=draft, **spec))
    if publish:
        standards_services.publish_version(version=draft)
        procedure.refresh_from_db()
    return procedure


def make_point(*, studio, procedures=(), code: str = "HVAC-01", name: str = "1号冷水机组", **extra) -> PracticePoint:
    return standards_services.create_point(name=name, code=code, studio=studio, location_text="行政中心B1冷冻机房",
                                           procedures=procedures, **extra)


def qr_of(point: PracticePoint) -> str:
    return standards_services.active_code(point).code


def steps_of(procedure: Procedure) -> list[Step]:
    return list(procedure.current_version.steps.order_by("position"))


def require_tool(name: str) -> str:
    """A Debian tool the test needs (listed in DEB_PACKAGES of .ci/run): a loud skip without it, a
    failure when REQUIRE_SERVICES=1 (CI installs it)."""
    import shutil

    from tests.conftest import REQUIRE_SERVICES

    path = shutil.which(name)
    if path is None:
        message = f"needs {name} (apt-get install poppler-utils libzbar0); SKIPPED without it"
        if REQUIRE_SERVICES:
            pytest.fail("REQUIRE_SERVICES=1: " + message)
        pytest.skip(message)
    return path


def decode_qr(image) -> list[str]:
    """Every QR code in an image, decoded by zbar (a real decoder; Debian libzbar0 + pyzbar)."""
    from tests.conftest import REQUIRE_SERVICES

    try:
        from pyzbar.pyzbar import ZBarSymbol
        from pyzbar.pyzbar import decode as zbar_decode
    except ImportError as exc:  # pyzbar is installed with the dev extra; libzbar0 comes from Debian
        message = f"needs the zbar QR decoder (apt-get install libzbar0): {exc}"
        if REQUIRE_SERVICES:
            pytest.fail("REQUIRE_SERVICES=1: " + message)
        pytest.skip(message)
    return sorted(symbol.data.decode() for symbol in zbar_decode(image.convert("L"), symbols=[ZBarSymbol.QRCODE]))


def png_bytes(size=(64, 48), color=(30, 120, 200), fmt="PNG", **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt, **save)
    return buffer.getvalue()


def new_id() -> str:
    return str(uuid.uuid4())


def upload(client, data: bytes | None = None, name: str = "photo.png", **fields):
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = dict(fields)
    body["file"] = SimpleUploadedFile(name, data if data is not None else png_bytes(), content_type="image/png")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {client.token}"} if client.token else {}
    return client.client.post("/api/v1/uploads/photos", body, **headers)


def photo_ids(client, count: int) -> list[int]:
    ids = []
    for _ in range(count):
        response = upload(client)
        assert response.status_code == 201, response.content
        ids.append(response.json()["id"])
    return ids


class Practice:
    """A studio with a full procedure at one point, and the people around it."""

    def __init__(self, org, make_user, api):
        self.org = org
        self.api = api
        self.procedure = make_procedure(studio=org.hvac)
        self.steps = steps_of(self.procedure)
        self.version = self.procedure.current_version
        self.point = make_point(studio=org.hvac, procedures=[self.procedure], latitude=Decimal("31.810700"),
                                longitude=Decimal("119.974000"), radius_m=100)
        self.code = qr_of(self.point)
        self.worker = make_user("陈宇", roles=[(Role.WORKER, org.hvac)], unit=org.hvac)
        self.apprentice = make_user("李文博", roles=[(Role.APPRENTICE, org.hvac), (Role.WORKER, org.hvac)],
                                    unit=org.hvac)
        self.master = make_user("王德明", roles=[(Role.MASTER, org.hvac)], unit=org.hvac)
        self.leader = make_user("孙立强", roles=[(Role.WORKSHOP_LEADER, org.hvac)], unit=org.hvac)
        self.bas_leader = make_user("冯晓梅", roles=[(Role.WORKSHOP_LEADER, org.bas)], unit=org.bas)
        self.bas_master = make_user("蒋志远", roles=[(Role.MASTER, org.bas)], unit=org.bas)
        self.admin = make_user("周建国", roles=[(Role.ADMIN, org.bureau)], unit=org.bureau)

    def client(self, user):
        return self.api.as_user(user)

    def start(self, client, *, client_id=None, started_at=None, **extra):
        body = {"client_id": client_id or new_id(), "point_code": self.code,
                "procedure_version_id": self.version.pk,
                "started_at": (started_at or timezone.now()).isoformat(), **extra}
        return client.post("runs", body)

    def step(self, position: int) -> Step:
        return self.steps[position - 1]

    def record(self, client, run_id, position, value=None, *, client_id=None, photos=(), note=""):
        return client.post(f"runs/{run_id}/steps", {
            "client_id": client_id or new_id(), "step_id": self.step(position).pk, "value": value,
            "note": note, "photo_ids": list(photos), "recorded_at": timezone.now().isoformat(),
        })

    def good_values(self, client) -> dict[int, object]:
        return {1: "pass", 2: 7.2, 3: "normal", 4: 12345.6, 6: photo_ids(client, 2), 7: photo_ids(client, 1)}

    def finished_run(self, client, *, values=None, complete=True, started_at=None) -> int:
        run = self.start(client, started_at=started_at or timezone.now() - timedelta(minutes=20))
        assert run.status_code == 201, run.content
        run_id = run.json()["id"]
        for position, value in (values or self.good_values(client)).items():
            step = self.step(position)
            if step.type in (Step.Type.PHOTO, Step.Type.SIGNATURE):
                response = self.record(client, run_id, position, None, photos=value)
            else:
                response = self.record(client, run_id, position, value)
            assert response.status_code == 201, response.content
        if complete:
            response = client.post(f"runs/{run_id}/complete", {})
            assert response.status_code == 200, response.content
        return run_id


@pytest.fixture
def practice(org, make_user, api):
    return Practice(org, make_user, api)


@pytest.fixture
def admin_site(practice, client, settings):
    """A Django test client logged into the admin as the practice's admin user. With DEBUG off
    (DATABASE_URL set) the manifest storage needs collectstatic; plain storage renders the same pages."""
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    practice.admin.is_staff = practice.admin.is_superuser = True
    practice.admin.save()
    client.force_login(practice.admin)
    return client
