"""Settings shared by every environment.

Everything that differs between machines comes from environment variables; the
other modules only change defaults. See the configuration table in README.md.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-local-only-key-change-me")
# Fernet keys (comma-separated, the first encrypts) for incident-source tokens and
# webhook secrets; without them development and tests derive one from SECRET_KEY.
TRELLIS_SECRETS_KEY = env("TRELLIS_SECRETS_KEY", default="")
TRELLIS_SECRETS_KEY_REQUIRED = False
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

VAR_DIR = Path(env("TRELLIS_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "axes",
    "csp",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_prometheus",
    "auditlog",
    "djangosaml2",
    "org",
    "pathways",
    "assessments",
    "incidents",
    "metrics",
    "notifications",
    "lrs",
    "credentials",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the session middleware, so a session saved by a form counts as a write.
    "config.replica.ReadYourWritesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, reading the signed-in user through the cache (org.principal).
    "org.middleware.AuthenticationMiddleware",
    "org.middleware.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Turns a sign-in refused by the axes backend into the lock-out answer (last, so it
    # sees the flag the backend set on the request).
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "org.context_processors.navigation",
                "notifications.context_processors.unread",
                "org.context_processors.sign_in",
            ],
        },
    }
]

# --- database -----------------------------------------------------------------
# Unset DATABASE_URL means an embedded SQLite file under TRELLIS_VAR_DIR.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'trellis.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + immediate transactions keep concurrent demo requests from failing with
    # "database is locked"; the busy timeout makes writers wait instead.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A PostgreSQL streaming replica for dashboards, reports and list pages (config.replica):
# read-your-writes for this long after a visitor's write; a replica further behind, or not
# answering within the connect timeout, sends reads back to the primary.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default="")
TRELLIS_REPLICA_STICKY_SECONDS = env.int("TRELLIS_REPLICA_STICKY_SECONDS", default=15)
TRELLIS_REPLICA_MAX_LAG_SECONDS = env.float("TRELLIS_REPLICA_MAX_LAG_SECONDS", default=10.0)
TRELLIS_REPLICA_CHECK_SECONDS = env.float("TRELLIS_REPLICA_CHECK_SECONDS", default=5.0)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **DATABASES["default"],
        **env.db_url("DATABASE_REPLICA_URL"),
        "CONN_MAX_AGE": DATABASES["default"].get("CONN_MAX_AGE", 0),
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"connect_timeout": env.int("TRELLIS_REPLICA_CONNECT_TIMEOUT", default=2)},
        # Tests read the replica through the test database's own connection.
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["config.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- users ----------------------------------------------------------------------
AUTH_USER_MODEL = "org.User"
# The axes backend comes first: it refuses the password check for a locked-out caller.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# A set-password link in an invitation stays valid this long; reset links for
# PASSWORD_RESET_TIMEOUT. Both stop working once the password is set.
TRELLIS_INVITATION_TIMEOUT = env.int("TRELLIS_INVITATION_TIMEOUT", default=7 * 24 * 3600)
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=24 * 3600)

# --- e-mail -------------------------------------------------------------------------
# EMAIL_URL picks the backend: smtp://user:password@host:587 (smtp+tls:// for STARTTLS,
# smtp+ssl:// for implicit TLS), consolemail:// (the default: messages go to the log) or
# filemail:///path/to/dir. Links in messages start with TRELLIS_BASE_URL.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Trellis <trellis@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
TRELLIS_BASE_URL = env("TRELLIS_BASE_URL", default="http://127.0.0.1:8000")
# What a person's private calendar feed lists: callables f(user) -> [CalendarEvent].
TRELLIS_CALENDAR_SOURCES = ["pathways.calendar.due_items_for"]

# --- single sign-on: OpenID Connect and SAML 2.0 (config/settings/identity.py) ---------
from .identity import *  # noqa: E402, F403

if OIDC_ISSUER:  # noqa: F405
    AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "org.oidc.OIDCBackend"]
if SAML_IDP_METADATA_URL or SAML_IDP_METADATA_FILE:  # noqa: F405
    AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "org.saml.backend.SamlBackend"]
# false: the login page offers single sign-on only (API tokens and the admin still work
# for accounts with a password).
TRELLIS_PASSWORD_LOGIN = env.bool("TRELLIS_PASSWORD_LOGIN", default=True)

# --- audit log ------------------------------------------------------------------------
# django-auditlog records who changed what (before/after per field) in one table; see
# org/audit.py for the events that are not row changes (failed sign-ins, tokens, SCIM).
AUDITLOG_INCLUDE_TRACKING_MODELS = (
    {"model": "assessments.Score", "exclude_fields": ["claim_token", "scored_by"]},
    {"model": "assessments.Review"},
    {
        "model": "credentials.IssuedCredential",
        "include_fields": ["revoked_at", "revocation_reason"],
    },
    {"model": "pathways.SkillRating"},
    {
        "model": "pathways.Pathway",
        "include_fields": ["status", "version", "title", "published_at"],
    },
    {"model": "org.Membership"},
    {"model": "org.Team", "m2m_fields": ["managers"]},
    {
        "model": "org.User",
        "include_fields": ["email", "full_name", "is_active", "is_staff", "is_superuser"],
        "m2m_fields": ["groups"],
    },
)
AUDITLOG_DISABLE_ON_RAW_SAVE = True

# --- SCIM 2.0 provisioning at /scim/v2/ (django-scim2; see docs/identity.md) -------------
# Identity providers call it with a bearer token a platform admin issues (Django admin →
# SCIM tokens, or `manage.py scim_token_create`). Resource locations use TRELLIS_BASE_URL.
SCIM_SERVICE_PROVIDER = {
    "NETLOC": TRELLIS_BASE_URL.split("://", 1)[-1].split("/", 1)[0],
    "BASE_LOCATION_GETTER": "org.scim.adapters.location_base",
    "USER_ADAPTER": "org.scim.adapters.ScimUser",
    "GROUP_ADAPTER": "org.scim.adapters.ScimTeam",
    "GROUP_MODEL": "org.models.Team",
    "USER_FILTER_PARSER": "org.scim.filters.UserFilter",
    "GROUP_FILTER_PARSER": "org.scim.filters.TeamFilter",
    "SERVICE_PROVIDER_CONFIG_MODEL": "org.scim.adapters.ServiceProviderConfig",
    "GET_QUERYSET_POST_PROCESSOR_GETTER": "org.scim.adapters.queryset_post_processor",
    "AUTH_CHECK_MIDDLEWARE": "org.scim.auth.ScimAuthMiddleware",
    "AUTHENTICATION_SCHEMES": [
        {
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "A SCIM token issued by a Trellis platform admin.",
            "specUri": "https://www.rfc-editor.org/info/rfc6750",
            "primary": True,
        }
    ],
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TRELLIS_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- static files ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", default=50 * 2**20)

# --- security -------------------------------------------------------------------
# Sessions are read from the cache and written through to the database (a cache miss or
# outage reads the table; `org.services.user_deactivate` ends both copies).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Images in people's markdown may come only from these hosts (e.g. "img.example.com");
# empty: no remote images at all, so text cannot carry tracking pixels (config.markdown).
TRELLIS_MARKDOWN_IMAGE_HOSTS = env.list("TRELLIS_MARKDOWN_IMAGE_HOSTS", default=[])
# Content-Security-Policy (django-csp): scripts and styles only from files Trellis serves,
# no inline code, no plugins, no framing. data: images are Pico's own icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *(f"https://{h}" for h in TRELLIS_MARKDOWN_IMAGE_HOSTS)],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- sign-in limits (django-axes) ---------------------------------------------------
# How many proxies in front of Trellis append to X-Forwarded-For. Unset or 0: the client
# is the socket peer and X-Forwarded-For is ignored (the caller writes it). N: the client
# is the N-th entry from the end. docker-compose.yml sets it for its own topology.
TRELLIS_NUM_PROXIES = env.int("TRELLIS_NUM_PROXIES", default=0)
AXES_ENABLED = env.bool("TRELLIS_SIGNIN_LIMITS", default=True)
# Failed sign-ins allowed per client address and, separately, per account, counted over
# the cool-off period; the next attempt within it is refused without checking the password.
AXES_FAILURE_LIMIT = env.int("TRELLIS_SIGNIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("TRELLIS_SIGNIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_CLIENT_IP_CALLABLE = "org.signin.client_address"
AXES_USERNAME_CALLABLE = "org.signin.account_name"
AXES_LOCKOUT_CALLABLE = "org.signin.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_RESET_ON_SUCCESS = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# --- API --------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an unauthenticated call gets 401 with a WWW-Authenticate header.
        "org.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # One JSON parser for every endpoint (deep nesting is a 400); forms and uploads as usual.
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "config.schema.ErrorAwareAutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # DRF's throttles read the client address the same way as the sign-in limits.
    "NUM_PROXIES": TRELLIS_NUM_PROXIES,
}

# Per-role cohort figures over fewer people than this are merged or hidden for viewers
# who may not see each of those people (metrics.small_groups).
METRICS_MIN_GROUP_SIZE = env.int("TRELLIS_MIN_GROUP_SIZE", default=5)

# GIFT imports (page and API) read at most this much text and this many questions at once.
ASSESSMENTS_GIFT_MAX_BYTES = env.int("TRELLIS_GIFT_MAX_BYTES", default=512 * 1000)
ASSESSMENTS_GIFT_MAX_QUESTIONS = env.int("TRELLIS_GIFT_MAX_QUESTIONS", default=1000)
# Larger GIFT files, up to these hard maxima, are imported from the page by a background
# task (assessments.tasks.gift_import_run) whose progress the author follows.
ASSESSMENTS_GIFT_TASK_MAX_BYTES = env.int("TRELLIS_GIFT_TASK_MAX_BYTES", default=2 * 1000 * 1000)
ASSESSMENTS_GIFT_TASK_MAX_QUESTIONS = env.int("TRELLIS_GIFT_TASK_MAX_QUESTIONS", default=10_000)
# Questions written per transaction by that task (the progress moves in these steps).
ASSESSMENTS_GIFT_TASK_CHUNK = 100

# The largest `limit` a list call may ask for; more is a 400.
API_MAX_PAGE_SIZE = env.int("TRELLIS_API_MAX_PAGE_SIZE", default=200)

# Password-reset requests allowed per client address (org.api.throttles); empty: no limit.
TRELLIS_AUTH_RATE = env("TRELLIS_AUTH_RATE", default="20/min")

# API tokens (django-rest-knox): stored as SHA-512 digests, sent as "Authorization: Token
# <key>", ending after TRELLIS_TOKEN_TTL_DAYS; each sign-in makes a new token.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("TRELLIS_TOKEN_TTL_DAYS", default=30)),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": env.int("TRELLIS_TOKEN_LIMIT_PER_USER", default=20),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Trellis API",
    "DESCRIPTION": "Role-based training pathways, assessments, incidents and KPIs.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "PathwayStatusEnum": "pathways.models.Pathway.Status",
        "PathwayKindEnum": "pathways.models.Pathway.Kind",
        "SkillKindEnum": "pathways.models.Skill.Kind",
        "EnrollmentStatusEnum": "pathways.models.Enrollment.Status",
        "IncidentStatusEnum": "incidents.models.Incident.Status",
        "ImportBatchStatusEnum": "incidents.models.ImportBatch.Status",
        "ActionItemStatusEnum": "incidents.models.ActionItem.Status",
        "AssessmentKindEnum": "assessments.models.Assessment.Kind",
        "AttemptStatusEnum": "assessments.models.Attempt.Status",
    },
}

# --- Celery -------------------------------------------------------------------------
# Unset REDIS_URL means no broker: tasks run eagerly, in the caller's process.
REDIS_URL = env("REDIS_URL", default="")
# The cache holds short-lived counters and bootstrap intervals: shared through
# Redis when there is one, else per process.
CACHES = {
    "default": (
        {
            # A miss or an outage computes; short socket timeouts keep a dead Redis from
            # holding a request up.
            "BACKEND": "config.cache.ForgivingRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Open Badges 3.0 credentials (docs/credentials.md) ---------------------------------
# The issuer's Ed25519 seed (32 bytes, base64url); unset, derived from SECRET_KEY.
CREDENTIALS_ISSUER_KEY = env("CREDENTIALS_ISSUER_KEY", default="")
CREDENTIALS_ISSUER_NAME = env("CREDENTIALS_ISSUER_NAME", default="Trellis")

# xAPI activity ids and account home pages live under TRELLIS_BASE_URL (above).
# Optional: forward this Trellis's own xAPI statements to an external LRS (its xAPI base
# URL, e.g. https://lrs.example.com/xapi, and HTTP Basic credentials there).
LRS_FORWARD_URL = env("LRS_FORWARD_URL", default="")
LRS_FORWARD_KEY = env("LRS_FORWARD_KEY", default="")
LRS_FORWARD_SECRET = env("LRS_FORWARD_SECRET", default="")
LRS_FORWARD_TIMEOUT = env.float("LRS_FORWARD_TIMEOUT", default=10.0)
# The xAPI version the LRS states (X-Experience-API-Version) when a request names none:
# 1.0.3 (the ADL 1.0.3 suite's expectation) or 2.0.0 (the 2.0.0 suite's); docs/xapi.md.
LRS_UNVERSIONED_RESPONSE_VERSION = env("LRS_UNVERSIONED_RESPONSE_VERSION", default="1.0.3")
# Dotted Celery task names the LRS queues with the ids of statements its clients store
# (the LRS knows nothing of pathways; pathways turns them into skill evidence).
LRS_STATEMENTS_STORED_TASKS = env.list(
    "LRS_STATEMENTS_STORED_TASKS", default=["pathways.tasks.xapi_statements_stored"]
)
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = (Queue("default"), Queue("scoring"), Queue("metrics"))
CELERY_TASK_ROUTES = {
    "assessments.tasks.*": {"queue": "scoring"},
    "metrics.tasks.*": {"queue": "metrics"},
}
# No task may run longer than the hard limit; the broker's visibility timeout is
# kept far above it so an unacknowledged (acks_late) task is never handed to a
# second worker while the first is still working on it.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 6 * 3600}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": 6 * 3600}
CELERY_RESULT_EXPIRES = 3600
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery closes the database connection around every task unless told to reuse it
# (0). Scoring workers set it (e.g. 1000) to keep their connection for CONN_MAX_AGE;
# assessments tasks drop broken or expired connections themselves before they start.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=0)
CELERY_TASK_SEND_SENT_EVENT = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Work a task claims (attempts being scored, import batches) carries its worker and a
# heartbeat written every TRELLIS_HEARTBEAT_SECONDS; a claim without a heartbeat for
# TRELLIS_CLAIM_TIMEOUT_SECONDS belongs to a dead worker and is taken over by the next
# delivery or the sweeps below (every TRELLIS_SWEEP_SECONDS), so well inside a minute.
TRELLIS_HEARTBEAT_SECONDS = env.float("TRELLIS_HEARTBEAT_SECONDS", default=10.0)
TRELLIS_CLAIM_TIMEOUT_SECONDS = env.float("TRELLIS_CLAIM_TIMEOUT_SECONDS", default=30.0)
TRELLIS_SWEEP_SECONDS = env.float("TRELLIS_SWEEP_SECONDS", default=20.0)
# Where config.tasks keeps a task message the broker refused (sent again by
# org.tasks.outbox_send once the broker is back).
TASK_OUTBOX_STORE = "org.outbox.outbox_store"
# Periodic jobs; apps add theirs here (dotted task name -> schedule in seconds or crontab).
CELERY_BEAT_SCHEDULE = {
    # Retries statements the external LRS did not take yet (LRS_FORWARD_URL).
    "lrs-outbox-flush": {
        "task": "lrs.tasks.outbox_flush",
        "schedule": 60,
    },
    # KPIs fed from Prometheus (metrics.PrometheusSource): one query_range per source.
    "metrics-prometheus-pull": {
        "task": "metrics.tasks.prometheus_pull_all",
        "schedule": 3600,
    },
    "org-clear-expired-sessions": {
        "task": "org.tasks.sessions_clear_expired",
        "schedule": 24 * 3600,
    },
    # Re-sends attempts left submitted (broker down at submit), hands back claims of dead
    # workers and submits attempts past their time limit.
    "assessments-sweep-attempts": {
        "task": "assessments.tasks.sweep_attempts",
        "schedule": TRELLIS_SWEEP_SECONDS,
    },
    # Sends the task messages the broker refused while it was down (org.outbox).
    "org-outbox-send": {
        "task": "org.tasks.outbox_send",
        "schedule": TRELLIS_SWEEP_SECONDS,
    },
    "assessments-item-statistics": {
        "task": "assessments.tasks.item_statistics_recompute_dirty",
        "schedule": 15 * 60,
    },
    "incidents-sync-sources": {
        "task": "incidents.tasks.incident_sources_sync",
        "schedule": 5 * 60,
    },
    "incidents-requeue-stale-imports": {
        "task": "incidents.tasks.import_batches_requeue_stale",
        "schedule": TRELLIS_SWEEP_SECONDS,
    },
    "incidents-suggest-training": {
        "task": "incidents.tasks.training_suggestions_refresh",
        "schedule": 30 * 60,
    },
    "metrics-rollups-sweep": {
        "task": "metrics.tasks.rollups_sweep",
        "schedule": 60,
    },
    "metrics-rollups-recompute-nightly": {
        "task": "metrics.tasks.rollups_recompute_all",
        "schedule": crontab(hour=2, minute=30),
    },
    "metrics-cohort-snapshots": {
        "task": "metrics.tasks.cohort_snapshots_refresh",
        "schedule": 600,
    },
    # Notifications: each is sent at most once per (person, kind, subject, period), so
    # these may run as often as convenient; the schedule only sets how soon they arrive.
    "notify-learner-digests": {
        "task": "pathways.notify.learner_digests_send",
        "schedule": crontab(day_of_week="mon", hour=7, minute=0),
    },
    "notify-overdue": {
        "task": "pathways.notify.overdue_alerts_send",
        "schedule": crontab(hour=7, minute=15),
    },
    "notify-at-risk": {
        "task": "metrics.notify.at_risk_alerts_send",
        "schedule": 15 * 60,
    },
    "notify-cohort-summaries": {
        "task": "metrics.notify.cohort_summaries_send",
        "schedule": crontab(day_of_week="mon", hour=7, minute=30),
    },
    "notify-review-queue": {
        "task": "assessments.notify.review_queue_reminders_send",
        "schedule": crontab(hour=8, minute=0),
    },
    "notify-review-results": {
        "task": "assessments.notify.review_results_send",
        "schedule": 10 * 60,
    },
}

# Tasks told (by name, with the batch id) when an import batch finishes: the metrics
# app notes the incidents it touched and recomputes their rollup buckets (debounced).
# The per-minute sweep catches anything a lost message misses.
INCIDENT_BATCH_DONE_TASKS = env.list(
    "INCIDENT_BATCH_DONE_TASKS", default=["metrics.tasks.rollups_note_batch"]
)

# Item statistics are recomputed by the worker this long after the first attempt scored
# since they were last computed (debounced); the periodic sweep catches anything missed.
ITEM_STATISTICS_DEBOUNCE_SECONDS = env.int("ITEM_STATISTICS_DEBOUNCE_SECONDS", default=60)

# The module that tells pathways which modules and labs have a check (a quiz, a lab
# check) and what the learner has done in it; pathways never imports assessments.
LEARNING_CHECKS_PROVIDER = "assessments.sequence"
# Names of job roles by slug, for org's pages (org does not import pathways).
ROLE_NAMES_PROVIDER = "pathways.selectors.role_names"

# --- demo ---------------------------------------------------------------------------
# `manage.py seed_demo` calls each of these in order; every one must be idempotent.
DEMO_SEEDERS = [
    "org.demo.seed_org",
    "pathways.demo.seed_catalogue",
    "pathways.progress.demo.seed_progress",
    "assessments.demo.seed_assessments",
    "incidents.demo.seed_incidents",
    "metrics.demo.seed_metrics",
    "metrics.demo_notifications.seed_notifications",
]
DEMO_PASSWORD = "trellis-demo"

# --- observability ------------------------------------------------------------------
METRICS_TOKEN = env("METRICS_TOKEN", default="")
PROMETHEUS_EXPORT_MIGRATIONS = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # One line per refused sign-in is enough (axes logs each attempt at INFO).
        "axes": {"level": "WARNING"},
    },
}
