"""Static file URLs that follow the current request's script prefix.

Django adds the script prefix to a relative STATIC_URL once, on the first read of the setting, and
caches the result for the life of the process. On Lambda the first read happens at cold start (no
request yet, prefix "/"), and one container may serve REST API events under /<stage> as well as
Function URL or HTTP API events without a prefix, so a cached prefix is wrong for some requests.
This storage joins the current request's prefix to the configured STATIC_URL on every call.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles.storage import StaticFilesStorage
from django.urls import get_script_prefix


def configured_static_url() -> str:
    # The value as written in settings, before LazySettings' one-time script-prefix caching.
    # django-stubs types settings as the Settings object LazySettings wraps, without _wrapped.
    return str(settings._wrapped.STATIC_URL)  # type: ignore[misc]


class ScriptPrefixStaticFilesStorage(StaticFilesStorage):
    @property
    def base_url(self) -> str:
        static_url = configured_static_url()
        if static_url.startswith(("/", "http://", "https://")):
            return static_url
        return get_script_prefix() + static_url
