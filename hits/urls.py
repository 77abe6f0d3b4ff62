"""The app's own pages and API, mounted under HITS_UI_PREFIX (``/_/`` by default)."""

from django.urls import path

from hits import pages, views

app_name = "hits"
urlpatterns = [
    path("", pages.hit_list, name="list"),
    path("rows", pages.hit_rows, name="rows"),
    path("hits/<int:hit_id>", pages.hit_detail, name="detail"),
    path("hits/<int:hit_id>/body", views.hit_body, name="body"),
    path("hits/<int:hit_id>/delete", pages.hit_delete, name="delete"),
    path("clear", pages.clear_hits, name="clear"),
    path("api/hits", views.api_hit_list, name="api-list"),
    path("api/hits/<int:hit_id>", views.api_hit_detail, name="api-detail"),
    # Zappa's touch_path (zappa_settings.json) points here: no database, never captured.
    path("health", views.health, name="health"),
]
