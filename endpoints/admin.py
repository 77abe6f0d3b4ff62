"""Endpoint rules in the admin. Secrets are write-only: typed into password fields that never render
a value, encrypted on save, and shown afterwards only as "set" / "not set"."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters

from endpoints.models import EndpointRule
from endpoints.signatures import Invalid, Scheme, standard_webhooks_key

SECRET_FIELDS = ("new_secret", "new_meta_verify_token")


def write_only(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=help_text,
    )


class EndpointRuleForm(forms.ModelForm):  # type: ignore[type-arg]
    new_secret = write_only(
        "New signing secret",
        "Write-only: never shown again. Leave empty to keep the current one. Saving a new one keeps "
        "the previous secret valid for the rotation window. Standard Webhooks: whsec_<base64>.",
    )
    clear_secret = forms.BooleanField(required=False, label="Remove the signing secrets")
    new_meta_verify_token = write_only(
        "New Meta verify token",
        "Write-only. When set, GET ?hub.mode=subscribe&hub.challenge=... is answered with the challenge "
        "if hub.verify_token matches (Facebook, Instagram, WhatsApp webhooks).",
    )
    clear_meta_verify_token = forms.BooleanField(required=False, label="Remove the Meta verify token")

    class Meta:
        model = EndpointRule
        fields = (
            "name",
            "path_prefix",
            "scheme",
            "rotation_window",
            "tolerance_seconds",
            "hmac_header",
            "hmac_algorithm",
            "hmac_encoding",
            "hmac_prefix",
            "response_status",
            "response_content_type",
            "response_headers",
            "response_body",
            "response_delay_ms",
            "slack_url_verification",
            "cors_allowed_origins",
            "cors_allowed_methods",
            "cors_allowed_headers",
            "cors_max_age",
            "record_preflight",
            "retention_max_age",
            "retention_max_count",
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        scheme, secret = cleaned.get("scheme"), cleaned.get("new_secret", "")
        if secret and scheme == Scheme.STANDARD_WEBHOOKS:
            try:
                standard_webhooks_key(secret)
            except Invalid:
                self.add_error("new_secret", "A Standard Webhooks secret is whsec_ followed by base64.")
        keeps_secret = self.instance.has_secret and not cleaned.get("clear_secret")
        if scheme and not (secret or keeps_secret):
            self.add_error("new_secret", "Verifying signatures needs a signing secret.")
        return cleaned


@admin.register(EndpointRule)
class EndpointRuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = EndpointRuleForm
    list_display = ("name", "path_prefix", "scheme", "secret_status", "response_status", "retention")
    search_fields = ("name", "path_prefix")
    readonly_fields = ("secret_status", "meta_verify_token_status")
    fieldsets = (
        (None, {"fields": ("name", "path_prefix")}),
        (
            "Signature verification",
            {
                "fields": (
                    "scheme",
                    "secret_status",
                    "new_secret",
                    "clear_secret",
                    "rotation_window",
                    "tolerance_seconds",
                    "hmac_header",
                    "hmac_algorithm",
                    "hmac_encoding",
                    "hmac_prefix",
                )
            },
        ),
        (
            "Response",
            {
                "fields": (
                    "response_status",
                    "response_content_type",
                    "response_headers",
                    "response_body",
                    "response_delay_ms",
                    "slack_url_verification",
                    "meta_verify_token_status",
                    "new_meta_verify_token",
                    "clear_meta_verify_token",
                )
            },
        ),
        (
            "CORS",
            {
                "fields": (
                    "cors_allowed_origins",
                    "cors_allowed_methods",
                    "cors_allowed_headers",
                    "cors_max_age",
                    "record_preflight",
                )
            },
        ),
        ("Retention", {"fields": ("retention_max_age", "retention_max_count")}),
    )

    @method_decorator(sensitive_post_parameters(*SECRET_FIELDS))
    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return super().changeform_view(request, *args, **kwargs)

    def save_model(self, request: HttpRequest, obj: EndpointRule, form: forms.Form, change: bool) -> None:
        data = form.cleaned_data
        if data.get("clear_secret"):
            obj.clear_secrets()
        if data.get("new_secret"):
            obj.set_secret(data["new_secret"], timezone.now())
        if data.get("clear_meta_verify_token"):
            obj.set_meta_verify_token("")
        if data.get("new_meta_verify_token"):
            obj.set_meta_verify_token(data["new_meta_verify_token"])
        super().save_model(request, obj, form, change)

    @admin.display(description="signing secret")
    def secret_status(self, rule: EndpointRule) -> str:
        if not rule.has_secret:
            return "not set"
        until = rule.previous_secret_valid_until
        if rule.previous_secret_ciphertext and until is not None and until > timezone.now():
            return f"set; the previous secret stays valid until {until:%Y-%m-%d %H:%M} UTC"
        return "set"

    @admin.display(description="Meta verify token")
    def meta_verify_token_status(self, rule: EndpointRule) -> str:
        return "set" if rule.has_meta_verify_token else "not set"

    @admin.display(description="retention")
    def retention(self, rule: EndpointRule) -> str:
        parts = []
        if rule.retention_max_age is not None:
            parts.append(
                f"{rule.retention_max_age.days} days"
                if rule.retention_max_age.days
                else str(rule.retention_max_age)
            )
        if rule.retention_max_count is not None:
            parts.append(f"newest {rule.retention_max_count}")
        return ", ".join(parts) or "global only"
