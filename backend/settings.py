"""Shixun settings: one file, everything from the environment.

With no environment at all this is the embedded demo: a SQLite file, the in-memory channel layer,
local-memory cache and DEBUG on. Setting DATABASE_URL to PostgreSQL (or DEBUG=0) switches to
production defaults, where a real SECRET_KEY is required and `check --deploy` is clean.
"""

import json
import os
import sys
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(url: str) -> dict:
    """Turn postgres://user:pass@host:port/name?opt=v or sqlite:///path into a DATABASES entry."""
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme in {"sqlite", "sqlite3"}:
        path = unquote(parsed.path)
        # sqlite:///relative.db has path "/relative.db"; sqlite:////abs.db has "//abs.db".
        if path.startswith("//"):
            name = path[1:]
        else:
            name = str(BASE_DIR / path.lstrip("/")) if path not in ("", "/") else str(BASE_DIR / "db.sqlite3")
        return sqlite_database(name)
    if scheme in {"postgres", "postgresql", "pgsql"}:
        options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
        db = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "postgres",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "OPTIONS": options,
            "CONN_HEALTH_CHECKS": True,
        }
        if env_bool("DB_POOL", True):
            # Django's psycopg pool: connections are reused across requests and threads.
            # CONN_MAX_AGE must stay 0 with the pool (Django's rule). Django returns the connection to the
            # pool after every request, and with CONN_HEALTH_CHECKS the pool checks it with a round trip
            # to PostgreSQL at every checkout: a fifth of a ping's time (py-spy, issue 13). Without the
            # check, a connection that broke while idle fails one request with 503 database_unavailable
            # and is discarded (tests/e2e/test_fault_database.py); DB_POOL_CHECK=1 turns the check back on.
            db["CONN_HEALTH_CHECKS"] = env_bool("DB_POOL_CHECK", False)
            db["CONN_MAX_AGE"] = 0
            db["OPTIONS"]["pool"] = {
                "min_size": env_int("DB_POOL_MIN", 2),
                "max_size": env_int("DB_POOL_MAX", 20),
                "timeout": env_int("DB_POOL_TIMEOUT", 10),
            }
        else:
            db["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 0)
        db["OPTIONS"].setdefault("connect_timeout", env_int("DB_CONNECT_TIMEOUT", 5))
        return db
    raise ImproperlyConfigured(f"DATABASE_URL scheme {scheme!r} is not supported (use postgres:// or sqlite:///)")


def sqlite_database(name: str) -> dict:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": name,
        "OPTIONS": {
            # IMMEDIATE avoids "database is locked" when two threads upgrade read locks to write locks.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
        # A file, not memory, so that server processes started by end-to-end tests share it.
        "TEST": {"NAME": str(BASE_DIR / ".test-db.sqlite3")},
    }


# The test suite runs with production-like settings (DATABASE_URL set) but needs no real secret.
TESTING = "pytest" in sys.modules or sys.argv[1:2] == ["test"]

DATABASE_URL = env_str("DATABASE_URL")
REDIS_URL = env_str("REDIS_URL")
EMBEDDED = not DATABASE_URL

DEBUG = env_bool("DEBUG", EMBEDDED)

INSECURE_SECRET_KEY = "django-insecure-shixun-embedded-demo-key-do-not-use-in-production"
SECRET_KEY = env_str("SECRET_KEY") or INSECURE_SECRET_KEY
if not DEBUG and not TESTING and SECRET_KEY == INSECURE_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set in production (DEBUG is off). Generate one with: "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["*"] if DEBUG else ["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "miniprogram_api",
    "accounts",
    "media",
    "notifications",
    "experts",
    "audit",
    "credentials",
    "standards",
    "practice",
    "workorders",
    "training",
    "competitions",
    "apprenticeships",
    "privacy",
    "evaluations",
    "standard_evaluations",
    "supervision",
    "fixtures",
]

MIDDLEWARE = [
    "miniprogram_api.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "miniprogram_api.envelope.ApiEnvelopeMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "audit.middleware.ExportAccessLog",  # every attachment download is in the access log
    "audit.middleware.PhoneAccessLog",  # every answer with someone else's full phone number too
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "backend.middleware.OneThreadHop",  # must stay last: see the module
]

ROOT_URLCONF = "backend.urls"
ASGI_APPLICATION = "backend.asgi.application"
WSGI_APPLICATION = "backend.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": database_from_url(DATABASE_URL) if DATABASE_URL else sqlite_database(str(BASE_DIR / "db.sqlite3"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.security.ComplexityValidator"},  # 等保 level 2: three kinds of characters
]
# Admin logins: locked after repeated failures per account and per address (accounts/security.py).
AUTHENTICATION_BACKENDS = ["accounts.security.LockoutModelBackend"]
LOGIN_LOCKOUT_FAILURES = env_int("LOGIN_LOCKOUT_FAILURES", 5)
LOGIN_LOCKOUT_ADDRESS_FAILURES = env_int("LOGIN_LOCKOUT_ADDRESS_FAILURES", 20)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 15 * 60)
# Admin sessions end after this many idle seconds (renewed on every request) and with the browser.
SESSION_COOKIE_AGE = env_int("ADMIN_SESSION_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# The admin's URL path (a less guessable one in production, e.g. "manage-7f3a/").
ADMIN_PATH = env_str("ADMIN_PATH", "admin/").strip("/") + "/"

# Redis carries the cache (WeChat access token, rate limits, scan cache) and the channel layer.
# Without REDIS_URL both live in process memory, which is only right for a single-process demo.
REDIS_KEY_PREFIX = env_str("REDIS_KEY_PREFIX", f"shixun-test-{os.getpid()}" if TESTING else "shixun")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "backend.cache.RedisCache",  # Django's, with one pool per process (see the module)
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_KEY_PREFIX,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": f"{REDIS_KEY_PREFIX}:asgi",
                "capacity": env_int("CHANNEL_CAPACITY", 1000),
                "expiry": 60,
            },
        }
    }
    # CHANNEL_LAYER=pubsub: one Redis PUBLISH per group_send, fanned out in each process (measured in
    # bench/live_board.py and docs/PERFORMANCE.md). Clients resync by seq either way.
    if env_str("CHANNEL_LAYER", "core") == "pubsub":
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "CONFIG": {"hosts": [REDIS_URL], "prefix": f"{REDIS_KEY_PREFIX}:asgi"},
            }
        }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "shixun"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
WHITENOISE_USE_FINDERS = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- WeChat -------------------------------------------------------------------------------------
WECHAT_APPID = env_str("WECHAT_APPID", "wx00000000demo0000")
WECHAT_SECRET = env_str("WECHAT_SECRET", "demo-secret")
WECHAT_API_BASE = env_str("WECHAT_API_BASE", "https://api.weixin.qq.com").rstrip("/")
WECHAT_CONNECT_TIMEOUT = float(env_str("WECHAT_CONNECT_TIMEOUT", "3"))
WECHAT_READ_TIMEOUT = float(env_str("WECHAT_READ_TIMEOUT", "5"))
# Refresh the server access token this many seconds before WeChat says it expires.
WECHAT_TOKEN_REFRESH_MARGIN = env_int("WECHAT_TOKEN_REFRESH_MARGIN", 300)

# Subscribe-message templates per notification kind: {"template_id", "page", "fields": {field: value name}}.
# Template ids come from the WeChat console; a kind without one is only notified in the app. Production
# reads them from the JSON environment variable WECHAT_SUBSCRIBE_TEMPLATES; the embedded demo (DEBUG) uses
# the demo ids of fixtures/demo_subscribe_templates.json, which the fake WeChat server accepts, so
# `make run`'s notifications reach it. (Each entry's "name" is the template's title, for people.)
DEMO_SUBSCRIBE_TEMPLATES: dict[str, dict] = json.loads(
    (BASE_DIR / "fixtures" / "demo_subscribe_templates.json").read_text(encoding="utf-8"))


def subscribe_templates() -> dict[str, dict]:
    raw = env_str("WECHAT_SUBSCRIBE_TEMPLATES")
    if not raw:
        return dict(DEMO_SUBSCRIBE_TEMPLATES) if DEBUG else {}
    try:
        templates = json.loads(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"WECHAT_SUBSCRIBE_TEMPLATES is not valid JSON: {exc}") from None
    if not isinstance(templates, dict) or not all(
            isinstance(t, dict) and isinstance(t.get("fields", {}), dict) for t in templates.values()):
        raise ImproperlyConfigured('WECHAT_SUBSCRIBE_TEMPLATES must map kinds to {"template_id", "page", "fields"}')
    return templates


WECHAT_SUBSCRIBE_TEMPLATES: dict[str, dict] = subscribe_templates()

# The outbox sender's first retry delay; it doubles per attempt up to an hour.
OUTBOX_RETRY_BASE_SECONDS = float(env_str("OUTBOX_RETRY_BASE_SECONDS", "10"))

# The one public base of every absolute link the server hands out (printed QR codes `/q/<code>`, the
# certificate's QR, `qr_link`): PUBLIC_BASE_URL, else the older name QR_BASE_URL, else the address the
# server runs on (HOST/PORT, as `make run` and run_demo set them).
_RUN_HOST = env_str("HOST", "127.0.0.1")
PUBLIC_BASE_URL = (env_str("PUBLIC_BASE_URL") or env_str("QR_BASE_URL")
                   or f"http://{'127.0.0.1' if _RUN_HOST in ('', '0.0.0.0', '::') else _RUN_HOST}:"
                      f"{env_str('PORT', '8000')}").rstrip("/")

# Live boards: how often each board connection re-checks its seq against the database (repairs news the
# channel layer lost: a Redis restart, an expired group membership).
BOARD_HEARTBEAT_SECONDS = float(env_str("BOARD_HEARTBEAT_SECONDS", "30"))

# --- API tokens ---------------------------------------------------------------------------------
API_TOKEN_TTL_SECONDS = env_int("API_TOKEN_TTL_SECONDS", 7 * 24 * 3600)

# Periodic jobs run by `manage.py run_scheduler`: name -> (dotted callable, interval in seconds).
SCHEDULED_JOBS: dict[str, tuple[str, int]] = {
    "purge_expired": ("miniprogram_api.jobs.purge_expired", 3600),
    "purge_expired_tokens": ("accounts.jobs.purge_expired_tokens", 3600),
    # Masters and leaders hear once per overdue review (deduplicated per due date).
    "apprenticeship_reviews_overdue": ("apprenticeships.services.notify_overdue_reviews", 3600),
    "escalate_overdue_work_orders": ("workorders.jobs.escalate_overdue", env_int("WORKORDER_ESCALATION_INTERVAL", 60)),
    # Exam attempts left open are submitted at their deadline; learners hear before a course is due.
    "exam_auto_submit": ("training.jobs.auto_submit_expired", env_int("EXAM_AUTO_SUBMIT_INTERVAL", 30)),
    "training_due_reminders": ("training.jobs.remind_due", 3600),
    # Personal-data exports of large accounts are built in the background (issue 18).
    "privacy_build_exports": ("privacy.services.build_pending_exports", env_int("PRIVACY_EXPORT_INTERVAL", 60)),
    "privacy_retention": ("privacy.retention.apply_retention", 86400),
    # Closed survey campaigns are evaluated once: low items open improvement actions (整改).
    "evaluate_closed_surveys": ("evaluations.services.evaluate_closed", 600),
}
# Days each kind of data is kept (privacy/retention.py; docs/OPERATIONS.md says why). access_log ≥ 180.
RETENTION_DAYS = {
    "scan_gps_coarse": env_int("RETENTION_SCAN_GPS_COARSE_DAYS", 30),
    "scan_gps": env_int("RETENTION_SCAN_GPS_DAYS", 180),
    "notifications": env_int("RETENTION_NOTIFICATIONS_DAYS", 365),
    "outbox_delivered": env_int("RETENTION_OUTBOX_DAYS", 30),
    "access_log": env_int("RETENTION_ACCESS_LOG_DAYS", 365),
    # purged hourly by their own jobs (miniprogram_api.jobs.purge_expired, accounts.jobs.purge_expired_tokens):
    "idempotency": env_int("RETENTION_IDEMPOTENCY_DAYS", 3),  # since the request (a phone's retries)
    "tokens": env_int("RETENTION_TOKENS_DAYS", 7),  # since the token expired or was revoked
}
# GET /me/data-export builds the zip in the request up to this many rows; above, in the background.
PRIVACY_EXPORT_SYNC_MAX_ROWS = env_int("PRIVACY_EXPORT_SYNC_MAX_ROWS", 5000)

# A survey response answered offline before the close is still taken this long after it.
SURVEY_OFFLINE_GRACE_HOURS = env_int("SURVEY_OFFLINE_GRACE_HOURS", 24)

# "count/seconds" per scope, per user (or per client IP before login); see miniprogram_api/ratelimit.py.
RATE_LIMITS = {
    "login": env_str("RATE_LIMIT_LOGIN", "20/60"),
    "scan": env_str("RATE_LIMIT_SCAN", "120/60"),
    "upload": env_str("RATE_LIMIT_UPLOAD", "60/60"),
    "sync": env_str("RATE_LIMIT_SYNC", "30/60"),
    "certificate": env_str("RATE_LIMIT_CERTIFICATE", "60/60"),  # public verification, per client IP
    "report": env_str("RATE_LIMIT_REPORT", "30/60"),
    "progress": env_str("RATE_LIMIT_PROGRESS", "60/60"),  # learning-progress batches (one every 15 s is usual)
}

# --- Practice points, scans, runs, photos ---------------------------------------------------------
QR_CODE_LENGTH = env_int("QR_CODE_LENGTH", 16)  # random letters and digits, ≤ 32 (WeChat scene)
SCAN_CACHE_SECONDS = env_int("SCAN_CACHE_SECONDS", 300)
SCAN_CLOCK_SKEW_SECONDS = env_int("SCAN_CLOCK_SKEW_SECONDS", 300)  # a client clock off by more is flagged
SCAN_LINK_WINDOW_SECONDS = env_int("SCAN_LINK_WINDOW_SECONDS", 2 * 3600)  # a run links to a scan this recent
WECHAT_SCAN_PAGE = env_str("WECHAT_SCAN_PAGE", "pages/scan/index")  # the page a mini-program code opens
WECHAT_ENV_VERSION = env_str("WECHAT_ENV_VERSION", "release")
WECHAT_CODE_WIDTH = env_int("WECHAT_CODE_WIDTH", 430)
def _packaged_cjk_font() -> list[str]:
    """Noto Sans CJK from the PyPI package `noto-cjk-sans-otc` (a dependency): labels need no apt."""
    try:
        import noto_cjk_sans_otc
    except ImportError:  # pragma: no cover - it is a dependency
        return []
    return [str(noto_cjk_sans_otc.FONT_PATH)]


# Label fonts, first found wins; in a collection the Simplified Chinese face is used (docs/adr/0060).
LABEL_FONT_PATHS = env_list("LABEL_FONT_PATHS", [
    *_packaged_cjk_font(),
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # Debian fonts-wqy-microhei
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
])
LABEL_PDF_MAX_POINTS = env_int("LABEL_PDF_MAX_POINTS", 420)  # 20 A4 sheets (about 8 s and 40 MB to draw on 2 vCPUs)
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_BYTES", 10 * 1024 * 1024)
PHOTO_MAX_PIXELS = env_int("PHOTO_MAX_PIXELS", 50_000_000)  # more pixels than this is a decompression bomb
PHOTO_MAX_EDGE = env_int("PHOTO_MAX_EDGE", 2048)  # stored photos are downsized to this long edge
PHOTO_THUMB_EDGE = env_int("PHOTO_THUMB_EDGE", 320)
SYNC_MAX_RUNS = env_int("SYNC_MAX_RUNS", 200)
SYNC_MAX_STEPS = env_int("SYNC_MAX_STEPS", 200)
# --- Work orders ------------------------------------------------------------------------------------
# Minutes to the first response (accept or grab) and to completion, per urgency. Stored on each order
# when it is reported. Override with JSON, e.g. WORKORDER_DEADLINES='{"urgent": {"respond": 10, "finish": 180}}'.
WORKORDER_DEADLINES: dict[str, dict[str, int]] = {
    "urgent": {"respond": 15, "finish": 4 * 60},
    "normal": {"respond": 2 * 60, "finish": 24 * 60},
    "low": {"respond": 8 * 60, "finish": 72 * 60},
}
try:
    for _urgency, _minutes in json.loads(env_str("WORKORDER_DEADLINES") or "{}").items():
        WORKORDER_DEADLINES[_urgency] = {**WORKORDER_DEADLINES.get(_urgency, {}),
                                         **{k: int(v) for k, v in _minutes.items()}}
except (ValueError, AttributeError, TypeError) as _exc:
    raise ImproperlyConfigured(f"WORKORDER_DEADLINES: {_exc}") from None
WORKORDER_LIST_MAX = env_int("WORKORDER_LIST_MAX", 100)  # largest page of a work-order list
WORKORDER_STATS_MAX_DAYS = env_int("WORKORDER_STATS_MAX_DAYS", 366)  # longest date range of the statistics

# --- Training and exams (training/) ----------------------------------------------------------------
# Files nobody may fetch without a signed, expiring link (lesson videos, documents, posters). Kept outside
# MEDIA_ROOT, which is served to anyone who has a URL.
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "var" / "private")))
SIGNED_URL_SECONDS = env_int("SIGNED_URL_SECONDS", 2 * 3600)  # lifetime of a signed media link
TRAINING_VIDEO_MAX_BYTES = env_int("TRAINING_VIDEO_MAX_BYTES", 300 * 1024 * 1024)
TRAINING_DOCUMENT_MAX_BYTES = env_int("TRAINING_DOCUMENT_MAX_BYTES", 30 * 1024 * 1024)
# A video lesson is complete when this share of it has been watched (a course may set its own).
TRAINING_COMPLETION_SHARE = env_str("TRAINING_COMPLETION_SHARE", "0.95")
# Credited watching never exceeds the wall time since the lesson was opened, plus this (one report interval).
TRAINING_WALL_CLOCK_GRACE_SECONDS = env_int("TRAINING_WALL_CLOCK_GRACE_SECONDS", 15)
TRAINING_PROGRESS_MAX_ITEMS = env_int("TRAINING_PROGRESS_MAX_ITEMS", 200)  # items in one progress batch
TRAINING_REMINDER_DAYS = env_int("TRAINING_REMINDER_DAYS", 3)  # remind learners this many days before due
# Answers reaching the server later than the attempt's deadline plus this are refused (network slack).
EXAM_GRACE_SECONDS = env_int("EXAM_GRACE_SECONDS", 30)
EXAM_IMPORT_MAX_ROWS = env_int("EXAM_IMPORT_MAX_ROWS", 2000)

# Uploaded photos are served from MEDIA_URL by Django unless a proxy (nginx) serves MEDIA_ROOT itself.
SERVE_MEDIA = env_bool("SERVE_MEDIA", True)

# --- Security (production defaults; each overridable) -------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG and not TESTING)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG and not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = ["security.W021"]  # preload is a deliberate opt-in per domain

DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)

# /metrics: open to loopback and private addresses, or to anyone with this bearer token when set.
METRICS_TOKEN = env_str("METRICS_TOKEN")

# --- Logging: one line per event, secrets redacted ----------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOG_FORMAT = "json" if env_str("LOG_FORMAT", "plain" if DEBUG else "json") == "json" else "plain"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "backend.logs.RedactSecretsFilter"}},
    "formatters": {
        "plain": {"()": "backend.logs.PlainFormatter", "format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "backend.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["redact"]},
        "channel_overflow": {"class": "miniprogram_api.metrics.ChannelOverflowHandler", "level": "INFO"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "urllib3": {"level": "WARNING"},
        "channels_redis.core": {"level": "INFO", "handlers": ["channel_overflow"]},
    },
}

# Verifiable credentials (issue 18, docs/adr/0087-0089): the issuer's Ed25519 key as a PKCS#8 PEM or a
# private OKP JWK; without it, the key file under var/ (generated on first use where allowed: the demo, tests).
CREDENTIALS_ISSUER_KEY = env_str("CREDENTIALS_ISSUER_KEY")
CREDENTIALS_KEY_FILE = Path(env_str("CREDENTIALS_KEY_FILE", str(BASE_DIR / "var" / "credentials" / "issuer-ed25519.pem")))
CREDENTIALS_GENERATE_KEY = env_bool("CREDENTIALS_GENERATE_KEY", DEBUG or TESTING)
CREDENTIALS_ISSUER_DID = env_str("CREDENTIALS_ISSUER_DID")  # default: did:web of PUBLIC_BASE_URL's host
CREDENTIALS_ISSUER_NAME = env_str("CREDENTIALS_ISSUER_NAME", "机关事务实训基地")
CREDENTIALS_STATUS_LIST_SIZE = env_int("CREDENTIALS_STATUS_LIST_SIZE", 131_072)  # the spec's minimum (16 KB)
