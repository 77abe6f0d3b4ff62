"""Browse hits in the Django admin: read-only, filterable, with the raw body one click away."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import truncatechars
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from hits.admin_pagination import BoundedCountPaginator
from hits.api_tokens import mint_token
from hits.downloads import raw_body_response
from hits.models import ApiToken, Hit
from hits.signature_filter import SignatureOutcomeFilter


# ModelAdmin is generic only in django-stubs; subscripting it would fail at run time.
@admin.register(Hit)
class HitAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "id",
        "received_at",
        "method",
        "short_path",
        "content_type",
        "body_size",
        "client_address",
        "signature",
    )
    list_display_links = ("id", "short_path")
    list_filter = ("method", SignatureOutcomeFilter, "received_at")
    search_fields = ("path",)
    date_hierarchy = "received_at"
    # A full COUNT(*) of a large hits table on every changelist view buys nothing.
    show_full_result_count = False
    paginator = BoundedCountPaginator
    fields = (
        "received_at",
        "method",
        "path",
        "query_string",
        "pretty_headers",
        "content_type",
        "body_size",
        "body_download",
        "client_address",
        "user_agent",
        "signature",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):  # type: ignore[no-untyped-def]
        # The changelist never needs bodies, which can be a megabyte each.
        return super().get_queryset(request).defer("body")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Hit | None = None) -> bool:
        return False

    @admin.display(description="path")
    def short_path(self, hit: Hit) -> str:
        return truncatechars(hit.full_path, 100)

    @admin.display(description="headers")
    def pretty_headers(self, hit: Hit) -> str:
        return json.dumps(hit.headers, indent=2, ensure_ascii=False)

    @admin.display(description="body")
    def body_download(self, hit: Hit) -> str:
        if not hit.body_size:
            return "empty"
        url = reverse("admin:hits_hit_body", args=[hit.pk])
        return format_html('<a href="{}">Download raw body ({} bytes)</a>', url, hit.body_size)

    def get_urls(self):  # type: ignore[no-untyped-def]
        body_view = self.admin_site.admin_view(self.raw_body_view)
        return [path("<int:hit_id>/body/", body_view, name="hits_hit_body"), *super().get_urls()]

    def raw_body_view(self, request: HttpRequest, hit_id: int) -> HttpResponse:
        hit = get_object_or_404(Hit, pk=hit_id)
        if not self.has_view_permission(request, hit):
            return HttpResponse("Permission denied.\n", status=403, content_type="text/plain")
        return raw_body_response(hit)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Staff create tokens here; the plain token is shown once, on the page after "Save"."""

    list_display = ("name", "prefix", "created_at", "created_by")
    readonly_fields = ("prefix", "created_at", "created_by")
    fields = ("name", *readonly_fields)

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        # A token is replaced, not edited: delete it (revoking it at once) and create another.
        return False

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        mint_token(obj)
        obj.created_by = request.user if request.user.is_authenticated else None
        super().save_model(request, obj, form, change)

    def response_add(
        self, request: HttpRequest, obj: ApiToken, post_url_continue: str | None = None
    ) -> HttpResponse:
        # Rendered straight into this response: the token is never put in a message, cookie or log.
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "token": obj,
            "plain_token": obj.plain_token,
            "title": "API token created",
        }
        response = TemplateResponse(request, "admin/hits/apitoken/created.html", context)
        response.setdefault("Cache-Control", "no-store")  # the admin's never_cache sets it as well
        return response
