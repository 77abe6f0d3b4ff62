"""Django's minimum: what every Django app pays at a cold start, and nothing this project adds."""

SECRET_KEY = "bench-bare-django-reference-key-not-used-for-anything-secret"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "bench.bare_django.urls"
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
DATABASES: dict[str, dict[str, str]] = {}
USE_TZ = True
