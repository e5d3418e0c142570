"""The access log: admin logins and failures, role grants and revocations, attachment exports and
personal-data exports are recorded (who, what, whose, when, from where); entries are append-only and
searchable in the admin."""

import pytest
from django.test import Client

from accounts.models import Role, User
from accounts.services import grant_role
from audit.models import AccessLogEntry
from miniprogram_api.append_only import AppendOnlyError

PASSWORD = "Str0ng-Passw0rd!"


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("audit-admin", password=PASSWORD)


def test_admin_logins_and_failures_are_recorded(superuser):
    browser = Client()
    browser.post("/admin/login/", {"username": "audit-admin", "password": "wrong", "next": "/admin/"})
    failed = AccessLogEntry.objects.get(action="admin_login_failed")
    assert failed.actor is None and failed.actor_label == "audit-admin" and failed.ip == "127.0.0.1"
    assert "wrong" not in str(failed.detail)
    response = browser.post("/admin/login/", {"username": "audit-admin", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302
    ok = AccessLogEntry.objects.get(action="admin_login")
    assert ok.actor == superuser and ok.actor_label == "audit-admin"


def test_role_grants_and_revocations_are_recorded(org, make_user):
    user = make_user()
    grant = grant_role(user=user, role=Role.JUDGE, org_unit=org.hvac)
    entry = AccessLogEntry.objects.filter(action="role_granted", target=f"user:{user.pk}").latest("at")
    assert entry.detail["role"] == Role.JUDGE
    grant.delete()
    assert AccessLogEntry.objects.filter(action="role_revoked", target=f"user:{user.pk}").exists()


def test_exports_and_personal_data_exports_are_recorded(api, make_user):
    user = make_user()
    client = api.as_user(user)
    assert client.get("me/data-export").status_code == 200
    entry = AccessLogEntry.objects.get(action="data_export")
    assert entry.actor == user and entry.target == f"user:{user.pk}"
    assert not AccessLogEntry.objects.filter(action="export").exists()  # not twice


def test_an_attachment_download_is_an_export_entry(rf, make_user):
    from django.http import HttpResponse

    from audit.middleware import ExportAccessLog

    user = make_user()
    request = rf.get("/api/v1/studios/3/learning.xlsx")
    request.user = user

    def view(_request):
        response = HttpResponse(b"xlsx")
        response["Content-Disposition"] = 'attachment; filename="x.xlsx"'
        return response

    ExportAccessLog(view)(request)
    entry = AccessLogEntry.objects.get(action="export")
    assert entry.actor == user and entry.target == "/api/v1/studios/3/learning.xlsx"


def test_entries_are_append_only_and_searchable_in_the_admin(superuser):
    entry = AccessLogEntry.objects.create(action="export", actor_label="张三", target="/api/v1/x.xlsx")
    entry.target = "changed"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    browser = Client()
    browser.force_login(superuser)
    found = browser.get("/admin/audit/accesslogentry/", {"q": "张三"})
    assert found.status_code == 200 and "/api/v1/x.xlsx" in found.content.decode()
    assert browser.get(f"/admin/audit/accesslogentry/{entry.pk}/delete/").status_code == 403
