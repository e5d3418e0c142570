"""Settings read from the environment: URLs, production refusals, `check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from backend.settings import database_from_url

ROOT = Path(__file__).resolve().parent.parent


def test_postgres_url_uses_the_pool():
    db = database_from_url("postgres://shixun:p%40ss@db.example:5433/shixun?sslmode=require")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "shixun", "p@ss", "db.example", "5433", "shixun")
    assert db["OPTIONS"]["sslmode"] == "require"
    assert db["OPTIONS"]["pool"]["max_size"] >= 1
    assert db["CONN_MAX_AGE"] == 0


def test_sqlite_urls():
    assert database_from_url("sqlite:////tmp/x.db")["NAME"] == "/tmp/x.db"
    assert database_from_url("sqlite:///x.db")["NAME"] == str(ROOT / "x.db")


def test_unknown_scheme_is_refused():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        database_from_url("mysql://x/y")


def run_manage(*args, **env):
    clean = {k: v for k, v in os.environ.items()
             if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}}
    clean.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True,
                          text=True, timeout=120)


def test_production_refuses_the_default_secret_key(tmp_path):
    result = run_manage("check", DEBUG="0", DATABASE_URL=f"sqlite:///{tmp_path}/p.db")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DEBUG="0", SECRET_KEY="x" * 20 + "-production-secret-" + "y" * 30, ALLOWED_HOSTS="shixun.example.gov.cn",
        DATABASE_URL=f"sqlite:///{tmp_path}/p.db",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_embedded_defaults_need_no_environment(tmp_path):
    result = run_manage("shell", "-v", "0", "-c",
                        "from django.conf import settings as s;"
                        "print(s.DEBUG, s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'],"
                        " s.CHANNEL_LAYERS['default']['BACKEND'], s.TIME_ZONE, s.LANGUAGE_CODE, s.USE_TZ)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True", "django.db.backends.sqlite3", "django.core.cache.backends.locmem.LocMemCache",
        "channels.layers.InMemoryChannelLayer", "Asia/Shanghai", "zh-hans", "True"]


def test_redis_url_switches_cache_and_channel_layer():
    result = run_manage("shell", "-v", "0", "-c",
                        "from django.conf import settings as s;"
                        "print(s.CACHES['default']['BACKEND'], s.CHANNEL_LAYERS['default']['BACKEND'])",
                        REDIS_URL="redis://127.0.0.1:6379/0")
    assert result.stdout.split() == ["backend.cache.RedisCache",  # Django's RedisCache, one pool per process
                                     "channels_redis.core.RedisChannelLayer"]


@pytest.mark.parametrize("env, base", [
    ({"PORT": "18006"}, "http://127.0.0.1:18006"),
    ({"HOST": "0.0.0.0", "PORT": "9000"}, "http://127.0.0.1:9000"),
    ({"HOST": "192.168.1.20", "PORT": "9000"}, "http://192.168.1.20:9000"),
    ({"PORT": "9000", "QR_BASE_URL": "https://old.example/"}, "https://old.example"),
    ({"PORT": "9000", "PUBLIC_BASE_URL": "https://sx.example.gov.cn"}, "https://sx.example.gov.cn"),
])
def test_every_absolute_link_follows_the_address_the_demo_runs_on(env, base):
    """qr_link, the labels' QR and the certificate's QR used to say port 8000 whatever PORT was."""
    result = run_manage("shell", "-v", "0", "-c",
                        "from standards.models import qr_link; from apprenticeships.certificates import verify_url;"
                        "print(qr_link('abc')); print(verify_url('XYZ'))",
                        **{"HOST": "", "PUBLIC_BASE_URL": "", "QR_BASE_URL": "", **env})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [f"{base}/q/abc", f"{base}/api/v1/certificates/XYZ"]
