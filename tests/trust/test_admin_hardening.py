"""等保 level 2 admin hardening: lockout after repeated failures per account and per address (even the right
password is refused while locked), password complexity, idle session timeout, configurable admin path."""

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from accounts.models import User
from audit.models import AccessLogEntry

PASSWORD = "Str0ng-Passw0rd!"


def login(username: str, password: str, address: str = "10.0.0.1") -> bool:
    response = Client(REMOTE_ADDR=address).post("/admin/login/", {"username": username, "password": password,
                                                                  "next": "/admin/"})
    return response.status_code == 302


@pytest.fixture
def admins(db):
    return [User.objects.create_superuser(f"admin-{n}", password=PASSWORD) for n in range(4)]


def test_an_account_is_locked_after_five_failures(admins):
    for _ in range(django_settings.LOGIN_LOCKOUT_FAILURES):
        assert not login("admin-0", "wrong-password")
    assert not login("admin-0", PASSWORD)  # locked: the right password is refused too
    assert not login("admin-0", PASSWORD, address="10.0.0.9")  # from anywhere
    assert login("admin-1", PASSWORD)  # another account from the same address is fine
    assert AccessLogEntry.objects.filter(action="admin_login_failed", actor_label="admin-0").count() == 7


def test_an_address_is_locked_after_failures_across_accounts(admins, settings):
    settings.LOGIN_LOCKOUT_ADDRESS_FAILURES = 3
    for name in ("admin-0", "admin-1", "nobody"):
        assert not login(name, "wrong-password", address="10.0.0.66")
    assert not login("admin-2", PASSWORD, address="10.0.0.66")
    assert login("admin-2", PASSWORD, address="10.0.0.67")


def test_a_successful_login_clears_the_accounts_count(admins):
    for _ in range(django_settings.LOGIN_LOCKOUT_FAILURES - 1):
        assert not login("admin-3", "wrong-password")
    assert login("admin-3", PASSWORD)
    for _ in range(django_settings.LOGIN_LOCKOUT_FAILURES - 1):
        assert not login("admin-3", "wrong-password")
    assert login("admin-3", PASSWORD)


def test_password_rules(db):
    for weak in ("short1A!", "alllowercaseletters", "1234567890123", "password123"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("Gx7-kettle-Lamp")


def test_sessions_time_out_and_the_admin_path_is_configurable():
    assert django_settings.SESSION_COOKIE_AGE <= 30 * 60 and django_settings.SESSION_SAVE_EVERY_REQUEST
    assert django_settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert django_settings.ADMIN_PATH == "admin/"
    import os
    import subprocess
    import sys

    # the embedded settings: production settings (DATABASE_URL in CI) would demand a SECRET_KEY
    embedded = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    out = subprocess.run([sys.executable, "-c", "import django; django.setup(); from django.urls import reverse; "
                          "print(reverse('admin:index'))"], env={**embedded, "ADMIN_PATH": "manage-7f3a",
                                                                  "DJANGO_SETTINGS_MODULE": "backend.settings"},
                         capture_output=True, text=True, check=True, cwd=django_settings.BASE_DIR)
    assert out.stdout.strip() == "/manage-7f3a/"
