"""Settings for the channel hub, read from the environment.

Embedded default: a SQLite file and Celery tasks run in-process, so the hub starts on a machine with
nothing but Python. Production shape: ``DATABASE_URL`` on PostgreSQL and ``REDIS_URL`` for the Celery
broker, results, cache and locks.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)
# The fallback key is for the embedded quick start only; production sets SECRET_KEY.
SECRET_KEY = os.environ.get("SECRET_KEY") or "insecure-quick-start-key-set-SECRET_KEY-in-production"
# Fernet key (urlsafe base64 of 32 bytes) that encrypts channel credentials at rest.
FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "hub.core",
    "hub.tenants",
    "hub.catalog",
    "hub.channels",
    "hub.orders",
    "hub.dashboard",
    "warehouse",
    "warehouse.returns",
    "warehouse.counts",
    "warehouse.picking",
    "warehouse.shipping",
    "warehouse.inbound",
    "warehouse.scanner",
    "schedules",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "hub.urls"
WSGI_APPLICATION = "hub.wsgi.application"
AUTH_USER_MODEL = "tenants.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "hub" / "templates"],
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

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Serialise writers instead of failing with "database is locked" under the demo's threads.
    DATABASES["default"]["OPTIONS"] = {"timeout": 30, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-in"
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Kolkata")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files from the apps when collectstatic has not run (tests, a first `runserver`).
WHITENOISE_USE_FINDERS = DEBUG or not STATIC_ROOT.exists()
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

REDIS_URL = os.environ.get("REDIS_URL", "")
# Every Redis key of the hub (locks, rate-limit buckets, the cache) starts with this. Set in the
# environment, it also prefixes Celery's own keys (queues, results), so several hubs or test runs can
# share one Redis and be told apart.
REDIS_KEY_PREFIX = os.environ.get("REDIS_KEY_PREFIX", "hub:")
_CELERY_KEY_PREFIX = {"global_keyprefix": REDIS_KEY_PREFIX} if "REDIS_KEY_PREFIX" in os.environ else {}

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": REDIS_KEY_PREFIX}}  # fmt: skip
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: a real broker with REDIS_URL; without it every task runs in-process (embedded quick start).
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
# Queues by kind of work (schedules/queues.py), so a huge catalog push never delays an order pull.
CELERY_TASK_ROUTES = {
    "schedules.run_import": {"queue": "bulk"},
    "schedules.run_job": {"queue": "bulk"},
    "schedules.retry_waiting_orders": {"queue": "orders"},
    "schedules.sync_account": {"queue": "orders"},
    "schedules.process_webhook": {"queue": "orders"},
    "schedules.push_account_stock": {"queue": "stock"},
    "schedules.confirm_shipment": {"queue": "orders"},
    "schedules.tick": {"queue": "default"},
}
# A message a killed worker held goes back to the queue after this many seconds (Redis transport).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
                                   **_CELERY_KEY_PREFIX}  # fmt: skip
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {**_CELERY_KEY_PREFIX}
CELERY_TIMEZONE = TIME_ZONE

# Schedules. Beat only ticks; each account's own schedule (kept on the account, see
# schedules/planner.py) decides what is due. The tick also picks up webhook deliveries that failed
# or never ran, and raises alerts for credentials about to expire.
SCHEDULE_TICK_SECONDS = float(os.environ.get("SCHEDULE_TICK_SECONDS", "30"))
# Seconds in one "minute" of an account's schedule: 60, always, but for tests and benchmarks that
# compress time to see many scheduled runs in a few seconds.
SCHEDULE_MINUTE_SECONDS = float(os.environ.get("SCHEDULE_MINUTE_SECONDS", "60"))
CELERY_BEAT_SCHEDULE = {"tick": {"task": "schedules.tick", "schedule": SCHEDULE_TICK_SECONDS}}
# A sync's (account, stream) lock outlives a killed holder's last heartbeat by this many seconds.
SYNC_LOCK_TTL_SECONDS = float(os.environ.get("SYNC_LOCK_TTL_SECONDS", "60"))
# Alert this many days before an account's credentials expire.
CREDENTIALS_EXPIRY_WARNING_DAYS = int(os.environ.get("CREDENTIALS_EXPIRY_WARNING_DAYS", "7"))
# A webhook delivery still not processed this many seconds after it arrived is picked up again.
# A failed one is tried again after twice as long each time, up to WEBHOOK_MAX_ATTEMPTS tries in all.
WEBHOOK_RETRY_AFTER_SECONDS = float(os.environ.get("WEBHOOK_RETRY_AFTER_SECONDS", "120"))
WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("WEBHOOK_MAX_ATTEMPTS", "5"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["hub.core.permissions.RolePermission"],
    "DEFAULT_PAGINATION_CLASS": "hub.core.api.Pagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "hub.core.api.exception_handler",
    "NON_FIELD_ERRORS_KEY": "non_field_errors",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Channel hub API",
    "DESCRIPTION": "Orders, catalog, warehouses and stock for every sales channel, scoped to your tenant.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "hub.orders.states.OrderStatus",
        "ReturnKindEnum": "warehouse.returns.models.Return.Kind",
        "ReturnStatusEnum": "warehouse.returns.models.Return.Status",
        "CycleCountStatusEnum": "warehouse.counts.models.CycleCount.Status",
        "CountBinStatusEnum": "warehouse.counts.models.CountBin.Status",
        "CountLineStatusEnum": "warehouse.counts.models.CountLine.Status",
        "ShipmentStatusEnum": "warehouse.shipping.models.Shipment.Status",
        "ManifestStatusEnum": "warehouse.shipping.models.Manifest.Status",
    },
}

# Channel syncs: retries of calls that may pass (429, 5xx, timeouts), and how far back a first pull reads.
SYNC_RETRY_ATTEMPTS = int(os.environ.get("SYNC_RETRY_ATTEMPTS", "10"))
SYNC_RETRY_BASE_SECONDS = float(os.environ.get("SYNC_RETRY_BASE_SECONDS", "1"))
SYNC_RETRY_MAX_SECONDS = float(os.environ.get("SYNC_RETRY_MAX_SECONDS", "60"))
SYNC_FIRST_LOOKBACK_DAYS = int(os.environ.get("SYNC_FIRST_LOOKBACK_DAYS", "7"))
SYNC_ALERT_AFTER_FAILURES = int(os.environ.get("SYNC_ALERT_AFTER_FAILURES", "3"))

# Event-driven stock pushes: a stock change queues a push of the affected accounts, coalescing a burst
# into one push per account per window; a SKU that runs out is pushed at once. With Celery workers
# (REDIS_URL) this is on; the embedded quick start pushes on its in-process scheduler's clock instead.
STOCK_PUSH_ON_CHANGE = env_bool("STOCK_PUSH_ON_CHANGE", default=bool(REDIS_URL))
STOCK_PUSH_DEBOUNCE_SECONDS = float(os.environ.get("STOCK_PUSH_DEBOUNCE_SECONDS", "5"))

# Cycle counts: a difference of more than this many units of a SKU in a bin waits for a supervisor's approval.
CYCLE_COUNT_APPROVAL_UNITS = int(os.environ.get("CYCLE_COUNT_APPROVAL_UNITS", "2"))

# Uploads: the largest catalog or mapping file accepted (bytes).
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(20 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

if not DEBUG and env_bool("SECURE_COOKIES", default=False):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
