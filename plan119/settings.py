"""plan119 settings: one module, every deployment difference read from environment variables through `env`.

Bad values fail loudly at start-up (ImproperlyConfigured) rather than being guessed at. Importing this module writes
nothing: `manage.py prepare_dirs` creates the folders it names. The test suite runs on plan119/settings_test.py.
"""
import datetime
import os
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _literal(value: str) -> str:
    """The value escaped so that django-environ, with escape_proxy on, gives it back unchanged."""
    value = value.replace("\\$", "\\\\$")
    return "\\" + value if value.startswith("$") else value


class StrictEnv(environ.Env):
    """django-environ, stricter: a value it cannot read stops start-up with a message naming the variable.

    Plain django-environ reads DEBUG=sometimes as false and lets int() complain without the variable's name.
    An empty variable (`DEBUG=` in a compose file) counts as unset. Values are taken as they are: django-environ
    would read one beginning with $ as the name of another variable (get_random_secret_key() can begin with $).
    """

    def __init__(self, **scheme):
        super().__init__(**scheme)
        self.escape_proxy = True  # django-environ then reads \$ as a literal $, which _literal() writes
        self.ENVIRON = {name: _literal(value) for name, value in os.environ.items() if value.strip()}

    @classmethod
    def parse_value(cls, value, cast):
        if cast is bool and value.strip().lower() not in _TRUE | _FALSE:
            raise ValueError("must be one of 1/0, true/false, yes/no, on/off")
        try:
            return super().parse_value(value, cast)
        except ValueError:
            if cast is int:
                raise ValueError("must be a whole number") from None
            raise

    def get_value(self, var, cast=None, default=environ.Env.NOTSET, parse_default=False):
        try:
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        except ValueError as error:
            raise ImproperlyConfigured(f"{var} {error}; got {self.ENVIRON.get(var)!r}") from None


env = StrictEnv()

DEBUG = env.bool("DEBUG", default=False)

# Everything the app writes at run time (SQLite database, embedded broker, mail files, uploads).
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105  # DEBUG only, refused otherwise

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", cast=str.strip, default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", cast=str.strip, default=[])
# The address people use to reach the app, for links in e-mails and calendar feeds.
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "simple_history",
    "django_celery_beat",
    "plan119.apps.AxesConfig",  # django-axes, named in Vietnamese in the admin
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc served from here: intranets are often offline
    "agencies",
    "tasks",
    "reporting",
    "api",
    "plan119",  # the wiring: its management command prepare_dirs
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "plan119.middleware.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # last, as django-axes asks: it turns a locked-out login into the lockout page
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "plan119.urls"
WSGI_APPLICATION = "plan119.wsgi.application"

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
                "reporting.context_processors.notifications",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"].get("ENGINE") not in {
    "django.db.backends.sqlite3",
    "django.db.backends.postgresql",
}:
    raise ImproperlyConfigured("DATABASE_URL must be postgres://user:password@host:port/name or sqlite:///path")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one SQLite file in the embedded setup: wait for locks, write-ahead log.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "agencies.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses logins from a locked-out username and address before checking passwords
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling: after 5 failures for one username from one address, a lockout of 30 minutes (the lockout page,
# plan119/lockout.py, states the length configured here).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "plan119.lockout.lockout_response"
# The client's address, through django-ipware. Behind PROXY_COUNT proxies, each appending the address it got the
# request from to X-Forwarded-For, it is the PROXY_COUNT-th entry from the right: what the outermost proxy saw.
# Entries further left were written by the client and are not believed. (django-ipware counts the proxies listed in
# the header, that is all but the last, whose address is REMOTE_ADDR; and "not strict" lets the client's own entries
# stand to the left.) Without proxies, REMOTE_ADDR only: a client's X-Forwarded-For is ignored.
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
if PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"PROXY_COUNT must be 0 or more; got {PROXY_COUNT}")
if PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR",)
    AXES_IPWARE_PROXY_COUNT = PROXY_COUNT - 1
    AXES_IPWARE_PROXY_ORDER = "left-most"
    IPWARE_STRICT = False
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)

# Sessions end after 8 hours or when the browser closes; changing a password signs out every other session.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Passwords: Argon2id (plan119/hashers.py); hashes made earlier with PBKDF2 still work and are upgraded at sign-in.
PASSWORD_HASHERS = [
    "plan119.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
ARGON2_MEMORY_KIB = env.int("ARGON2_MEMORY_KIB", default=19 * 1024)
ARGON2_TIME_COST = env.int("ARGON2_TIME_COST", default=2)

# Invitations and "forgot password" (agencies/accounts.py): how long their one-time links live, and how many reset
# requests an hour one client address, and one e-mail address, may make.
INVITATION_DAYS = env.int("INVITATION_DAYS", default=7)
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_HOURS", default=24) * 3600
PASSWORD_RESET_CLIENT_LIMIT = env.int("PASSWORD_RESET_CLIENT_LIMIT", default=10)
PASSWORD_RESET_ADDRESS_LIMIT = env.int("PASSWORD_RESET_ADDRESS_LIMIT", default=3)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Security (production defaults; DEBUG relaxes only what HTTP on localhost needs, as settings_test.py does) ---
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env.bool("BEHIND_PROXY", default=False):
    # the proxy terminates TLS and says so in this header
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# No inline script anywhere: every script is a static file; data reaches scripts as JSON blocks.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],  # Django admin and Bootstrap components set style attributes
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Language and time ----------------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["plan119.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# Uploaded evidence is never served as a public URL: downloads go through a permission-checking view.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
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

# --- Cache ----------------------------------------------------------------------------------------
# The dashboards keep per-year counts here (reporting/dashboard.py). Default: each process its own memory; with
# several web processes, e.g. CACHE_URL=redis://127.0.0.1:6379/1 shares them (a Redis outage only costs a recount).
# --- The API (api/, /api/v1/, README "API") -------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",  # first: its header makes a missing sign-in a 401
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ReadsPlan"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env.str("API_TOKEN_RATE", default="600/minute")},
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer",
                                 "rest_framework.renderers.BrowsableAPIRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.problem_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "plan119 API",
    "DESCRIPTION": _("The reporting cycle of Plan 119/KH-UBND for other systems: plans, tasks, agencies, periods, "
                     "reports, figures, difficulties, the synthesis and a changes feed. Sign in with a personal token "
                     "(Authorization: Bearer …) made on your profile; it acts with your permissions."),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ReportStatusEnum": "reporting.models.ReportStatus",
        "PeriodStatusEnum": "reporting.models.PeriodStatus",
        "DifficultyStatusEnum": "reporting.models.DifficultyStatus",
    },
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.problem_responses"],
}

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"].endswith("RedisCache"):
    CACHES["default"].setdefault("OPTIONS", {}).update({"socket_connect_timeout": 0.5, "socket_timeout": 0.5})
CACHES["default"]["KEY_PREFIX"] = env.str("CACHE_KEY_PREFIX", default="plan119")

# --- E-mail ---------------------------------------------------------------------------------------
# EMAIL_URL, e.g. smtp://user:password@mail.example:587 or smtp+tls://...; default: one file per message in var/mail.
if "EMAIL_URL" in env:
    _email = env.email_url("EMAIL_URL")
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))  # smtps:// and smtp+tls://: STARTTLS
    EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))  # smtp+ssl://
    EMAIL_HOST = _email["EMAIL_HOST"] or "localhost"
    EMAIL_PORT = _email["EMAIL_PORT"] or (465 if EMAIL_USE_SSL else 25)  # smtplib's defaults
    EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
    EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = Path(env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail")))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
# SMTP connections a reminder run sends through at once (reporting.delivery.reminders).
REMINDER_SMTP_CONNECTIONS = env.int("REMINDER_SMTP_CONNECTIONS", default=4)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="plan119 <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ---------------------------------------------------------------------------------------
def filesystem_broker(var_dir: Path) -> tuple[dict[str, object], str]:
    """The embedded default: kombu's filesystem transport, one folder shared by every process, and Celery's file
    result store beside it. Returns (CELERY_BROKER_TRANSPORT_OPTIONS, CELERY_RESULT_BACKEND)."""
    broker = var_dir / "broker"
    options = {
        "data_folder_in": str(broker / "queue"),
        "data_folder_out": str(broker / "queue"),
        "processed_folder": str(broker / "processed"),
        "store_processed": False,
        "control_folder": str(broker / "control"),
        "polling_interval": 0.2,
    }
    return options, f"file://{var_dir / 'celery-results'}"


REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"REDIS_URL must start with redis://, rediss:// or unix://; got {REDIS_URL!r}")
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS, CELERY_RESULT_BACKEND = filesystem_broker(VAR_DIR)
# Results are kept only for the tasks that need them (worker_health); publishing a task must never wait on the
# result store, so that a Redis outage costs a submission a failed enqueue (the outbox keeps it), not seconds.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- Reporting ------------------------------------------------------------------------------------
def _month_day(raw: str) -> tuple[int, int]:
    """'01/10' -> (10, 1): day/month, a date that exists (29/02 included)."""
    try:
        day, month = (int(part) for part in raw.split("/"))
        datetime.date(2024, month, day)
    except ValueError:
        raise ValueError("must be a day and month like 01/10") from None
    return month, day


# A period is visible all year but opens for submission on this day (default 1 October).
REPORTING_OPENS_ON = env("REPORTING_OPENS_ON", cast=_month_day, default="01/10", parse_default=True)
ATTACHMENT_MAX_MB = env.int("ATTACHMENT_MAX_MB", default=20)
# A Word or Excel file, unpacked (reporting/files.py).
ATTACHMENT_MAX_UNPACKED_MB = env.int("ATTACHMENT_MAX_UNPACKED_MB", default=100)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000  # a report form has a few fields per task, and many tasks for some agencies

# --- Forms ----------------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Logging --------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
