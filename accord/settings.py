"""Accord settings: one module, read from the environment.

Development (the default) works with no configuration at all: an SQLite file under ``var/`` and a
secret key generated on first start. Production (``ACCORD_ENV=production``) refuses to start
without the settings that must never take a default there.
"""

import os
import secrets
import sys
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("ACCORD_VAR_DIR", BASE_DIR.parent / "var")).resolve()

ENV = os.environ.get("ACCORD_ENV", "development")
if ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured(f"ACCORD_ENV must be development, production or test, not {ENV!r}")
PRODUCTION = ENV == "production"
TESTING = ENV == "test" or "pytest" in sys.modules


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when ACCORD_ENV=production")
    # A per-installation key kept beside the database, so sessions survive a restart without a
    # key ever being committed.
    path = VAR_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when ACCORD_ENV=production")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "accord.identity.admin_site.AccordAdminConfig",  # the Django admin, behind Accord's login
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ninja",
    "accord.core",
    "accord.identity",
    "accord.people",
    "accord.activities",
    "accord.messaging",
    "accord.sales",
    "accord.billing",
    "accord.marketing",
    "accord.service",
    "accord.analytics",
    "accord.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "accord.core.middleware.BodySizeLimitMiddleware",  # before anything reads the body
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accord.identity.middleware.PortalBoundaryMiddleware",  # portal users never reach a staff screen
    "accord.identity.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accord.identity.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "accord.urls"
WSGI_APPLICATION = "accord.wsgi.application"
ASGI_APPLICATION = "accord.asgi.application"

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
                "accord.core.context_processors.accord",
            ],
            "builtins": ["django.templatetags.i18n"],
        },
    }
]

# --- Database -------------------------------------------------------------------------------------
DEFAULT_SQLITE = VAR_DIR / "accord.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE}"
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=0 if TESTING else 60, conn_health_checks=True)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    if _db["NAME"] != ":memory:":
        Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    _db["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN: two writers queue up instead of one of them
        # failing half-way with "database is locked" on its first write. BEGIN IMMEDIATE waits up
        # to ``timeout`` seconds (SQLite's busy timeout) for another writer to finish; a write
        # transaction longer than that (a big import) still makes it fail, and the worker then
        # tries again later (core/management/commands/worker.py).
        "transaction_mode": "IMMEDIATE",
        "timeout": float(os.environ.get("ACCORD_SQLITE_TIMEOUT", "20")),
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA temp_store=MEMORY;"
            "PRAGMA cache_size=-65536;"
            "PRAGMA mmap_size=268435456;"
        ),
    }
    _db["CONN_MAX_AGE"] = 0 if TESTING else None
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _db.setdefault("OPTIONS", {})
    _db["TEST"] = {"NAME": os.environ.get("ACCORD_TEST_DB_NAME") or None}
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: Redis when configured, otherwise the process's memory (embedded shape) ---------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# What a background run has done so far (an import's rows), read by the web processes while the
# run's own transaction is still open: shared through Redis, or files on the one embedded host.
CACHES["progress"] = (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(VAR_DIR / "progress")}
)

# --- Background tasks -----------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("ACCORD_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# --- Identity and authentication -----------------------------------------------------------------
AUTH_USER_MODEL = "identity.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accord.identity.backends.AccordBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "identity:login"
LOGIN_REDIRECT_URL = "activities:my-day"
LOGOUT_REDIRECT_URL = "identity:login"

# Login throttling: five failures for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("ACCORD_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "identity/locked_out.html"
AXES_VERBOSE = False
# How many reverse proxies stand in front of Accord: the client's address is that many hops back in
# X-Forwarded-For (login throttling and public forms' rate limits count per address).
ACCORD_PROXY_COUNT = int(os.environ.get("ACCORD_PROXY_COUNT", "0"))
AXES_IPWARE_PROXY_COUNT = ACCORD_PROXY_COUNT or None

# Two-factor sign-in (django-otp): authenticator apps show the installation's name beside the code.
# Wrong codes wait 1, 2, 4, 8... seconds before the next try (per device, across sessions).
OTP_TOTP_ISSUER = os.environ.get("ACCORD_NAME", "Accord")
OTP_TOTP_THROTTLE_FACTOR = 1

SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Internationalisation -------------------------------------------------------------------------
# Each name in its own language, as the language switch shows it.
LANGUAGES = [("en", "English"), ("pl", "Polski"), ("lt", "Lietuvių"), ("ro", "Română"), ("ru", "Русский")]
# The installation's language: screens of users who chose none and whose browser asks for none of
# the above, and what customers and users are written to in when nothing else says.
LANGUAGE_CODE = os.environ.get("ACCORD_LANGUAGE", "en")
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(
        f"ACCORD_LANGUAGE={LANGUAGE_CODE!r} is not one of Accord's languages: {', '.join(dict(LANGUAGES))}"
    )
LOCALE_PATHS = [BASE_DIR / "locale"]
# Where a locale's date formats differ from what its users write (accord/formats/<lang>/formats.py).
FORMAT_MODULE_PATH = ["accord.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Warsaw")
USE_I18N = True
USE_TZ = True
DEFAULT_COUNTRY = os.environ.get("ACCORD_DEFAULT_COUNTRY", "PL")  # for phone numbers without a +
DEFAULT_CURRENCY = os.environ.get("ACCORD_DEFAULT_CURRENCY", "PLN")
# The selling company as quotes print it: ACCORD_SELLER_NAME, _ADDRESS (lines separated by "|"),
# _TAX_ID, _EMAIL, _PHONE, _BANK_ACCOUNT.
ACCORD_SELLER = {
    key: os.environ.get(f"ACCORD_SELLER_{key.upper()}", "").replace("|", "\n")
    for key in ("name", "address", "tax_id", "email", "phone", "bank_account")
}

# --- Channel layer (live chat over WebSockets) ---------------------------------------------------
# Redis when CHANNEL_LAYER_URL (or REDIS_URL) names one, so every web process hears every chat;
# otherwise the process's memory: the embedded shape runs one web process (``accord run``).
CHANNEL_LAYER_URL = os.environ.get("CHANNEL_LAYER_URL", REDIS_URL)
if CHANNEL_LAYER_URL:
    # redis-py's pool refuses a 101st connection in use; a burst of chat messages sends to as many
    # groups at once, and a refused send dropped the socket.
    _layer_host = {
        "address": CHANNEL_LAYER_URL,
        "max_connections": int(os.environ.get("ACCORD_CHANNEL_LAYER_CONNECTIONS", "1000")),
    }
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [_layer_host]}}
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# The modules whose ``websocket_urlpatterns`` accord/asgi.py serves.
ACCORD_WEBSOCKET_ROUTES = ["accord.service.routing"]
# A chat whose visitor closed the page (no socket open) this many minutes ago is ended as abandoned.
ACCORD_CHAT_ABANDON_MINUTES = int(os.environ.get("ACCORD_CHAT_ABANDON_MINUTES", "10"))

# --- Static and uploaded files --------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns at every start when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
FILES_DIR = VAR_DIR / "files"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": FILES_DIR}},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Attachments: the largest file accepted, and a virus scanner run on every upload before it is
# stored ("clamdscan --no-summary" or any command: it gets the file's path as its last argument
# and refuses the file by exiting non-zero). A reverse proxy in front should allow bodies a little
# larger than the limit, so the user sees Accord's message rather than the proxy's.
ACCORD_MAX_UPLOAD_MB = int(os.environ.get("ACCORD_MAX_UPLOAD_MB", "25"))
ACCORD_VIRUS_SCAN_COMMAND = os.environ.get("ACCORD_VIRUS_SCAN_COMMAND", "")
ACCORD_VIRUS_SCAN_TIMEOUT = int(os.environ.get("ACCORD_VIRUS_SCAN_TIMEOUT", "120"))

# Without a collectstatic step (development, tests) WhiteNoise serves straight from the apps.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

# --- E-mail: SMTP in production, the console in development --------------------------------------
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "accord@localhost")
_mail_backend = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
_mail_options: dict = {}
if _mail_backend.endswith("smtp.EmailBackend"):
    _mail_options = {
        "host": os.environ.get("EMAIL_HOST", "localhost"),
        "port": int(os.environ.get("EMAIL_PORT", "25")),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
    }
MAILERS = {"default": {"BACKEND": _mail_backend, "OPTIONS": _mail_options}}

# --- Messaging: the outbox's delivery backends, retries and claims -------------------------------
# E-mail goes through the default mailer above; ACCORD_EMAIL_BACKEND replaces its backend, e.g.
# "anymail.backends.mailgun.EmailBackend" (a provider's keys then go in ANYMAIL_* variables).
# From and Reply-To of every message the outbox sends; Message-IDs are made at ACCORD_MESSAGE_DOMAIN.
ACCORD_EMAIL_BACKEND = os.environ.get("ACCORD_EMAIL_BACKEND", "")
if ACCORD_EMAIL_BACKEND:
    MAILERS = {"default": {"BACKEND": ACCORD_EMAIL_BACKEND, "OPTIONS": {}}}
ACCORD_EMAIL_FROM = os.environ.get("ACCORD_EMAIL_FROM", DEFAULT_FROM_EMAIL)
ACCORD_EMAIL_REPLY_TO = os.environ.get("ACCORD_EMAIL_REPLY_TO", "")
ACCORD_MESSAGE_DOMAIN = os.environ.get("ACCORD_MESSAGE_DOMAIN", "") or (
    ACCORD_EMAIL_FROM.rpartition("@")[2].strip(">").strip() or "accord.localhost"
)
# ANYMAIL_WEBHOOK_SECRET ("user:password") guards the provider's tracking webhook (bounces).
ANYMAIL = (
    {"WEBHOOK_SECRET": os.environ.get("ANYMAIL_WEBHOOK_SECRET", "")} if os.environ.get("ANYMAIL_WEBHOOK_SECRET") else {}
)


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None
    if value < 1:
        raise ImproperlyConfigured(f"{name} must be at least 1, not {value}")
    return value


# A failed attempt is tried again after ACCORD_MESSAGE_RETRY_FIRST seconds, doubling up to
# ACCORD_MESSAGE_RETRY_LONGEST; after ACCORD_MESSAGE_MAX_ATTEMPTS attempts the message has failed.
ACCORD_MESSAGE_MAX_ATTEMPTS = _positive_int("ACCORD_MESSAGE_MAX_ATTEMPTS", 6)
ACCORD_MESSAGE_RETRY_FIRST = _positive_int("ACCORD_MESSAGE_RETRY_FIRST", 60)
ACCORD_MESSAGE_RETRY_LONGEST = _positive_int("ACCORD_MESSAGE_RETRY_LONGEST", 6 * 60 * 60)
# A worker holds a message it is sending this long; after it, the worker is taken for dead and
# another takes the message again. Longer than any backend's timeout.
ACCORD_MESSAGE_LEASE_SECONDS = _positive_int("ACCORD_MESSAGE_LEASE_SECONDS", 300)
ACCORD_MESSAGE_BATCH = _positive_int("ACCORD_MESSAGE_BATCH", 50)
# A worker claims this many due messages at once (one query) and records those sent together; a
# worker that dies holds at most this many until its lease runs out (messaging/services/delivery.py).
ACCORD_MESSAGE_CLAIM = _positive_int("ACCORD_MESSAGE_CLAIM", 100)
# SMS: "http" (a gateway taking POST {to, message, from} with a bearer token, e.g. SMSAPI.pl),
# "console" or "file" (development: written out, nothing sent), "none" (every SMS fails, saying so),
# or the dotted path of a backend class.
ACCORD_SMS_BACKEND = os.environ.get("ACCORD_SMS_BACKEND", "none" if PRODUCTION else "console")
ACCORD_SMS_URL = os.environ.get("ACCORD_SMS_URL", "")
ACCORD_SMS_TOKEN = os.environ.get("ACCORD_SMS_TOKEN", "")
ACCORD_SMS_FROM = os.environ.get("ACCORD_SMS_FROM", "")
# The shared secret the gateway sends with the texts customers reply (POST /marketing/sms/inbound/);
# empty: the endpoint is off.
ACCORD_SMS_INBOUND_TOKEN = os.environ.get("ACCORD_SMS_INBOUND_TOKEN", "")
# The shared secret a mail provider sends with the e-mail customers write to a queue
# (POST /service/mail/inbound/); empty: the endpoint is off.
ACCORD_SERVICE_INBOUND_TOKEN = os.environ.get("ACCORD_SERVICE_INBOUND_TOKEN", "")
ACCORD_SMS_FORMAT = os.environ.get("ACCORD_SMS_FORMAT", "json")
ACCORD_SMS_TIMEOUT = _positive_int("ACCORD_SMS_TIMEOUT", 15)
ACCORD_SMS_FILE_DIR = Path(os.environ.get("ACCORD_SMS_FILE_DIR", VAR_DIR / "sms"))
if ACCORD_SMS_FORMAT not in {"json", "form"}:
    raise ImproperlyConfigured(f"ACCORD_SMS_FORMAT must be json or form, not {ACCORD_SMS_FORMAT!r}")
if ACCORD_SMS_BACKEND == "http" and not ACCORD_SMS_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured("ACCORD_SMS_URL must be the gateway's http(s):// address when ACCORD_SMS_BACKEND=http")

# --- Marketing ------------------------------------------------------------------------------------
# The address people reach Accord at from outside: links in e-mails (unsubscribe, confirming a
# consent) are built on it. In production it defaults to https:// and the first allowed host.
_first_host = next((h.lstrip(".") for h in ALLOWED_HOSTS if h and "*" not in h), "localhost")
ACCORD_BASE_URL = os.environ.get(
    "ACCORD_BASE_URL", f"https://{_first_host}" if PRODUCTION else "http://localhost:8000"
).rstrip("/")
if not ACCORD_BASE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(f"ACCORD_BASE_URL must start with https:// or http://, not {ACCORD_BASE_URL!r}")
# E-mail consent given on a form or through the API is granted only once the person follows the
# link mailed to them (double opt-in); the link works this many days.
ACCORD_CONSENT_DOUBLE_OPT_IN = env_bool("ACCORD_CONSENT_DOUBLE_OPT_IN", True)
ACCORD_CONSENT_CONFIRM_DAYS = _positive_int("ACCORD_CONSENT_CONFIRM_DAYS", 7)

# --- Security -------------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts, styles, images and connections from Accord itself only: no inline script, style block,
# style attribute, event-handler attribute or eval (htmx runs with allowEval off). A page sets
# styles from a static script through the CSSOM, which the policy allows. Images also come as data:
# URIs (the favicon, the icons in the stylesheet).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the page, not the cookie
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Joining the browsers' preload list binds the whole domain to HTTPS for good: the operator
        # opts in with SECURE_HSTS_PRELOAD=1, it is not a default.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Logging: to stderr, where the process supervisor collects it ---------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "ERROR"},
        # The task runner reports every idle poll at INFO; only failures matter in the log.
        "django_tasks_db": {"level": "WARNING"},
        "django.tasks": {"level": "WARNING"},
    },
}

# --- Accord ----------------------------------------------------------------------------------------
ACCORD_PAGE_SIZE = 50
ACCORD_API_MAX_PAGE_SIZE = 500
ACCORD_NAME = os.environ.get("ACCORD_NAME", "Accord")
# How long a portal sign-in link works (it works once).
ACCORD_PORTAL_LINK_MINUTES = int(os.environ.get("ACCORD_PORTAL_LINK_MINUTES", "30"))
# The largest spreadsheet the import screens take (megabytes); ``accord import`` has no limit.
ACCORD_IMPORT_MAX_BYTES = int(float(os.environ.get("ACCORD_IMPORT_MAX_MB", "50")) * 1024 * 1024)
# Bulk actions that go record by record (tags, field edits, deletion) change up to this many
# records in the request, all or nothing; larger selections run in the worker in chunks of
# ACCORD_BULK_CHUNK_SIZE records, each chunk in its own transaction (core/bulk_jobs.py). On SQLite a
# chunk holds the write lock while it runs (about 10 ms a record): other writers wait that long.
ACCORD_BULK_SYNC_LIMIT = int(os.environ.get("ACCORD_BULK_SYNC_LIMIT", "1000"))
ACCORD_BULK_CHUNK_SIZE = int(os.environ.get("ACCORD_BULK_CHUNK_SIZE", "100"))
# Events not dispatched after this many failures are left for an operator (core.Event.failed_at).
ACCORD_EVENT_MAX_ATTEMPTS = 8

# Admin-only Django admin for reference data; the product's own screens are the way to work.
ADMIN_URL = os.environ.get("ACCORD_ADMIN_URL", "admin/")

if TESTING:
    # Argon2 is deliberately slow; tests that check hashing switch it back on.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
    TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    # Files a test uploads never land among the development server's (tests that look at the
    # files point the storage at a directory of their own).
    FILES_DIR = Path(tempfile.gettempdir()) / "accord-test-files"
    STORAGES["default"] = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": FILES_DIR}}
    CACHES["progress"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "progress"}
    AXES_ENABLED = env_bool("AXES_ENABLED", True)
