"""Deletion end to end: a person asks (POST /me/deletion-request), an admin approves in the admin, the
person is anonymised under a stable pseudonym (phone, openid, unionid gone, tokens revoked, roles removed)
and every record others rely on is still there, pointing at the pseudonym."""

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client

from accounts.models import RoleGrant, User, WechatIdentity
from apprenticeships.models import Agreement
from fixtures.accounts_demo import demo_user
from practice.models import ProcedureRun
from privacy.export import SECTIONS, _q
from privacy.models import DeletionRequest
from privacy.services import pseudonym_for
from tests.conftest import assert_error

GONE = {"accounts.WechatIdentity", "accounts.RoleGrant", "notifications.OutboxMessage"}


def _counts(user) -> dict[str, int]:
    result = {}
    for label in SECTIONS:
        model = apps.get_model(label)
        result[label] = model._default_manager.filter(_q(model, user)).distinct().count()
    return result


def _admin_action(action: str, request_ids: list[int]):
    admin_user = User.objects.create_superuser("privacy-admin", password="Str0ng-Passw0rd!")
    browser = Client()
    browser.force_login(admin_user)
    response = browser.post("/admin/privacy/deletionrequest/", {"action": action,
                                                                 "_selected_action": request_ids})
    assert response.status_code == 302, response.content[:500]
    return admin_user


@pytest.fixture
def demo(db, fake_wechat):
    call_command("seed_demo", verbosity=0)


def test_deletion_requested_approved_anonymised_records_intact(demo, api):
    li = demo_user("demo-apprentice-li")
    client = api.as_user(li)
    first = client.post("me/deletion-request", {"reason": "已调离本单位"})
    assert first.status_code == 201, first.content
    assert first.json()["status"] == "requested"
    again = client.post("me/deletion-request", {})
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert client.get("me").status_code == 200  # nothing happens before the review

    before = _counts(li)
    assert before["practice.ProcedureRun"] and before["apprenticeships.Agreement"]
    admin_user = _admin_action("approve", [first.json()["id"]])

    li.refresh_from_db()
    pseudonym = pseudonym_for(li)
    assert li.display_name == pseudonym and pseudonym.startswith("已注销用户") and "李" not in li.username
    assert li.phone == "" and not li.is_active and not li.has_usable_password()
    assert not WechatIdentity.objects.filter(user=li).exists()
    assert not WechatIdentity.objects.filter(openid="demo-apprentice-li").exists()
    assert not RoleGrant.objects.filter(user=li).exists()
    assert_error(client.get("me"), 401)  # the token is revoked
    after = _counts(li)
    for label, count in before.items():
        if label not in GONE and label != "privacy.DeletionRequest":
            assert after[label] == count, label  # records others rely on are intact
    assert ProcedureRun.objects.filter(performer=li).count() == before["practice.ProcedureRun"]
    assert str(Agreement.objects.filter(apprentice=li).first().apprentice) == pseudonym
    decided = DeletionRequest.objects.get(pk=first.json()["id"])
    assert decided.status == "approved" and decided.decided_by == admin_user and decided.pseudonym == pseudonym

    # The same WeChat account logging in again is a new person, not the deleted one.
    login = api.post("auth/wechat-login", {"code": "demo-apprentice-li"}).json()
    assert login["is_new"] and login["user"]["id"] != li.pk


def test_a_rejected_request_changes_nothing_and_bad_bodies_are_refused(api, make_user):
    user = make_user(name="钱多多", phone="13912340000")
    client = api.as_user(user)
    assert client.raw("POST", "me/deletion-request", b"[]").status_code == 422
    assert_error(api.post("me/deletion-request", {}), 401)
    item = client.post("me/deletion-request", {}).json()
    _admin_action("reject", [item["id"]])
    user.refresh_from_db()
    assert user.display_name == "钱多多" and user.phone == "13912340000" and user.is_active
    assert DeletionRequest.objects.get(pk=item["id"]).status == "rejected"
    assert client.get("me").status_code == 200
    assert client.post("me/deletion-request", {}).status_code == 201  # a new request may follow


def test_the_pseudonym_is_stable_and_reveals_nothing(make_user):
    user = make_user(name="孙悟空")
    assert pseudonym_for(user) == pseudonym_for(User.objects.get(pk=user.pk))
    other = make_user(name="猪八戒")
    assert pseudonym_for(user) != pseudonym_for(other) and "孙" not in pseudonym_for(user)


def test_a_deleted_expert_keeps_the_roster_record_but_not_the_name_phone_or_cv(demo, api):
    from experts.models import Application, Expert
    from experts.services import anonymise_person
    from miniprogram_api.signed_urls import private_path

    chen = Application.objects.exclude(cv_path="").select_related("applicant").first()
    assert chen is not None, "the demo has an application with a CV"
    cv = private_path(chen.cv_path)
    assert cv.exists()
    wang = demo_user("demo-master-wang")
    expert = Expert.objects.get(user=wang)
    Expert.objects.filter(pk=expert.pk).update(phone="13812345678")
    engagements = expert.engagements.count()

    anonymise_person(user=wang, pseudonym=pseudonym_for(wang))
    anonymise_person(user=chen.applicant, pseudonym=pseudonym_for(chen.applicant))
    expert.refresh_from_db()
    assert (expert.name, expert.phone) == (pseudonym_for(wang), "")
    assert expert.code.startswith("ZJ-") and expert.engagements.count() == engagements
    chen.refresh_from_db()
    assert (chen.cv_path, chen.cv_name) == ("", "") and not cv.exists()


def test_the_account_part_of_a_deletion_is_accounts_own_service(org, make_user):
    """privacy.anonymise leaves the accounts tables to accounts.services.anonymise_account."""
    import inspect

    from accounts.models import ApiToken, RoleGrant, WechatIdentity
    from accounts.services import anonymise_account, grant_role, issue_token
    from privacy import services as privacy_services

    user = make_user("将被删除", phone="13800009999", roles=[("worker", org.hvac)])
    WechatIdentity.objects.create(user=user, appid="wx-test", openid="o-del")
    issue_token(user=user)
    grant_role(user=user, role="judge", org_unit=org.base)
    anonymise_account(user=user, pseudonym="已注销用户abcd1234")
    user.refresh_from_db()
    assert (user.display_name, user.phone, user.is_active) == ("已注销用户abcd1234", "", False)
    assert not WechatIdentity.objects.filter(user=user).exists() and not RoleGrant.objects.filter(user=user).exists()
    assert not ApiToken.objects.filter(user=user, revoked_at__isnull=True).exists()
    source = inspect.getsource(privacy_services)
    assert "WechatIdentity" not in source and "RoleGrant" not in source and "ApiToken" not in source
