"""GET /me/data-export: everything Shixun holds about me as a zip of JSON plus xlsx; every table that
references a user is exported or excluded with a reason; no secrets; large accounts in the background;
each built file is downloaded once; every export is recorded."""

import io
import json
import zipfile

import pytest
from django.apps import apps
from django.core.management import call_command
from openpyxl import load_workbook

from accounts.models import ApiToken
from fixtures.accounts_demo import demo_user
from notifications.models import Notification
from privacy.export import EXCLUDED, SECTIONS, _q, models_referencing_users
from privacy.models import DataExport
from privacy.services import build_pending_exports
from tests.conftest import assert_error


def unzip(response) -> tuple[dict, bytes]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert set(archive.namelist()) == {"data.json", "data.xlsx", "README.txt"}
    return json.loads(archive.read("data.json")), archive.read("data.xlsx")


def test_every_table_that_references_a_user_is_exported_or_excluded_with_a_reason(db):
    referencing = models_referencing_users()
    assert not set(SECTIONS) & set(EXCLUDED)
    assert referencing - set(SECTIONS) - set(EXCLUDED) == set(), "classify new tables in privacy/export.py"
    assert set(SECTIONS) - referencing == set() and set(EXCLUDED) - referencing == set()
    assert all(len(reason) >= 10 for reason in EXCLUDED.values())


@pytest.fixture
def demo(db, fake_wechat):
    call_command("seed_demo", verbosity=0)


@pytest.mark.parametrize("openid", ["demo-apprentice-li", "demo-master-wang", "demo-worker-chen"])
def test_a_demo_persons_export_holds_all_their_rows_and_no_secrets(demo, api, openid):
    user = demo_user(openid)
    client = api.as_user(user)
    data, xlsx = unzip(client.get("me/data-export"))
    assert data["profile"]["name"] == user.display_name and data["profile"]["phone"] == user.phone
    for label, name in SECTIONS.items():
        model = apps.get_model(label)
        expected = model._default_manager.filter(_q(model, user)).distinct().count()
        if label in ("privacy.DataExport", "audit.AccessLogEntry"):
            expected -= 1  # this export is recorded (and logged) after its contents were collected
        assert len(data["sections"][name]) == expected, label
    text = json.dumps(data, ensure_ascii=False)
    assert "session_key" not in text and "key_hash" not in text
    assert data["excluded"] == EXCLUDED
    assert data["sections"]["微信身份"] and data["sections"]["角色授权"]
    book = load_workbook(io.BytesIO(xlsx))
    assert "个人资料" in book.sheetnames and len(book.sheetnames) > len(SECTIONS)
    export = DataExport.objects.get(user=user)
    assert export.status == "downloaded" and export.downloaded_at is not None and export.rows > 0


def test_the_apprentices_export_has_learning_runs_and_privacy_acceptance(demo, api):
    user = demo_user("demo-apprentice-li")
    data, _ = unzip(api.as_user(user).get("me/data-export"))
    sections = data["sections"]
    assert sections["隐私指引同意记录"] and sections["师徒协议"]
    assert sections["课时学习记录"] or sections["学习进度"]
    assert ApiToken.objects.filter(user=user).exists() and sections["登录令牌（不含令牌本身）"]


def test_a_large_account_is_built_in_the_background_and_downloaded_once(settings, api, make_user,
                                                                        django_capture_on_commit_callbacks):
    settings.PRIVACY_EXPORT_SYNC_MAX_ROWS = 0
    user = make_user()
    client = api.as_user(user)
    queued = client.get("me/data-export")
    assert queued.status_code == 202 and queued.json()["status"] == "pending"
    assert client.get("me/data-export").json()["id"] == queued.json()["id"]  # asking again: the same one
    assert build_pending_exports() == 1
    export = DataExport.objects.get(pk=queued.json()["id"])
    assert export.status == "ready" and export.file_path
    assert Notification.objects.filter(recipient=user, kind="data_export").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        data, _ = unzip(client.get("me/data-export"))
    assert data["profile"]["id"] == user.pk
    export.refresh_from_db()
    assert export.status == "downloaded" and export.downloaded_at is not None
    from miniprogram_api.signed_urls import private_path

    assert not private_path(export.file_path).exists()  # downloadable once: the file is gone
    again = client.get("me/data-export")
    assert again.status_code == 202 and again.json()["id"] != export.pk


def test_anonymous_gets_401(api):
    assert_error(api.get("me/data-export"), 401)


def test_an_export_keeps_other_peoples_parts_of_rows_the_person_only_reviewed(api, org, make_user):
    """An admin's export holds the deletion requests they decided and the roster applications they
    reviewed, but not what the other person wrote or is: no deletion reason, no pseudonym, no applicant's
    phone or statement. The requester's own export still holds their reason."""
    from accounts.models import Role
    from experts import services as experts_services
    from experts.models import Speciality
    from experts.specialities import ensure_tree
    from privacy.services import decide_deletion, request_deletion

    ensure_tree()
    admin = make_user("管理员", roles=[(Role.ADMIN, org.bureau)])
    requester = make_user("申请删除的人", phone="13800001234")
    item, _ = request_deletion(user=requester, reason="换了工作，不再使用（本人隐私）")
    decide_deletion(deletion_request=item, admin=admin, approve=False, note="仍在带教中，暂缓")
    applicant = make_user("申请入库的人", phone="13800005678")
    application, _ = experts_services.submit_application(
        applicant=applicant, client_id="a1", data=experts_services.ApplicationInput(
            name="申请入库的人", categories=["judge"], speciality_ids=[Speciality.objects.first().pk],
            phone="13800005678", statement="本人简历：某某职业学院毕业"))
    experts_services.reject_application(actor=admin, application_id=application.pk, reason="年限不足")

    data, _ = unzip(api.as_user(admin).get("me/data-export"))
    [decided] = data["sections"]["删除申请"]
    assert decided["status"] == "rejected" and decided["decision_note"] == "仍在带教中，暂缓"
    assert "reason" not in decided and "pseudonym" not in decided and "user_id" not in decided
    assert decided["decided_by_id"] == admin.pk
    [reviewed] = data["sections"]["专家入库申请（本人申请或审核）"]
    assert reviewed["status"] == "rejected" and reviewed["reason"] == "年限不足"
    text = json.dumps(data, ensure_ascii=False)
    for other in ("换了工作", "13800001234", "13800005678", "本人简历", "申请入库的人"):
        assert other not in text

    mine, _ = unzip(api.as_user(requester).get("me/data-export"))
    assert mine["sections"]["删除申请"][0]["reason"] == "换了工作，不再使用（本人隐私）"
    theirs, _ = unzip(api.as_user(applicant).get("me/data-export"))
    assert theirs["sections"]["专家入库申请（本人申请或审核）"][0]["phone"] == "13800005678"
