"""Kotoba settings: one file, read from the environment.

Every variable is listed with its default in README.md ("Configuration").
Development needs none of them; production needs DJANGO_DEBUG=0,
DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS.
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """A boolean from the environment; anything but a clear yes/no is an error."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}"
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    """A whole number from the environment."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated list from the environment; empty items are an error."""
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    if raw.strip() == "":
        return []
    items = [item.strip() for item in raw.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(f"{name} has an empty item; got {raw!r}")
    return items


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "axes",
    "markdownx",
    "django_tasks_db",
    "accounts",
    "wiki",
    "talk",
    "files",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",  # ETag on every page, 304 when unchanged
    "config.middleware.RememberAdultNoticeMiddleware",  # outside the page cache
    # Whole pages for anonymous readers, before sessions and the view run (wiki/pagecache.py).
    "wiki.pagecache.PageCacheMiddleware",
    "config.middleware.ReadYourWritesMiddleware",  # only with read replicas; outside sessions
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.RejectNulBytesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # Innermost, so its process_exception sees database errors first (config/middleware.py).
    "config.middleware.DatabaseOutageMiddleware",
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
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.account_state",
                "config.context_processors.site_urls",
            ],
        },
    },
]
# Every form: labels without Django's trailing colon (config/forms.py).
FORM_RENDERER = "config.forms.SiteFormRenderer"

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DJANGO_DB_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has one writer at a time. A transaction takes the write lock when it begins
    # (IMMEDIATE) and waits up to `timeout` seconds for it, instead of failing with "database
    # is locked" halfway through; WAL lets readers go on while someone writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("KOTOBA_SQLITE_TIMEOUT", 20, minimum=1),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        **DATABASES["default"].get("OPTIONS", {}),
    }

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Server-side binding, so that look-ups by unique key (the reader and the article:
    # wiki.statements.plans_reused) can be prepared and planned once per connection; psycopg
    # prepares nothing anywhere else. Off (0) behind a pooler in transaction mode, which cannot
    # keep prepared statements (docs/deployment.md).
    DATABASES["default"]["OPTIONS"] = {
        "server_side_binding": env_bool("KOTOBA_DB_PREPARED_STATEMENTS", True),
        **DATABASES["default"].get("OPTIONS", {}),  # the URL's own options win
    }

# Read replicas: PostgreSQL hot standbys of DATABASE_URL, as aliases replica1, replica2, ...
# Reads of requests that write nothing go to one of them, everything else to the primary
# (config/routers.py, ReadYourWritesMiddleware; docs/deployment.md). Each connection is read-only,
# so a write that went astray fails loudly even on a server that is not a standby. Under test each
# mirrors the test database: the same name on the replica's own server, where a streaming
# standby has it by itself.
KOTOBA_READ_REPLICAS = []
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS", []), start=1):
    _replica = dj_database_url.parse(
        _url, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"], conn_health_checks=True
    )
    if {DATABASES["default"]["ENGINE"], _replica["ENGINE"]} != {"django.db.backends.postgresql"}:
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URLS needs PostgreSQL: DATABASE_URL and every replica URL must be "
            f"postgres:// URLs (replica {_number} is {_replica['ENGINE'].rsplit('.', 1)[-1]}, "
            f"DATABASE_URL is {DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]})"
        )
    _replica["OPTIONS"] = {
        "options": "-c default_transaction_read_only=on",
        "server_side_binding": DATABASES["default"]["OPTIONS"]["server_side_binding"],
        **_replica.get("OPTIONS", {}),
    }
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica{_number}"] = _replica
    KOTOBA_READ_REPLICAS.append(f"replica{_number}")
# How long after writing something a client reads from the primary (longer than replicas lag).
KOTOBA_READ_YOUR_WRITES_SECONDS = env_int("KOTOBA_READ_YOUR_WRITES_SECONDS", 10, minimum=1)
DATABASE_ROUTERS = ["config.routers.ReplicaRouter"] if KOTOBA_READ_REPLICAS else []
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis through a backend that degrades while Redis is down (reads miss, writes are dropped;
# see config/cache.py), with short socket timeouts so a hung Redis cannot hold a worker.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    _redis_timeout = env_int("KOTOBA_REDIS_TIMEOUT_MS", 300, minimum=10) / 1000
    CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": _redis_timeout,
                "socket_timeout": _redis_timeout,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background tasks (all mail goes out through one; see accounts/mail.py). DJANGO_TASKS_BACKEND:
# immediate (runs the task inline; the default in development), database (django-tasks-db's
# queue, run by `manage.py db_worker`; the default in production), or a dotted backend path.
_TASK_BACKENDS = {
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.backend.DatabaseBackend",
}
_task_backend = os.environ.get("DJANGO_TASKS_BACKEND", "immediate" if DEBUG else "database")
_task_backend_path = _TASK_BACKENDS.get(_task_backend, _task_backend)
if "." not in _task_backend_path:
    raise ImproperlyConfigured(
        f"DJANGO_TASKS_BACKEND must be immediate, database or a dotted path; got {_task_backend!r}"
    )
TASKS = {"default": {"BACKEND": _task_backend_path}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded pictures (files app). Local disk by default; for a bucket, set STORAGES["default"]
# to django-storages' S3 backend (docs/deployment.md) and MEDIA_URL to the bucket's address.
MEDIA_URL = os.environ.get("KOTOBA_MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("KOTOBA_MEDIA_ROOT", BASE_DIR / "media"))
# Behind nginx: the media view checks who may see a picture, then hands the sending to the
# web server with X-Accel-Redirect to this internal location (empty: Django streams it).
KOTOBA_MEDIA_ACCEL = os.environ.get("KOTOBA_MEDIA_ACCEL", "")
KOTOBA_UPLOAD_RATE_NEW = env_int("KOTOBA_UPLOAD_RATE_NEW", 5, minimum=1)  # per hour
KOTOBA_UPLOAD_RATE_AUTOCONFIRMED = env_int("KOTOBA_UPLOAD_RATE_AUTOCONFIRMED", 60, minimum=1)
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

# Email (Django 6.1's MAILERS) ---------------------------------------------------------------
# DJANGO_EMAIL_BACKEND: console (the default in development), smtp (the default in production),
# file, locmem, or a dotted path to a backend class.
_EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}
_email_backend = os.environ.get("DJANGO_EMAIL_BACKEND", "console" if DEBUG else "smtp")
_email_backend_path = _EMAIL_BACKENDS.get(_email_backend, _email_backend)
if "." not in _email_backend_path:
    raise ImproperlyConfigured(
        "DJANGO_EMAIL_BACKEND must be console, smtp, file, locmem or a dotted path; "
        f"got {_email_backend!r}"
    )
_email_options = {}
if _email_backend_path == _EMAIL_BACKENDS["smtp"]:
    _email_options = {
        "host": os.environ.get("DJANGO_EMAIL_HOST", "localhost"),
        "port": env_int("DJANGO_EMAIL_PORT", 25, minimum=1),
        "username": os.environ.get("DJANGO_EMAIL_HOST_USER", ""),
        "password": os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("DJANGO_EMAIL_USE_TLS", False),
        # A mail server that hangs must not hold the worker (or, inline, a request) for ever.
        "timeout": env_int("DJANGO_EMAIL_TIMEOUT", 10, minimum=1),
    }
elif _email_backend_path == _EMAIL_BACKENDS["file"]:
    _email_options = {
        "file_path": os.environ.get("DJANGO_EMAIL_FILE_PATH", str(BASE_DIR / "sent-mail"))
    }
MAILERS = {"default": {"BACKEND": _email_backend_path, "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Kotoba <noreply@kotoba.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security ------------------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# The same policy in development and production, so what works locally works live.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
    if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# django-axes: a cool-off, never a permanent lockout ------------------------------------------
AXES_FAILURE_LIMIT = env_int("KOTOBA_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("KOTOBA_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_USERNAME_CALLABLE = "accounts.views.axes_username"  # "Editor" and "editor" are one account
AXES_CLIENT_IP_CALLABLE = "accounts.ratelimit.client_ip"  # the address rate limits count
AXES_VERBOSE = False

# markdownx: the editor's preview uses the one renderer that saves use ----------------------
MARKDOWNX_MARKDOWNIFY_FUNCTION = "wiki.rendering.render_markdown"
MARKDOWNX_SERVER_CALL_LATENCY = 400
MARKDOWNX_EDITOR_RESIZABLE = True

# Kotoba --------------------------------------------------------------------------------------
# Where the site is reached, for links in mail sent outside a request (moderation decisions).
KOTOBA_SITE_URL = os.environ.get("KOTOBA_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Page cache (wiki/pagecache.py): on by default when the cache is shared (REDIS_URL); with the
# per-process local memory cache, several workers would not see each other's invalidations.
KOTOBA_PAGE_CACHE = env_bool("KOTOBA_PAGE_CACHE", bool(REDIS_URL))
KOTOBA_PAGE_CACHE_SECONDS = env_int("KOTOBA_PAGE_CACHE_SECONDS", 600, minimum=1)
KOTOBA_SHARED_MAX_AGE = env_int("KOTOBA_SHARED_MAX_AGE", 0, minimum=0)  # s-maxage for a CDN
KOTOBA_PURGE_HOOK = os.environ.get("KOTOBA_PURGE_HOOK", "")  # dotted path, called on a bump
KOTOBA_REQUIRE_CONFIRMED_EMAIL = env_bool("KOTOBA_REQUIRE_CONFIRMED_EMAIL", True)
KOTOBA_CONFIRMATION_MAX_AGE_DAYS = env_int("KOTOBA_CONFIRMATION_MAX_AGE_DAYS", 3, minimum=1)
KOTOBA_SIGNUP_RATE = env_int("KOTOBA_SIGNUP_RATE", 5, minimum=1)  # sign-ups per IP per hour
KOTOBA_PREVIEW_RATE = env_int("KOTOBA_PREVIEW_RATE", 120, minimum=1)  # previews per user/minute
KOTOBA_AUTOCONFIRM_DAYS = env_int("KOTOBA_AUTOCONFIRM_DAYS", 4, minimum=0)
KOTOBA_AUTOCONFIRM_EDITS = env_int("KOTOBA_AUTOCONFIRM_EDITS", 10, minimum=0)
KOTOBA_NEW_USER_MAX_LINKS = env_int("KOTOBA_NEW_USER_MAX_LINKS", 3, minimum=0)
KOTOBA_EDIT_RATE_NEW = env_int("KOTOBA_EDIT_RATE_NEW", 8, minimum=1)  # per minute
KOTOBA_EDIT_RATE_AUTOCONFIRMED = env_int("KOTOBA_EDIT_RATE_AUTOCONFIRMED", 90, minimum=1)
KOTOBA_TALK_RATE_NEW = env_int("KOTOBA_TALK_RATE_NEW", 4, minimum=1)  # talk posts per minute
KOTOBA_TALK_RATE_AUTOCONFIRMED = env_int("KOTOBA_TALK_RATE_AUTOCONFIRMED", 20, minimum=1)
KOTOBA_REPORT_RATE = env_int("KOTOBA_REPORT_RATE", 10, minimum=1)  # per user per hour
KOTOBA_PASSWORD_RESET_RATE = env_int("KOTOBA_PASSWORD_RESET_RATE", 10, minimum=1)  # per IP/hour
# Reset mails to one address per hour, whoever asks (the answer is the same when it is refused).
KOTOBA_PASSWORD_RESET_ADDRESS_RATE = env_int("KOTOBA_PASSWORD_RESET_ADDRESS_RATE", 3, minimum=1)
KOTOBA_EMAIL_CHANGE_RATE = env_int("KOTOBA_EMAIL_CHANGE_RATE", 5, minimum=1)  # per user per hour

# The client address behind reverse proxies: the header they write (e.g. X-Forwarded-For; empty:
# REMOTE_ADDR) and how many of them append to it, counted from the right.
KOTOBA_CLIENT_IP_HEADER = os.environ.get("KOTOBA_CLIENT_IP_HEADER", "").strip()
if KOTOBA_CLIENT_IP_HEADER and not re.fullmatch(r"[A-Za-z0-9-]+", KOTOBA_CLIENT_IP_HEADER):
    raise ImproperlyConfigured(
        "KOTOBA_CLIENT_IP_HEADER must be a header name such as X-Forwarded-For; "
        f"got {KOTOBA_CLIENT_IP_HEADER!r}"
    )
KOTOBA_TRUSTED_PROXY_COUNT = env_int("KOTOBA_TRUSTED_PROXY_COUNT", 1, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
    # Every task's start and end at INFO (a line per watcher notice sent): failures only.
    "loggers": {"django.tasks": {"level": os.environ.get("DJANGO_TASKS_LOG_LEVEL", "WARNING")}},
}
