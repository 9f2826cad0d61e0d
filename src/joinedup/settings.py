"""Django settings, every one of them read from the environment through ``joinedup.env``.

| variable | default | meaning |
|---|---|---|
| ``DEBUG`` | off | Django's debug pages; never on a public server |
| ``SECRET_KEY`` | none | required unless ``DEBUG`` is on (``make run`` generates one in ``var/``) |
| ``DATABASE_URL`` | ``sqlite:///<data dir>/joinedup.sqlite3`` | ``postgres://user:pass@host:port/name`` selects PostgreSQL |
| ``JOINEDUP_DATA_DIR`` | ``./var`` | where the SQLite file, collected static files and caches live |
| ``ALLOWED_HOSTS`` | ``127.0.0.1,localhost`` | comma-separated host names the site answers to |
| ``CSRF_TRUSTED_ORIGINS`` | empty | comma-separated origins, for serving behind a proxy |
| ``HTTPS`` | off | secure cookies, HSTS, redirect plain HTTP to HTTPS, and trust ``X-Forwarded-Proto`` from the proxy |
| ``HSTS_SECONDS`` | ``31536000`` (a year) | how long browsers keep to HTTPS once told, when ``HTTPS`` is on |
| ``HSTS_PRELOAD`` | on | with ``HTTPS``, HSTS covers subdomains and allows the browsers' preload list; turn off if a subdomain has no HTTPS |
| ``PROXY_COUNT`` | ``0`` | how many reverse proxies stand before the site; above 0, a person's address is read from ``X-Forwarded-For`` |
| ``SIGN_IN_FAILURE_LIMIT`` | ``5`` | failed sign-ins, for one account or from one address, before it is locked out |
| ``SIGN_IN_LOCKOUT_MINUTES`` | ``15`` | how long a locked-out account or address waits before it may try again |
| ``SESSION_IDLE_MINUTES`` | ``30`` | a signed-in person left idle this long is signed out |
| ``TIME_ZONE`` | ``Europe/London`` | |
| ``LOG_LEVEL`` | ``INFO`` | |
| ``LOG_FORMAT`` | ``plain`` | ``json`` writes each log record as one JSON object per line, for a log collector |
| ``EMAIL_BACKEND`` | console | Django e-mail backend; ``django.core.mail.backends.smtp.EmailBackend`` sends for real |
| ``DEFAULT_FROM_EMAIL`` | ``JoinedUp <joinedup@localhost>`` | the sender of reminders |
| ``EMAIL_HOST`` / ``EMAIL_PORT`` | ``localhost`` / ``25`` | the SMTP server |
| ``EMAIL_HOST_USER`` / ``EMAIL_HOST_PASSWORD`` | empty | SMTP sign-in, if the server needs one |
| ``EMAIL_USE_TLS`` | off | STARTTLS to the SMTP server |
| ``JOINEDUP_BASE_URL`` | ``http://127.0.0.1:8000`` | the site's address, for links in e-mails |
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

from joinedup.env import (
    SettingError,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_path,
    env_str,
)

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = env_path("JOINEDUP_DATA_DIR", Path.cwd() / "var")

DEBUG = env_bool("DEBUG", False)
TESTING = "PYTEST_VERSION" in os.environ

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if DEBUG or TESTING:
        # A throwaway key: sessions do not survive a restart, which is fine for these uses.
        SECRET_KEY = secrets.token_urlsafe(50)
    else:
        raise SettingError(
            "SECRET_KEY must be set when DEBUG is off. `make run` generates one in "
            "var/secret_key; on a server, set it from your secret store."
        )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

HTTPS = env_bool("HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31536000, minimum=0)
    # Subdomains and the browsers' preload list too, unless the domain has subdomains
    # that do not serve HTTPS (check --deploy then warns, as it should).
    SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# A session ends after this long without a request: a signed-in person's pages start the
# clock again, at most once a minute (joinedup.web.sessions), not with a write per page.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30, minimum=1) * 60

# Content Security Policy (django-csp): every script and style comes from the site's own
# static files, so no inline script or style runs, not even one an attacker slips in.
# Charts and maps are SVG drawn on the server.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}


def _database() -> dict:
    default = f"sqlite:///{DATA_DIR / 'joinedup.sqlite3'}"
    url = env_str("DATABASE_URL") or default
    if not url.startswith(("sqlite:", "postgres:", "postgresql:")):
        raise SettingError(
            "DATABASE_URL must start with sqlite:// or postgres://, not "
            f"{url.split(':', 1)[0]!r}"
        )
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    if config["ENGINE"].endswith("sqlite3"):
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            # SQLite lets one writer in at a time, so the web server and the background
            # worker take turns: each waits up to a minute for the other before giving up,
            # longer than the largest upload the web page takes holds the database.
            "timeout": 60,
            # A page cache of up to 128 MB (the default is 2 MB) keeps a large upload's
            # index pages in memory; it is only taken as it is used.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                            "PRAGMA cache_size=-131072; PRAGMA temp_store=MEMORY;",
        }
        Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    # The API's browsable docs from its own static files, not a CDN the policy would refuse.
    "ninja",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "joinedup.web",
    "joinedup.history",
    "joinedup.partnership",
    "joinedup.places",
    "joinedup.constitution",
    "joinedup.strategy",
    "joinedup.returns",
    "joinedup.assessment",
    "joinedup.resources",
    "joinedup.exceptions",
    "joinedup.risks",
    "joinedup.localities",
    "joinedup.benchmarks",
    "joinedup.reports",
    "joinedup.reviews",
    "joinedup.api",
    "joinedup.public",
    "joinedup.demo",
    "joinedup.maintenance",
    # After joinedup.maintenance, whose `db_worker` (the same worker, which first marks
    # failed what a stopped one left unfinished) then takes the place of this app's own.
    "django_tasks_db",
]

# Background work (large uploads) is queued in the database and run by `joinedup db_worker`,
# which `joinedup serve` starts beside the web server: no other server is needed.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

AUTH_USER_MODEL = "partnership.Person"
LOGIN_URL = "web:sign-in"
LOGIN_REDIRECT_URL = "partnership:overview"
LOGOUT_REDIRECT_URL = "partnership:overview"

# Failed sign-ins are counted per account and per address (django-axes): the limit reached
# by either locks it out for a while, and the sign-in page says so.
AUTHENTICATION_BACKENDS = ["joinedup.web.backends.LockableModelBackend"]
AXES_FAILURE_LIMIT = env_int("SIGN_IN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("SIGN_IN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# Lockouts and failures are logged; every successful sign-in is not.
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "joinedup.web.views.account.locked_out"
# The address is the connection's own unless the site stands behind proxies, and then the
# one the nearest proxy saw: an X-Forwarded-For a client writes itself must not pick it.
PROXY_COUNT = env_int("PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "joinedup.web.views.account.client_address"

# Officers and administrators may add a code from an authenticator app to their password
# (django-otp, TOTP): see joinedup.web.two_factor.
OTP_TOTP_ISSUER = env_str("JOINEDUP_SERVICE_NAME", "JoinedUp")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before every middleware that uses the database: a database out of reach, or a
    # full disk, is answered with a page that says so (503, 507) rather than a 500.
    "joinedup.web.unavailable.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "joinedup.web.sessions.IdleExpiryMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "joinedup.web.two_factor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "joinedup.history.middleware.ChangeContextMiddleware",
    # Last, as django-axes asks: it turns a sign-in refused for a lockout into the page
    # that says so.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "joinedup.urls"
WSGI_APPLICATION = "joinedup.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "joinedup.web.context_processors.site",
            ],
        },
    }
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the apps' static folders as well, so a fresh checkout works before
# collectstatic has run; collected files are used when present.
WHITENOISE_USE_FINDERS = True

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "joinedup",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    }
}

LOG_LEVEL = env_choice("LOG_LEVEL", "info", ("debug", "info", "warning", "error")).upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

JOINEDUP_SERVICE_NAME = env_str("JOINEDUP_SERVICE_NAME", "JoinedUp")

# E-mail (collection round reminders). The console backend prints messages, for development.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "JoinedUp <joinedup@localhost>")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
JOINEDUP_BASE_URL = env_str("JOINEDUP_BASE_URL", "http://127.0.0.1:8000")
if not JOINEDUP_BASE_URL.startswith(("http://", "https://")):
    raise SettingError(
        f"JOINEDUP_BASE_URL={JOINEDUP_BASE_URL!r} must start with http:// or https://"
    )

# Logs as one JSON object per line, for a log collector, when LOG_FORMAT=json.
if env_choice("LOG_FORMAT", "plain", ("plain", "json")) == "json":
    LOGGING["formatters"]["json"] = {"()": "joinedup.maintenance.logs.JsonFormatter"}
    LOGGING["handlers"]["console"]["formatter"] = "json"
