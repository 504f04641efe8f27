"""Settings shared by every environment.

Every setting that differs between machines comes from one environment variable.
With none set, the project runs on an embedded default: SQLite, e-mail written to
files under ``var/mail`` and a Celery broker on the local file system (no server).
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "axes",
    "csp",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "common",
    "clinic",
    "treatments",
    "precare",
    "aftercare",
    "waitlist",
]

MIDDLEWARE = [
    "common.middleware.HealthCheckMiddleware",
    # Outermost after that: any non-JSON error under /api/ (DEBUG pages) becomes JSON.
    "common.middleware.ApiErrorFormatMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: static files keep their own caching; every other answer is no-store.
    "clinic.middleware.NoStoreMiddleware",
    # Content-Security-Policy on every answer (docs/decisions/0011-csp-signature-client-mode.md).
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Before anything reads the query or form (the audit context, the views): NUL refused.
    "common.middleware.RejectNulMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "common.middleware.RequestContextMiddleware",
    # Inside the request context: a refused request (403/404) is audited (decision 0010).
    "clinic.audit.middleware.DeniedAuditMiddleware",
    # A constraint violation caused by a page's input: its page, not a 500.
    "common.middleware.ConstraintRefusalMiddleware",
    "clinic.middleware.IdleTimeoutMiddleware",
    "clinic.middleware.ClinicTimezoneMiddleware",
    # A tablet handed to a client reaches only their consent (decision 0011).
    "treatments.consent.client_mode.ConsentClientModeMiddleware",
    # Last: turns a sign-in refused by the lockout into its answer (clinic/lockout.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "clinic.context_processors.current_membership",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process and the Celery worker read while the other writes;
    # IMMEDIATE transactions take the write lock up front, so two writers queue
    # instead of failing half-way with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "clinic.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account or address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Uploaded files hold health data (photos, signed consents): they are never served
# as static media, only through views that check the clinic.
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "private")))
MEDIA_URL = "/_private/"  # no URL pattern serves it; see above

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=60 * 60 * 10)
# Shared clinic computers: closing the browser ends the session; so does idleness
# (Clinic.idle_timeout_minutes, clinic/middleware.py). The page warns this long before.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
IDLE_WARNING_SECONDS = env.int("IDLE_WARNING_SECONDS", default=60)
CSRF_COOKIE_HTTPONLY = False  # the small scripts read it for fetch() calls
X_FRAME_OPTIONS = "DENY"

# --- Content-Security-Policy (django-csp; decision 0011) --------------------------------
# Only our own origin; no inline script at all; a style element only with the response's
# nonce (the calendar's positions), never a style="" attribute. data: images are the
# signed consent's signature and the API docs' icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- E-mail ---------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Clinic <no-reply@clinic.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ---------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 3600}
else:
    # No server: messages are files in var/celery, shared by the web process,
    # the worker and beat on one machine.
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "celery" / "queue"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
# A pool process is replaced after this many tasks: what a long-lived renderer keeps
# (WeasyPrint's and fontconfig's caches, fragmentation) is handed back to the system.
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=100)
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict = {}

# --- The client's address (docs/decisions/0008-accounts-and-access.md) --------------
# How many proxies in front of Django append to X-Forwarded-For. 0: the header is not
# trusted at all (anyone can send it). The login throttle, the lockout and the audit log
# all read the client's address by this one rule (common.audit.client_ip).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise environ.ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")

# --- Sign-in lockout (django-axes; clinic/lockout.py) -------------------------------
# Failed sign-ins (login page, API token, invitation) per account and per client address
# within the cool-off after the last failure; at a limit even the right password is
# refused until the cool-off has passed or a manager unlocks the account.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=30)
LOGIN_COOLOFF_MINUTES = env.int("LOGIN_COOLOFF_MINUTES", default=15)
if min(LOGIN_FAILURE_LIMIT, LOGIN_ADDRESS_FAILURE_LIMIT, LOGIN_COOLOFF_MINUTES) < 1:
    raise environ.ImproperlyConfigured(
        "LOGIN_FAILURE_LIMIT, LOGIN_ADDRESS_FAILURE_LIMIT and LOGIN_COOLOFF_MINUTES must be "
        "positive."
    )
AXES_HANDLER = "clinic.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "clinic.lockout.username_of"
AXES_CLIENT_IP_CALLABLE = "common.audit.client_ip"
AXES_LOCKOUT_CALLABLE = "clinic.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_RESET_ON_SUCCESS = True
# Tries while locked are refused without extending the lock: it ends when it said it would.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False

# Staff account e-mail (invitations, password resets) goes out through the worker.
CELERY_TASK_ROUTES = {"clinic.tasks.send_account_email": {"queue": "email"}}

# --- REST framework -------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "clinic.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["clinic.permissions.IsClinicStaff"],
    "DEFAULT_PAGINATION_CLASS": "common.pagination.Pagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "common.schema.AutoSchema",
    "EXCEPTION_HANDLER": "common.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["common.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": [],
    "DEFAULT_THROTTLE_RATES": {"login": env.str("DJANGO_LOGIN_THROTTLE", default="20/min")},
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# API tokens (django-rest-knox): one per sign-in, stored as a hash, expiring after a
# working day; "Authorization: Token <token>" as before.
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=10)
if API_TOKEN_TTL_HOURS <= 0:
    raise environ.ImproperlyConfigured("API_TOKEN_TTL_HOURS must be positive.")
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=API_TOKEN_TTL_HOURS),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Needlework clinic API",
    "DESCRIPTION": (
        "Clients, contraindication screening, booking, treatment records and aftercare "
        "for microneedling clinics. Every object belongs to one clinic; objects of "
        "another clinic answer 404."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "clinic.models.Role",
        "InvitationStatusEnum": "clinic.models.Invitation.Status",
        "AppointmentKindEnum": "clinic.booking.models.AppointmentKind",
        "DeviceKindEnum": "clinic.booking.models.Device.Kind",
        "AppointmentStatusEnum": "clinic.booking.models.AppointmentStatus",
        # The screening's outcome keeps the name it had before the audit trail had one.
        "OutcomeEnum": "treatments.screening.models.Outcome",
        "AuditOutcomeEnum": "common.models.AuditEvent.Outcome",
        "AuditActionEnum": "common.models.AuditEvent.Action",
        # The readiness check's status (decision 0018), on the appointment and the portal.
        "ReadinessStatusEnum": ["not_due", "pending", "confirmed", "changed", "blocked"],
    },
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Failed sign-ins and lockouts are warnings; the rest is chatter.
        "axes": {"level": "WARNING"},
        # WeasyPrint reports every layout step of every PDF at INFO.
        "weasyprint": {"level": "WARNING"},
    },
}

# Product settings.
SITE_DOMAIN = env.str("DJANGO_SITE_DOMAIN", default="127.0.0.1:8000")
CLINIC_SCREENING_VALID_DAYS = 30
ENVIRONMENT = "development"

# --- Outgoing messages ------------------------------------------------------
# Every e-mail to a client is an aftercare.OutgoingMessage row; beat's sweep hands due
# rows to the "email" queue (docs/decisions/0003-outgoing-messages.md).
from datetime import timedelta  # noqa: E402

MESSAGE_MAX_LATENESS = timedelta(minutes=env.int("MESSAGE_MAX_LATENESS_MINUTES", default=12 * 60))
MESSAGE_MAX_ATTEMPTS = env.int("MESSAGE_MAX_ATTEMPTS", default=5)
# How long a message may stay in a worker's hands (queued, or claimed and sending)
# before the sweep hands it out again. Must exceed CELERY_TASK_TIME_LIMIT, so that a
# send still running is never handed out twice (system check aftercare.E001).
MESSAGE_SENDING_TIMEOUT = timedelta(
    seconds=env.int("MESSAGE_SENDING_TIMEOUT_SECONDS", default=10 * 60)
)
# Wait before attempt n+1 after attempt n failed; the last step repeats.
MESSAGE_RETRY_BACKOFF_MINUTES = (1, 5, 15, 60)
if MESSAGE_MAX_ATTEMPTS < 1 or MESSAGE_MAX_LATENESS.total_seconds() <= 0:
    raise environ.ImproperlyConfigured(
        "MESSAGE_MAX_ATTEMPTS and MESSAGE_MAX_LATENESS_MINUTES must be positive."
    )
if MESSAGE_SENDING_TIMEOUT.total_seconds() <= 0:
    raise environ.ImproperlyConfigured("MESSAGE_SENDING_TIMEOUT_SECONDS must be positive.")
# Beat's sweep starts this many sender tasks when messages are due; each claims and
# sends batch after batch until nothing is due, so set it to the number of worker
# processes that consume the "email" queue (more only wait; fewer leave some idle).
MESSAGE_SEND_TASKS = env.int("MESSAGE_SEND_TASKS", default=2)
# A sender task still queued this long after the sweep started it is dropped (the next
# sweep starts fresh ones), so a busy queue never piles them up.
MESSAGE_SEND_TASK_EXPIRES = 55
# A message a sender claimed but had not reached by then is released unsent, so a batch
# behind a slow mail server never runs into the task's time limit.
MESSAGE_SEND_DEADLINE_SECONDS = CELERY_TASK_SOFT_TIME_LIMIT - 60
if MESSAGE_SEND_TASKS < 1:
    raise environ.ImproperlyConfigured("MESSAGE_SEND_TASKS must be positive.")
CELERY_TASK_ROUTES = {
    **globals().get("CELERY_TASK_ROUTES", {}),
    "aftercare.tasks.send_message": {"queue": "email"},
    "aftercare.tasks.send_due_messages": {"queue": "email"},
}
CELERY_BEAT_SCHEDULE = {
    **CELERY_BEAT_SCHEDULE,
    "sweep-due-messages": {
        "task": "aftercare.tasks.sweep_due_messages",
        "schedule": 60.0,
        # A sweep that waited longer than its interval is dropped: the next one does its work.
        "options": {"expires": 55},
    },
}

# --- Online booking (docs/decisions/0021-online-booking.md) -------------------------------
# Booking requests an hour from one client address, and for one e-mail address.
PORTAL_REQUESTS_PER_ADDRESS = env.int("PORTAL_REQUESTS_PER_ADDRESS", default=10)
PORTAL_REQUESTS_PER_EMAIL = env.int("PORTAL_REQUESTS_PER_EMAIL", default=3)
if min(PORTAL_REQUESTS_PER_ADDRESS, PORTAL_REQUESTS_PER_EMAIL) < 1:
    raise environ.ImproperlyConfigured(
        "PORTAL_REQUESTS_PER_ADDRESS and PORTAL_REQUESTS_PER_EMAIL must be positive."
    )
CELERY_BEAT_SCHEDULE = {
    **CELERY_BEAT_SCHEDULE,
    # Unconfirmed online requests free their slot (readers already treat them as free).
    "release-expired-holds": {
        "task": "clinic.booking.tasks.release_expired_holds",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Waitlist entries whose dates have passed leave the list (decision 0022). An expired
    # offer needs nothing here: its hold is released above, which offers the time on.
    "expire-past-waitlist-entries": {
        "task": "waitlist.tasks.expire_past_entries",
        "schedule": 3600.0,
        "options": {"expires": 3300},
    },
}

# --- Aftercare (docs/decisions/0006-aftercare.md) -----------------------------------------
# Links in aftercare e-mails: the client's page link expires after this many days.
AFTERCARE_LINK_MAX_AGE = timedelta(days=env.int("AFTERCARE_LINK_MAX_AGE_DAYS", default=90))
if AFTERCARE_LINK_MAX_AGE.total_seconds() <= 0:
    raise environ.ImproperlyConfigured("AFTERCARE_LINK_MAX_AGE_DAYS must be positive.")
# The one base of every absolute link the product writes (e-mails, rendered by workers
# outside any request; never a request's Host header). `make run` sets it from the
# address it serves on. AFTERCARE_BASE_URL is its former name, still read.
SITE_URL = env.str(
    "SITE_URL",
    default=env.str(
        "AFTERCARE_BASE_URL",
        default=(
            f"http://{SITE_DOMAIN}"
            if SITE_DOMAIN.split(":")[0] in ("127.0.0.1", "localhost")
            else f"https://{SITE_DOMAIN}"
        ),
    ),
).rstrip("/")
if not SITE_URL.startswith(("http://", "https://")) or "?" in SITE_URL or "#" in SITE_URL:
    raise environ.ImproperlyConfigured(
        "SITE_URL is the scheme and host of links in e-mails, e.g. https://clinic.example.com."
    )
AFTERCARE_BASE_URL = SITE_URL  # the former name, for code not yet moved to SITE_URL
CELERY_TASK_ROUTES = {
    **CELERY_TASK_ROUTES,
    "aftercare.tasks.render_aftercare_pdf": {"queue": "pdf"},
}

# --- Health (/healthz/; docs/decisions/0016-go-live.md) ----------------------------------
# /healthz/ answers 503 when beat's heartbeat is older, or the oldest due unsent message
# later, than these.
HEALTH_MAX_BEAT_SILENCE_MINUTES = env.int("HEALTH_MAX_BEAT_SILENCE_MINUTES", default=5)
HEALTH_MAX_OUTBOX_LAG_MINUTES = env.int("HEALTH_MAX_OUTBOX_LAG_MINUTES", default=15)
if min(HEALTH_MAX_BEAT_SILENCE_MINUTES, HEALTH_MAX_OUTBOX_LAG_MINUTES) < 1:
    raise environ.ImproperlyConfigured(
        "HEALTH_MAX_BEAT_SILENCE_MINUTES and HEALTH_MAX_OUTBOX_LAG_MINUTES must be positive."
    )
CELERY_BEAT_SCHEDULE = {
    **CELERY_BEAT_SCHEDULE,
    "beat-heartbeat": {
        "task": "common.tasks.beat_heartbeat",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
}

# The PDF is rendered when the session is signed; beat also looks this far ahead for
# e-mails whose PDF was never rendered (the task lost), so the send finds it cached.
AFTERCARE_PDF_AHEAD_MINUTES = 120
AFTERCARE_PDF_AHEAD_EVERY_SECONDS = 600
CELERY_BEAT_SCHEDULE = {
    **CELERY_BEAT_SCHEDULE,
    "render-pdfs-ahead": {
        "task": "aftercare.tasks.render_pdfs_ahead",
        "schedule": float(AFTERCARE_PDF_AHEAD_EVERY_SECONDS),
        "options": {"expires": AFTERCARE_PDF_AHEAD_EVERY_SECONDS - 5},
    },
}
