"""The app's own pages and API, mounted under HITS_UI_PREFIX (``/_/`` by default)."""

from django.urls import path, re_path

from hits import views
from hits.api_errors import api_not_found
from hits.lazy_views import lazy_view

app_name = "hits"
# The pages and the API are imported by their first request, not by a cold start (hits/lazy_views.py).
urlpatterns = [
    path("", lazy_view("hits.pages.hit_list"), name="list"),
    path("rows", lazy_view("hits.pages.hit_rows"), name="rows"),
    path("hits/<int:hit_id>", lazy_view("hits.pages.hit_detail"), name="detail"),
    path("hits/<int:hit_id>/body", views.hit_body, name="body"),
    path("hits/<int:hit_id>/delete", lazy_view("hits.pages.hit_delete"), name="delete"),
    path("clear", lazy_view("hits.pages.clear_hits"), name="clear"),
    path("api/hits", lazy_view("hits.api.hit_list"), name="api-list"),
    path("api/hits/<int:hit_id>", lazy_view("hits.api.hit_detail"), name="api-detail"),
    path("api/hits/export.<str:export_format>", lazy_view("hits.api.export"), name="api-export"),
    # Every other API URL: a JSON 404, never the HTML one.
    re_path(r"^api(?:/.*)?$", api_not_found, name="api-not-found"),
    # Zappa's touch_path (zappa_settings.json) points here: no database, never captured.
    path("health", views.health, name="health"),
]
