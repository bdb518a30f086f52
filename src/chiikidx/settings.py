"""Settings, read from the environment (CHIIKIDX_*).

CHIIKIDX_DEBUG         1 for development (default 0: production behaviour)
CHIIKIDX_SECRET_KEY    required when CHIIKIDX_HTTPS is on (production won't start without);
                       over plain HTTP (development, tests) one is generated into the data dir
CHIIKIDX_AUDIT_KEY     keys the audit hash chain (default: the secret key); never change it later
CHIIKIDX_DATABASE_URL  e.g. postgres://user@host:5432/db (default: SQLite in the data dir, WAL)
CHIIKIDX_ALLOWED_HOSTS comma-separated host names (default: localhost, 127.0.0.1, [::1])
CHIIKIDX_HTTPS         1 when served over HTTPS (default: the opposite of DEBUG)
CHIIKIDX_STATIC_MANIFEST  1: serve `collectstatic` output with hashed names and a long cache
                       (default: on in production, i.e. HTTPS without DEBUG)
CHIIKIDX_DATA_DIR      where the SQLite file, generated key and uploads live (default ./var)
CHIIKIDX_EVIDENCE_MAX_MB  largest evidence file (根拠資料) accepted, in MB (default 20)
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("CHIIKIDX_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    key = os.environ.get("CHIIKIDX_SECRET_KEY")
    if key:
        return key
    # Persisted so sessions survive restarts of a single-machine install.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("CHIIKIDX_DEBUG", False)
ALLOWED_HOSTS = env_list("CHIIKIDX_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
HTTPS = env_bool("CHIIKIDX_HTTPS", not DEBUG)
if HTTPS and not os.environ.get("CHIIKIDX_SECRET_KEY"):
    raise ImproperlyConfigured(
        "本番運用(HTTPS)では環境変数 CHIIKIDX_SECRET_KEY に50文字以上の秘密鍵を設定してください。"
        "複数のサーバーで同じ値を使います。試用で HTTP のまま動かす場合は CHIIKIDX_HTTPS=0 です。"
    )
SECRET_KEY = _secret_key()
# Keys the audit log's hash chain; kept outside the database so the chain cannot be re-forged
# from inside it. Never change it on an installation that has audit entries.
CHIIKIDX_AUDIT_KEY = os.environ.get("CHIIKIDX_AUDIT_KEY") or SECRET_KEY

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "chiikidx.core",
    "chiikidx.assessments",
    "chiikidx.plans",
    "chiikidx.challenges",  # after plans: challenges become plan measures
    "chiikidx.monitoring",  # after plans: its demo links KPIs to the plans demo
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "chiikidx.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "chiikidx.core.middleware.AuditActorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "chiikidx.urls"
WSGI_APPLICATION = "chiikidx.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "chiikidx.core.context_processors.shell",
            ],
            "builtins": [
                "chiikidx.core.templatetags.jp",
                "django.contrib.humanize.templatetags.humanize",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("CHIIKIDX_DATABASE_URL") or f"sqlite:///{DATA_DIR / 'chiikidx.sqlite3'}",
        conn_max_age=int(os.environ.get("CHIIKIDX_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers proceed during a write; IMMEDIATE avoids lock-upgrade deadlocks.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"

# Login lockout: 5 failures for the same user name from the same address lock it for 30 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("CHIIKIDX_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_VERBOSE = False
# Behind a reverse proxy every client has the proxy's address: say how many proxies append to
# X-Forwarded-For so the lockout keys on the real client (unset: REMOTE_ADDR only).
if os.environ.get("CHIIKIDX_PROXY_COUNT"):
    AXES_IPWARE_PROXY_COUNT = int(os.environ["CHIIKIDX_PROXY_COUNT"])
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "chiikidx.core.staticfinders.PlotlyFinder",
]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Uploaded files (evidence of assessment answers under MEDIA_ROOT/evidence). There is no
# MEDIA_URL on purpose: nothing serves this directory; downloads go through access-checked views.
MEDIA_ROOT = DATA_DIR / "media"
EVIDENCE_MAX_BYTES = int(float(os.environ.get("CHIIKIDX_EVIDENCE_MAX_MB", "20")) * 1024 * 1024)
# Production serves `chiikidx collectstatic` output: hashed names, compressed, cached for long
# (a system check fails until collectstatic has run). Development and tests serve the files
# from the packages directly with a short cache.
STATIC_MANIFEST = env_bool("CHIIKIDX_STATIC_MANIFEST", HTTPS and not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_MAX_AGE = 0 if DEBUG else 3600

# Security. HTTPS-only flags apply when served over HTTPS (production behind a reverse proxy).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env_list("CHIIKIDX_CSRF_TRUSTED_ORIGINS", "")
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
if HTTPS is False and not DEBUG:
    # Plain HTTP on purpose (tests, closed-network trial); check --deploy would rightly warn.
    SILENCED_SYSTEM_CHECKS = ["security.W004", "security.W008", "security.W012", "security.W016"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["chiikidx.core.api_access.RouteRulePermission"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "chiikidx.core.api_access.Pagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "chiikidx.core.api_access.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"token": os.environ.get("CHIIKIDX_TOKEN_RATE", "30/minute")},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "chiikidx API",
    "DESCRIPTION": (
        "地域DX推進プラットフォームのREST API (v1)。"
        "トークンは POST /api/v1/auth/token/ で取得し、Authorization: Token <トークン> で送ります。"
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_PERMISSIONS": ["chiikidx.core.api_access.RouteRulePermission"],
    "SERVE_AUTHENTICATION": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    # Several apps have a "status"; name each set so clients get stable enum names.
    "ENUM_NAME_OVERRIDES": {
        "PlanStatusEnum": "chiikidx.plans.choices.PlanStatus",
        "MeasureStatusEnum": "chiikidx.plans.choices.MeasureStatus",
        "DependencyKindEnum": "chiikidx.plans.choices.DependencyKind",
        "KpiKindEnum": "chiikidx.monitoring.choices.KpiKind",
        "DirectionEnum": "chiikidx.monitoring.choices.Direction",
        "ReviewStatusEnum": "chiikidx.monitoring.reviews.choices.ReviewStatus",
        "ReviewDirectionEnum": "chiikidx.monitoring.reviews.choices.Direction",
        "FollowUpStatusEnum": "chiikidx.monitoring.reviews.choices.FollowUpStatus",
        "LogicStageEnum": "chiikidx.monitoring.choices.LogicStage",
        "LogicNodeStatusEnum": "chiikidx.monitoring.logic.NodeStatus",
        "LogicVerdictEnum": "chiikidx.monitoring.logic.Verdict",
        "CostKindEnum": "chiikidx.monitoring.choices.CostKind",
        "ChallengeStatusEnum": "chiikidx.challenges.choices.ChallengeStatus",
        "ChallengeScopeEnum": "chiikidx.challenges.choices.Scope",
        "ChallengeTimingEnum": "chiikidx.challenges.choices.Timing",
        "ChallengeSourceKindEnum": "chiikidx.challenges.choices.SourceKind",
        "DialogueKindEnum": "chiikidx.challenges.choices.DialogueKind",
        "ProcessStepTypeEnum": "chiikidx.challenges.choices.StepType",
        "ProcessMediumEnum": "chiikidx.challenges.choices.Medium",
        "ProcessPerformerEnum": "chiikidx.challenges.choices.Performer",
        "CommonIssueInitiativeEnum": "chiikidx.challenges.choices.InitiativeKind",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CHIIKIDX_LOG_LEVEL", "WARNING")},
}

CHIIKIDX_DEMO_PASSWORD = os.environ.get("CHIIKIDX_DEMO_PASSWORD") or "chiikidx-demo"
