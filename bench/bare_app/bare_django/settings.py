"""Django's minimum: what every Django app on Zappa pays at a cold start, and nothing this project adds.

The module path is ``bare_django.settings`` because the Lambda zip holds this folder's content at its
root (bench/bare_app/zappa_settings.json names it).
"""

SECRET_KEY = "bench-bare-django-reference-key-not-used-for-anything-secret"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "bare_django.urls"
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
DATABASES: dict[str, dict[str, str]] = {}
USE_TZ = True
