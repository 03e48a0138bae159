"""Settings shared by every deployment, read from the environment.

Nothing set means the embedded default: a SQLite file under ``var/`` and a Celery broker
on the filesystem, so ``make run`` works on a laptop with no servers. Setting
``DATABASE_URL`` and ``CELERY_BROKER_URL`` moves the same code onto PostgreSQL and Redis.
``local.py`` and ``production.py`` add what differs between a workstation and a server.
"""

import datetime as dt
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("STRIKEDESK_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_celery_beat",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "csp",
    "axes",
    "trusts",
    "strikes",
    "appointments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        # Public and staff pages: Jinja2 with the NHS.UK design system macros.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "config.jinja2.environment"},
    },
    {
        # The admin keeps Django's own templates.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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


def _database_config() -> dict:
    config = env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'strikedesk.sqlite3'}")
    options = config.setdefault("OPTIONS", {})
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the web server read while the worker writes; IMMEDIATE takes the write
        # lock at BEGIN so two writers queue instead of failing with "database is locked"
        # half-way through a transaction.
        options.setdefault(
            "init_command",
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        )
        options.setdefault("transaction_mode", "IMMEDIATE")
        options.setdefault("timeout", 20)
    elif config["ENGINE"] == "django.db.backends.postgresql":
        if not env.bool("DATABASE_JIT", default=False):
            # JIT compiles a query when its estimated cost is high, taking 15-30 ms; the
            # dispatch claim, whose estimate counts every pending notice though it stops
            # after a batch, spent 18 of its 19 ms compiling. Our large statements are
            # bound by writing rows and indexes, which JIT does not speed up (see bench/).
            options.setdefault("options", "-c jit=off")
        if env.bool("DATABASE_POOL", default=True):
            # psycopg 3's pool replaces persistent connections; Django requires
            # CONN_MAX_AGE 0 when the pool is on.
            options.setdefault(
                "pool",
                {
                    "min_size": env.int("DATABASE_POOL_MIN", default=1),
                    "max_size": env.int("DATABASE_POOL_MAX", default=8),
                    "timeout": 10,
                },
            )
            config["CONN_MAX_AGE"] = 0
        else:
            config["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    return config


DATABASES = {"default": _database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/nhsuk-frontend", BASE_DIR / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"),
    ("vendor/chart.js", BASE_DIR / "node_modules" / "chart.js" / "dist"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/swagger-ui", BASE_DIR / "node_modules" / "swagger-ui-dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Staff sign in on the dashboard's own page; the admin's login uses the same backends, so
# django-axes counts failures on both.
LOGIN_URL = "sign_in"
LOGIN_REDIRECT_URL = "dashboard"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lock a username from one address after 5 failures for 15 minutes. Not the username
# alone: anyone could then lock a ward's operations lead out during a strike by typing
# their name wrongly five times. Not the address alone: a hospital's staff share a few.
AXES_FAILURE_LIMIT = env.int("STRIKEDESK_SIGN_IN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("STRIKEDESK_SIGN_IN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# No start-up banner on every manage.py command; lockouts are still logged as warnings.
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "trusts.views.locked_out"
# The same reading of X-Forwarded-For as the patient page's limits (STRIKEDESK_TRUSTED_PROXIES).
AXES_CLIENT_IP_CALLABLE = "trusts.views.sign_in_address"
# Never a password or the username typed in a failure's log line beyond axes' own record.
AXES_SENSITIVE_PARAMETERS = ["password"]

# Security headers. SecurityMiddleware's defaults stay: nosniff, Referrer-Policy and
# Cross-Origin-Opener-Policy "same-origin". HSTS is production.py's: a workstation on
# plain HTTP must not tell its browser to refuse HTTP for a year.
# Content-Security-Policy (django-csp): only our own files, no inline code except the
# NHS.UK template's one script, which carries the per-request nonce (base.jinja).
# Django 5.2's admin needs no exception: its scripts are files and it sets styles through
# the DOM, which the policy allows (checked in chromium: index, change lists, change forms
# with inlines, calendars, autocomplete, pop-ups). The API docs page allows one hash
# (config/api/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        # data: for the small SVG icons Swagger UI's stylesheet embeds.
        "img-src": [SELF, "data:"],
        # The NHS.UK stylesheet loads its Frutiger web font from NHS England's asset host;
        # only that folder.
        "font-src": [SELF, "https://assets.nhs.uk/fonts/"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
# A rejected form gets a page saying what to do next, not Django's technical one.
CSRF_FAILURE_VIEW = "config.csrf.csrf_failure"

# Celery: the embedded default is kombu's filesystem transport, which needs no server.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=None)
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "celery" / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        # Its exchange table; kombu's default is "control" in whatever folder it runs in.
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Longer than any countdown or ETA we use, so Redis does not redeliver a task
        # that is merely waiting for its time.
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=6 * 3600),
    }
# Tests give each worker a queue of its own; deployments keep Celery's default.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_RESULT_EXPIRES = 3600

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Shown to patients and staff as the product's public address (notices, status links).
STRIKEDESK_PUBLIC_URL = env.str("STRIKEDESK_PUBLIC_URL", default="http://127.0.0.1:8000")

# `manage.py load_demo` creates users with a published password: never on a server.
STRIKEDESK_DEMO_ALLOWED = env.bool("STRIKEDESK_DEMO_ALLOWED", default=True)

# Patient notices (appointments/notices/). ADR 004 explains the pipeline.
# "outbox" writes each message under var/outbox/ (the embedded default and tests);
# "notify" sends through GOV.UK Notify.
STRIKEDESK_NOTICE_BACKEND = env.str("STRIKEDESK_NOTICE_BACKEND", default="outbox")
STRIKEDESK_OUTBOX_DIR = Path(env.str("STRIKEDESK_OUTBOX_DIR", default=str(VAR_DIR / "outbox")))
# "provider": the backend sends letters. "print": the trust prints them in house from the
# letter batch and staff mark them posted.
STRIKEDESK_LETTERS = env.str("STRIKEDESK_LETTERS", default="provider")
# One dispatch task claims batches of this many until this many seconds have passed.
STRIKEDESK_NOTICE_BATCH = env.int("STRIKEDESK_NOTICE_BATCH", default=100)
STRIKEDESK_NOTICE_DISPATCH_SECONDS = env.int("STRIKEDESK_NOTICE_DISPATCH_SECONDS", default=50)
# The dispatch task's own limits: a batch in flight finishes within them.
STRIKEDESK_NOTICE_DISPATCH_SOFT_LIMIT = STRIKEDESK_NOTICE_DISPATCH_SECONDS + 60
STRIKEDESK_NOTICE_DISPATCH_HARD_LIMIT = STRIKEDESK_NOTICE_DISPATCH_SECONDS + 90
# A notice claimed longer ago than this was left by a dead worker: longer than a dispatch
# task may live, so a live worker's claims are never swept from under it.
STRIKEDESK_NOTICE_CLAIM_TIMEOUT = env.int(
    "STRIKEDESK_NOTICE_CLAIM_TIMEOUT", default=STRIKEDESK_NOTICE_DISPATCH_HARD_LIMIT + 30
)
# How many dispatch tasks each scheduler tick starts; more workers can take more.
STRIKEDESK_NOTICE_DISPATCHERS = env.int("STRIKEDESK_NOTICE_DISPATCHERS", default=2)

NOTIFY_API_KEY = env.str("NOTIFY_API_KEY", default="")
NOTIFY_BASE_URL = env.str("NOTIFY_BASE_URL", default="https://api.notifications.service.gov.uk")
NOTIFY_TIMEOUT_SECONDS = env.int("NOTIFY_TIMEOUT_SECONDS", default=10)
# One template per channel, whose content is ((message)) (emails: subject ((subject))).
NOTIFY_TEMPLATE_IDS = {
    "sms": env.str("NOTIFY_TEMPLATE_SMS", default=""),
    "email": env.str("NOTIFY_TEMPLATE_EMAIL", default=""),
    "letter": env.str("NOTIFY_TEMPLATE_LETTER", default=""),
}
# Notify sends this as "Authorization: Bearer <token>" with each delivery receipt.
# Empty: the callback endpoint refuses every request.
NOTIFY_CALLBACK_TOKEN = env.str("NOTIFY_CALLBACK_TOKEN", default="")

# The REST API (config/api/, ADR 005). Integrations send "Authorization: Token <key>"
# (manage.py api_token USER); the dashboard's own pages use the session.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.KeysetPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "config.api.schema.StrikeDeskAutoSchema",
    "EXCEPTION_HANDLER": "config.api.errors.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["config.api.parsers.StrictJSONParser"],
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": False,
    # "?format=csv" on the report is the view's own switch, not DRF's renderer override.
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "StrikeDesk API",
    "DESCRIPTION": (
        "Trusts, strikes, bookings, decisions, notices and reports for NHS industrial "
        "action. Authenticate with `Authorization: Token <key>` (`manage.py api_token "
        "<username>`). Non-national users see only their trusts' records; another trust's "
        'record is a 404. Every error has the shape `{"errors": [{"field", '
        '"message", "code"}]}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # Separate request and response components, so read-only fields (reference, status)
    # are not demanded in requests and write-only ones not promised in responses.
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "kind" or "status"; each choice set gets its own schema name.
    "ENUM_NAME_OVERRIDES": {
        "AppointmentKindEnum": "appointments.models.Kind",
        "TrustKindEnum": "trusts.models.TrustKind",
        "NoticeKindEnum": "appointments.models.NoticeKind",
        "NoticeStatusEnum": "appointments.models.NoticeStatus",
        "AppointmentStatusEnum": "appointments.models.Status",
        "StrikeStatusEnum": "strikes.models.StrikeStatus",
        "ImpactOutcomeEnum": "appointments.models.Outcome",
        "DecisionOutcomeEnum": "strikes.api.operation_serializers.DECISION_OUTCOMES",
        "ChannelEnum": "appointments.models.Channel",
        "PriorityEnum": "appointments.models.Priority",
    },
    # Served from our own static files (npm's swagger-ui-dist), not a CDN.
    "SWAGGER_UI_DIST": f"/{STATIC_URL}vendor/swagger-ui",
    "SWAGGER_UI_FAVICON_HREF": f"/{STATIC_URL}vendor/swagger-ui/favicon-32x32.png",
}

# Patient status page: guessing limits
# Failed checks are counted in sliding windows, per booking reference and per client
# address (appointments/status_check/attempts.py); successful checks do not count.
STRIKEDESK_CHECK_REFERENCE_LIMIT = env.int("STRIKEDESK_CHECK_REFERENCE_LIMIT", default=5)
STRIKEDESK_CHECK_REFERENCE_WINDOW_SECONDS = env.int(
    "STRIKEDESK_CHECK_REFERENCE_WINDOW_SECONDS", default=24 * 3600
)
# Generous, because a hospital's Wi-Fi or a mobile network's NAT puts many patients
# behind one address; bounded, because a guesser tries many references.
STRIKEDESK_CHECK_ADDRESS_LIMIT = env.int("STRIKEDESK_CHECK_ADDRESS_LIMIT", default=30)
STRIKEDESK_CHECK_ADDRESS_WINDOW_SECONDS = env.int(
    "STRIKEDESK_CHECK_ADDRESS_WINDOW_SECONDS", default=3600
)
# How many proxies in front of the app append to X-Forwarded-For (0: use REMOTE_ADDR).
STRIKEDESK_TRUSTED_PROXIES = env.int("STRIKEDESK_TRUSTED_PROXIES", default=0)
# Where the counts live: "redis" (production; every process shares them) or "database"
# (the embedded default). Redis is the broker's unless given its own URL.
STRIKEDESK_CHECK_LIMIT_REDIS_URL = env.str(
    "STRIKEDESK_CHECK_LIMIT_REDIS_URL",
    default=CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else "",
)
STRIKEDESK_CHECK_LIMIT_STORE = env.str(
    "STRIKEDESK_CHECK_LIMIT_STORE",
    default="redis" if STRIKEDESK_CHECK_LIMIT_REDIS_URL else "database",
)
# Put before every Redis key, so deployments (or test runs) sharing a server stay apart.
STRIKEDESK_CHECK_LIMIT_KEY_PREFIX = env.str(
    "STRIKEDESK_CHECK_LIMIT_KEY_PREFIX", default="strikedesk:"
)
