"""Settings for webhook_site: one module, every value from the environment (django-environ).

With nothing set it runs locally on an embedded SQLite file with DEBUG off. Every variable is listed
in the README's configuration table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import environ

from webhook_site.database_config import NO_READ_TIMEOUT, database_settings
from webhook_site.secret_key import secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Production stages (DJANGO_SECURE=true) get HTTPS-only cookies, HSTS and a real secret key.
SECURE = env.bool("DJANGO_SECURE", default=False)
SECRET_KEY = secret_key(env, secure=SECURE)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # First: the first app with a command wins, and webhook_site's runserver replaces staticfiles'.
    "webhook_site",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "hits",
    "endpoints",
    "db_roles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "hits.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "webhook_site.urls"
WSGI_APPLICATION = "webhook_site.wsgi.application"

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
            ],
        },
    },
    {
        # The hits pages (hits/jinja2/): the list renders 50 rows on every poll-free page view, and
        # Jinja2's compiled templates do that in a fraction of the Django engine's time (docs/ui.md).
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"environment": "hits.jinja2_environment.environment"},
    },
]

# --- Database -------------------------------------------------------------------------------------
# DATABASE_URL picks the database; the default is an SQLite file in the checkout so `make run` needs
# nothing installed. Production uses mysql-iam://<user>@<proxy endpoint>:3306/<name> (no password):
# see webhook_site/database_config.py for what that sets up and why.
DATABASES = {
    "default": database_settings("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Processes that hold both roles (make stack, the tests, the benchmarks) name the schema admin in
# DATABASE_ADMIN_URL; db_roles.admin_role swaps that login in for schema work, with no read timeout (a
# DDL statement may run for minutes). Deployed, no function holds both (docs/deploy.md).
SCHEMA_ADMIN_DATABASE: dict[str, Any] | None = (
    database_settings("DATABASE_ADMIN_URL", read_timeout_seconds=NO_READ_TIMEOUT)
    if env.str("DATABASE_ADMIN_URL", default="")
    else None
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"  # also keeps MySQL date lookups free of CONVERT_TZ (no time zone tables needed)
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# WhiteNoise serves static files from the Lambda package itself, so no S3/CloudFront is needed.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "DJANGO_STATICFILES_STORAGE",
            default="webhook_site.static_storage.ScriptPrefixStaticFilesStorage",
        )
    },
}
# WhiteNoise matches request paths without the script prefix; fixing its prefix here keeps it from
# depending on the script prefix of whatever request happened to be current at startup.
WHITENOISE_STATIC_PREFIX = "/" + STATIC_URL.strip("/") + "/"
LOGIN_URL = "admin:login"
# The API answers a failed CSRF check in JSON like its other errors; pages keep Django's page.
CSRF_FAILURE_VIEW = "hits.api_errors.csrf_failure"
# Where a login lands when its ?next= is missing or unsafe. Django's default, /accounts/profile/, is
# a captured path here: every such login would store a hit.
LOGIN_REDIRECT_URL = "hits:list"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# --- The product ----------------------------------------------------------------------------------
# Everything under HITS_UI_PREFIX, /admin/ and STATIC_URL is the app's own; every other path is captured.
HITS_UI_PREFIX: str = env.str("HITS_UI_PREFIX", default="_")
HITS_MAX_BODY_BYTES: int = env.int("HITS_MAX_BODY_BYTES", default=1024 * 1024)
HITS_REQUIRE_LOGIN: bool = env.bool("HITS_REQUIRE_LOGIN", default=False)
# Added to the built-in list (Authorization, Cookie, Set-Cookie, Proxy-Authorization, X-Api-Key, ...).
HITS_REDACTED_HEADERS: list[str] = env.list("HITS_REDACTED_HEADERS", default=[])
HITS_PAGE_SIZE: int = env.int("HITS_PAGE_SIZE", default=50)
# Body text search (?q=) reads only the newest this-many hits' bodies: bodies have no index, and
# this bounds the scan (up to this many blobs of at most HITS_MAX_BODY_BYTES) whatever the table holds.
HITS_BODY_SEARCH_LIMIT: int = env.int("HITS_BODY_SEARCH_LIMIT", default=5000)
# Seconds a client is told to wait (Retry-After) when the database cannot be reached.
HITS_RETRY_AFTER_SECONDS: int = env.int("HITS_RETRY_AFTER_SECONDS", default=5)
# Key material (comma-separated, newest first) that encrypts endpoint signing secrets at rest; on Lambda
# the Secrets Manager secret ENDPOINTS_SECRET_KEYS_SECRET_ARN holds it instead (endpoints/secret_box.py).
ENDPOINTS_SECRET_KEYS: list[str] = env.list("ENDPOINTS_SECRET_KEYS", default=[])
ENDPOINTS_SECRET_KEYS_SECRET_ARN: str = env.str("ENDPOINTS_SECRET_KEYS_SECRET_ARN", default="")
# The capture view reads the raw stream itself (up to HITS_MAX_BODY_BYTES), so Django's own
# DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) keeps guarding only the forms it parses (admin login).

# --- Production hardening -------------------------------------------------------------------------
if SECURE:
    # API Gateway and Function URLs terminate TLS and say so in X-Forwarded-Proto (they replace any
    # value a client sends); the redirect never fires there but protects any other front door.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
