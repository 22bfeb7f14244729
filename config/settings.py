"""Settings for every machine, read from the environment.

Embedded default (nothing set): SQLite file in the project, Celery tasks run eagerly
in process, local-memory cache, DEBUG on. Production: set DEBUG=0, SECRET_KEY,
ALLOWED_HOSTS, DATABASE_URL (PostgreSQL), CELERY_BROKER_URL and REDIS_URL (Redis).
"""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
_DEV_SECRET = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdefghij"
SECRET_KEY = os.environ.get("SECRET_KEY") or _DEV_SECRET
if not DEBUG and SECRET_KEY == _DEV_SECRET:
    raise RuntimeError("SECRET_KEY must be set when DEBUG=0")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "config.apps.MedsecAdminConfig",  # django.contrib.admin, clerks only
    "django.contrib.auth",
    "axes",  # login lockouts (users.login_protection)
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files (the CSP allows only 'self')
    "csp",
    "simple_history",
    "users",
    "core",
    "policy",
    "enrollment",
    "contributions",
    "accounts",
    "claims",
    "institutions",
    "assistance",
    "maternity",
    "funds",
    "portal",
]

MIDDLEWARE = [
    "config.health.HealthCheckMiddleware",  # /healthz over plain HTTP, by IP, for the load balancer
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.locale.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy (CONTENT_SECURITY_POLICY below)
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a locked-out login into a 429 page
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.illustrative",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters bound by the server, and a statement run DB_PREPARE_THRESHOLD times on a
    # connection is prepared: the settlement's fixed statements (core.rows) are then parsed
    # and planned once per connection, not once per bill (about a third of a settlement's
    # database time). Behind a transaction-mode pooler (PgBouncer < 1.21) set it to "off".
    # A migration that changes a table's columns needs the app servers restarted after it.
    _threshold = os.environ.get("DB_PREPARE_THRESHOLD", "5")
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True,
        prepare_threshold=None if _threshold.lower() in ("off", "none", "") else int(_threshold),
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A busy SQLite waits for the writer instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "users.User"
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:login"

# Login protection (django-axes, docs/security.md): after AXES_FAILURE_LIMIT failed logins for
# one username, or from one IP, further logins are refused (429) for AXES_COOLOFF_TIME. The
# 管理 group unlocks an account in the admin (访问尝试: delete the row).
AUTHENTICATION_BACKENDS = [
    "users.login_protection.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "users.login_protection.client_ip"
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "users/lockout.html"  # answered with status 429
# Trusted reverse proxies in front of the app (their X-Forwarded-For names the client): used by
# the login lockout and the bad-token throttle to tell callers apart.
NUM_PROXIES = int(os.environ.get("NUM_PROXIES", "0"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Development and tests serve static files from the apps (no collectstatic); production
# serves the collected, compressed files from STATIC_ROOT (`manage.py collectstatic`).
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG

# Cache: Redis when REDIS_URL is set, local memory otherwise.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Celery: no broker configured means tasks run eagerly, in process.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ROUTES = {
    "claims.tasks.*": {"queue": "statements"},
    "accounts.tasks.*": {"queue": "batch"},
    "funds.tasks.*": {"queue": "batch"},
}
CELERY_TASK_DEFAULT_QUEUE = "default"
# Statements (结算单) are rendered when first asked for (portal, admin, the institution's API) and
# kept in storage; True renders every settlement's statement after it commits, as before (issue 15).
STATEMENTS_RENDER_EAGERLY = env_bool("STATEMENTS_RENDER_EAGERLY", False)

CELERY_BEAT_SCHEDULE = {
    "monthly-account-credits": {
        "task": "accounts.tasks.credit_month",
        "schedule": crontab(minute=0, hour=2, day_of_month=1),
    },
    "monthly-arrears-check": {
        "task": "accounts.tasks.arrears_check",  # the batch job (progress in the admin)
        "schedule": crontab(minute=0, hour=3, day_of_month=1),
    },
    "statement-outbox": {
        "task": "claims.tasks.queue_pending_statements",
        "schedule": 10.0,
    },
    # maternity decision letters whose render never reached the broker (the decision is the outbox)
    "maternity-letter-outbox": {
        "task": "maternity.tasks.queue_pending_letters",
        "schedule": 60.0,
    },
    "supervision-nightly": {
        "task": "institutions.tasks.supervise_day",
        "schedule": crontab(minute=30, hour=1),
    },
    "supervision-queued": {
        "task": "institutions.tasks.supervise_recent",
        "schedule": crontab(minute="*/15"),
    },
    # the assistance fund's book follows the settlements' immediate assistance (idempotent)
    "assistance-immediate-postings": {
        "task": "assistance.post_immediate_assistance",
        "schedule": 300.0,
    },
    "year-end-rollover": {
        "task": "accounts.tasks.year_end_rollover",
        "schedule": crontab(minute=30, hour=0, day_of_month=1, month_of_year=1),
    },
    "nightly-fund-posting": {
        "task": "funds.tasks.post_journal",
        "schedule": crontab(minute=30, hour=1),
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "users.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Deny by default: a view that names no permission is for clerks only. API views name
    # `users.permissions.HasApiScope` with their scope.
    "DEFAULT_PERMISSION_CLASSES": ["users.permissions.IsClerk"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    # JSON only, depth-checked before parsing (core.parsers); the schema advertises JSON bodies only.
    "DEFAULT_PARSER_CLASSES": ["core.parsers.DepthLimitedJSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Refused bearer tokens per client IP before every token from that IP gets 429 (users.throttling).
    "DEFAULT_THROTTLE_RATES": {"bad_token": os.environ.get("API_BAD_TOKEN_RATE", "30/min")},
    "NUM_PROXIES": NUM_PROXIES or None,
}
# Content-Security-Policy on every answer (django-csp): scripts, styles, fonts and images from this
# site only; no inline script or style anywhere (templates link static files), no framing, no plugins.
# The admin, the portal and /api/docs/ (Swagger UI from drf-spectacular-sidecar, its start script a
# separate URL) work under it: tests/foundation/test_csp_browser.py opens them and finds no violation.
# CSP_REPORT_ONLY=1 sends it as Content-Security-Policy-Report-Only (to trial a change in production).
_CSP = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # Swagger UI's icons are data: URIs
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if env_bool("CSP_REPORT_ONLY", False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP
else:
    CONTENT_SECURITY_POLICY = _CSP

API_JSON_MAX_DEPTH = int(os.environ.get("API_JSON_MAX_DEPTH", "32"))
# The schema and /api/docs/: public while developing; in production only to clerks and API
# clients that are logged in (API_DOCS_PUBLIC=1 opens them).
API_DOCS_PUBLIC = env_bool("API_DOCS_PUBLIC", DEBUG)
SPECTACULAR_SETTINGS = {
    # ASCII: a generated client's package is named after the title (medsec-api-client)
    "TITLE": "Medsec API",
    "DESCRIPTION": "Medical-security agency (医保经办) API. Trial settlement, settlement and reversal for "
    "institutions; contribution intake for the tax bureau; certificates for civil affairs; maternity claims "
    "for employers.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from our own static files (drf-spectacular-sidecar), not a CDN: the CSP allows 'self' only
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # no badge from validator.swagger.io (an outside image the CSP refuses; nothing leaves the site)
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    # every status a route can answer, with its body: 400/401/403/404/415/429 from the framework (core.schema)
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.schema.document_framework_answers",
    ],
    "COMPONENT_SPLIT_REQUEST": True,
    # The region choice appears with labels (enrollment) and as bare codes (policy): name both.
    "ENUM_NAME_OVERRIDES": {
        "RegionEnum": "enrollment.models.Region",
        "RegionCodeEnum": "policy.parameters.REGIONS",
        # The assistance certificate kinds, as codes in the trial contract and certificate intake.
        "CertificateEnum": "policy.settlement.types.CERTIFICATES",
    },
}

# Policy: which region this deployment administers (the code of a policy/parameters/<code>.yaml;
# unset: the only region file, or the first by name, see policy.regions.default_region), and
# whether the regions' illustrative parameter sets (<code>-illustrative.yaml) may be loaded
# (tests and demo only; never in production).
POLICY_DEFAULT_REGION = os.environ.get("POLICY_DEFAULT_REGION", "")
POLICY_ILLUSTRATIVE = env_bool("POLICY_ILLUSTRATIVE", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Production hardening: on whenever DEBUG is off (check --deploy is clean).
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

SESSION_COOKIE_HTTPONLY = True
