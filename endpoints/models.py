"""An endpoint rule: what a captured path prefix verifies, how it answers and how long its hits live."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from endpoints import secret_box
from endpoints.signatures import DEFAULT_TOLERANCE_SECONDS, DIGESTS, Encoding, Scheme, SigningConfig

# A prefix is matched segment by segment, so the lookup asks for at most this many candidates.
MAX_PREFIX_SEGMENTS = 16
# API Gateway ends an integration at 29 s and the web function's timeout is 28 s
# (zappa_settings.json): a 10 s delay leaves the capture itself most of the budget.
MAX_DELAY_MS = 10_000
MAX_TOLERANCE_SECONDS = 86_400
# purge_hits' own bound (hits.retention.MAX_AGE, which this layer may not import; a test keeps them
# equal): far beyond any useful retention, far inside datetime's range.
MAX_RETENTION_AGE = timedelta(days=36_525)
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# Headers the WSGI server and the gateway own; a rule setting them would corrupt the response framing.
FORBIDDEN_RESPONSE_HEADERS = frozenset(
    {"content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "content-type"}
)
SEGMENT_PATTERN = re.compile(r"(/[^/?#\s]+)+|/")


def validate_path_prefix(value: str) -> None:
    if not SEGMENT_PATTERN.fullmatch(value):
        raise ValidationError("a path such as /hooks/github: starts with /, no trailing /, no empty segment")
    if value.count("/") > MAX_PREFIX_SEGMENTS:
        raise ValidationError(f"at most {MAX_PREFIX_SEGMENTS} segments")
    first_segment = value.split("/")[1]
    if first_segment in reserved_segments():
        raise ValidationError(f"/{first_segment} belongs to the app itself: nothing under it is captured")


def reserved_segments() -> set[str]:
    """The first path segments webhook_site/urls.py keeps for the app (never captured); a test holds
    the two to the same answer. STATIC_URL's last segment, because Django prefixes a relative
    STATIC_URL with the current request's script name (API Gateway's stage)."""
    static = urlsplit(settings.STATIC_URL).path.strip("/").split("/")[-1]
    return {settings.HITS_UI_PREFIX.strip("/"), "admin", static}


def validate_response_headers(value: object) -> None:
    if not isinstance(value, dict):
        raise ValidationError('an object of header names and values, e.g. {"Location": "/_/hits/$hit_id"}')
    for name, header_value in value.items():
        if not HEADER_NAME.fullmatch(name):
            raise ValidationError(f"not a header name: {name!r}")
        if name.lower() in FORBIDDEN_RESPONSE_HEADERS:
            raise ValidationError(f"{name} is set by the server (the content type has its own field)")
        if not isinstance(header_value, str) or any(char in header_value for char in "\r\n\0"):
            raise ValidationError(f"the value of {name} must be one line of text")


class EndpointRule(models.Model):
    name = models.CharField(max_length=100)
    path_prefix = models.CharField(
        max_length=255,
        unique=True,
        validators=[validate_path_prefix],
        help_text="Requests to this path or below it (segment by segment; the longest prefix wins), "
        "as seen without API Gateway's stage prefix.",
    )

    # --- signature verification ---
    scheme = models.CharField(
        max_length=32,
        blank=True,
        choices=[(scheme.value, scheme.name.replace("_", " ").title()) for scheme in Scheme],
    )
    # Encrypted tokens (endpoints.secret_box); the plaintext never leaves this model's methods.
    secret_ciphertext = models.TextField(blank=True, editable=False)
    previous_secret_ciphertext = models.TextField(blank=True, editable=False)
    previous_secret_valid_until = models.DateTimeField(null=True, blank=True, editable=False)
    rotation_window = models.DurationField(
        default=timedelta(hours=24),
        help_text="How long the previous secret stays valid after a new one is saved.",
    )
    tolerance_seconds = models.PositiveIntegerField(
        default=DEFAULT_TOLERANCE_SECONDS,
        validators=[MaxValueValidator(MAX_TOLERANCE_SECONDS)],
        help_text="Replay window for schemes that sign a timestamp (Stripe, Slack, Standard Webhooks).",
    )
    hmac_header = models.CharField(max_length=100, blank=True, help_text="Generic HMAC: the header name.")
    hmac_algorithm = models.CharField(
        max_length=10, default="sha256", choices=[(name, name) for name in DIGESTS]
    )
    hmac_encoding = models.CharField(
        max_length=10, default=Encoding.HEX.value, choices=[(item.value, item.value) for item in Encoding]
    )
    hmac_prefix = models.CharField(max_length=32, blank=True, help_text='Generic HMAC: e.g. "sha256=".')

    # --- the response ---
    response_status = models.PositiveSmallIntegerField(
        default=200, validators=[MinValueValidator(200), MaxValueValidator(599)]
    )
    response_content_type = models.CharField(max_length=100, default="application/json")
    response_headers = models.JSONField(
        default=dict, blank=True, validators=[validate_response_headers], help_text="$hit_id is replaced."
    )
    response_body = models.TextField(blank=True, default='{"id": $hit_id}', help_text="$hit_id is replaced.")
    response_delay_ms = models.PositiveIntegerField(default=0, validators=[MaxValueValidator(MAX_DELAY_MS)])
    slack_url_verification = models.BooleanField(
        default=False, help_text="Answer Slack's url_verification with its challenge."
    )
    meta_verify_token_ciphertext = models.TextField(blank=True, editable=False)
    cors_allowed_origins = models.TextField(
        blank=True, help_text="One origin per line, or *; empty: no CORS headers, preflights are plain hits."
    )
    cors_allowed_methods = models.CharField(max_length=200, default="GET, POST, PUT, PATCH, DELETE")
    cors_allowed_headers = models.CharField(max_length=500, blank=True, default="Content-Type")
    cors_max_age = models.PositiveIntegerField(default=600)
    record_preflight = models.BooleanField(default=False, help_text="Store CORS preflight requests as hits.")

    # --- retention (purge_hits --endpoint-rules) ---
    retention_max_age = models.DurationField(
        null=True,
        blank=True,
        validators=[MinValueValidator(timedelta(seconds=1)), MaxValueValidator(MAX_RETENTION_AGE)],
        help_text="Hits under this rule older than this go (e.g. 7 00:00:00 for 7 days).",
    )
    retention_max_count = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)]
    )

    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("path_prefix",)

    def __str__(self) -> str:
        return f"{self.name} ({self.path_prefix})"

    def clean(self) -> None:
        if self.scheme == Scheme.GENERIC_HMAC and not HEADER_NAME.fullmatch(self.hmac_header):
            raise ValidationError({"hmac_header": "Generic HMAC needs the header name the signature is in."})
        if self.response_status in (204, 304) and self.response_body:
            raise ValidationError({"response_body": f"a {self.response_status} response has no body"})

    # --- secrets: write-only ---

    @property
    def has_secret(self) -> bool:
        return bool(self.secret_ciphertext)

    @property
    def has_meta_verify_token(self) -> bool:
        return bool(self.meta_verify_token_ciphertext)

    def set_secret(self, secret: str, now: datetime) -> None:
        """A new current secret; the old one stays valid for ``rotation_window``."""
        if self.secret_ciphertext:
            self.previous_secret_ciphertext = self.secret_ciphertext
            self.previous_secret_valid_until = now + self.rotation_window
        self.secret_ciphertext = secret_box.encrypt(secret)

    def clear_secrets(self) -> None:
        self.secret_ciphertext = self.previous_secret_ciphertext = ""
        self.previous_secret_valid_until = None

    def set_meta_verify_token(self, token: str) -> None:
        self.meta_verify_token_ciphertext = secret_box.encrypt(token) if token else ""

    def meta_verify_token(self) -> str:
        return (
            secret_box.decrypt(self.meta_verify_token_ciphertext) if self.meta_verify_token_ciphertext else ""
        )

    def signing_config(self, now: datetime) -> SigningConfig | None:
        if not self.scheme:
            return None
        secrets = [secret_box.decrypt(self.secret_ciphertext)] if self.secret_ciphertext else []
        previous_valid = (
            self.previous_secret_valid_until is not None and now < self.previous_secret_valid_until
        )
        if self.previous_secret_ciphertext and previous_valid:
            secrets.append(secret_box.decrypt(self.previous_secret_ciphertext))
        return SigningConfig(
            scheme=Scheme(self.scheme),
            secrets=secrets,
            tolerance_seconds=self.tolerance_seconds,
            header=self.hmac_header,
            algorithm=self.hmac_algorithm,
            encoding=Encoding(self.hmac_encoding),
            prefix=self.hmac_prefix,
        )

    # --- CORS ---

    def cors_origins(self) -> list[str]:
        return [line.strip() for line in self.cors_allowed_origins.splitlines() if line.strip()]

    @property
    def answers_cors(self) -> bool:
        return bool(self.cors_origins())
