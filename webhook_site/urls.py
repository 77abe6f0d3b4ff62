"""The app's namespace first (its pages, the admin, static files); every other path is captured."""

import re

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from hits import views
from hits.favicon import favicon

prefix = settings.HITS_UI_PREFIX.strip("/")
static_prefix = settings.STATIC_URL.strip("/")
# First path segments that belong to the app and are never captured (endpoint rules refuse them too).
RESERVED_SEGMENTS = (prefix, "admin", static_prefix)
reserved = "|".join(re.escape(name) for name in RESERVED_SEGMENTS)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("admin", RedirectView.as_view(url="admin/", permanent=False)),
    path(f"{prefix}/", include("hits.urls")),
    path("favicon.ico", favicon),
    re_path(rf"^(?:{reserved})(?:/.*)?$", views.reserved_not_found),
    re_path(r"", views.capture, name="capture"),
]
