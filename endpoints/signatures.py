"""Webhook signature verification over the raw body bytes: pure, no I/O, constant-time comparisons.

Each scheme turns (headers, body, secret) into the digest the sender would have sent and compares it
with hmac.compare_digest. Every provided signature is decoded to bytes first, so a malformed header
is "invalid: <why>", never an exception. "expired" is said only of a request whose signature is
authentic but whose signed timestamp is outside the scheme's window: a forged old request is
"invalid", not "expired".

The Standard Webhooks reference package (`standardwebhooks`) is used by the tests to sign vectors, not
here: its verify() decodes the body as UTF-8 (a non-UTF-8 body raises UnicodeDecodeError), raises
ValueError on a malformed signature list, and reports old and forged requests with the same exception.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass

VALID = "valid"
EXPIRED = "expired"
NO_SIGNATURE = "no signature"
INVALID_PREFIX = "invalid: "
# The replay windows the senders document: Stripe's DEFAULT_TOLERANCE (300 s), Slack's "more than five
# minutes" and Standard Webhooks' five minutes.
DEFAULT_TOLERANCE_SECONDS = 300
DIGESTS: dict[str, Callable[[], hashlib._Hash]] = {
    "sha1": hashlib.sha1,
    "sha256": hashlib.sha256,
    "sha512": hashlib.sha512,
}


class Scheme(enum.StrEnum):
    GITHUB = "github"
    STRIPE = "stripe"
    SLACK = "slack"
    SHOPIFY = "shopify"
    STANDARD_WEBHOOKS = "standard_webhooks"
    GENERIC_HMAC = "generic_hmac"


class Encoding(enum.StrEnum):
    HEX = "hex"
    BASE64 = "base64"


def invalid(reason: str) -> str:
    return INVALID_PREFIX + reason


class Invalid(Exception):
    """The request carries a signature that cannot be right; the message says why."""


@dataclass(frozen=True)
class SigningConfig:
    """What a rule verifies with. ``secrets``: the current secret first, then any still-valid previous one."""

    scheme: Scheme
    secrets: Sequence[str]
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS
    # Generic HMAC only.
    header: str = ""
    algorithm: str = "sha256"
    encoding: Encoding = Encoding.HEX
    prefix: str = ""


@dataclass(frozen=True)
class SignedRequest:
    headers: Sequence[tuple[str, str]]
    body: bytes
    now: float  # Unix time at capture

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)


def verify(config: SigningConfig, request: SignedRequest) -> str:
    """The outcome stored with the hit: valid, invalid: <reason>, expired or no signature."""
    if not config.secrets:
        return invalid("the rule has no signing secret")
    try:
        return VERIFIERS[config.scheme](config, request)
    except Invalid as error:
        return invalid(str(error))


def matches(expected: bytes, provided: Sequence[bytes]) -> bool:
    """Constant time for each candidate; every candidate is compared (no early exit on a match)."""
    found = False
    for candidate in provided:
        found |= hmac.compare_digest(expected, candidate)
    return found


def hmac_digest(key: bytes, message: bytes, algorithm: str = "sha256") -> bytes:
    return hmac.new(key, message, DIGESTS[algorithm]).digest()


def any_secret_matches(
    config: SigningConfig, signed: Callable[[str], bytes], provided: Sequence[bytes]
) -> bool:
    """True when the digest under any configured secret (current or previous) is among ``provided``."""
    found = False
    for secret in config.secrets:
        found |= matches(signed(secret), provided)
    return found


def from_hex(text: str, what: str) -> bytes:
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise Invalid(f"{what} is not hexadecimal") from None


def from_base64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid(f"{what} is not base64") from None


def timestamp_from(text: str, what: str) -> int:
    if not text.strip().isdigit():
        raise Invalid(f"{what} is not a Unix timestamp")
    return int(text.strip())


def outside_window(timestamp: int, now: float, tolerance: int, future_too: bool = True) -> bool:
    if timestamp < now - tolerance:
        return True
    return future_too and timestamp > now + tolerance


def no_match(what: str = "signature") -> str:
    return invalid(f"{what} does not match the body and secret")


# --- the schemes ------------------------------------------------------------------------------


def verify_github(config: SigningConfig, request: SignedRequest) -> str:
    """X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>. GitHub signs no timestamp."""
    value = request.header("X-Hub-Signature-256")
    if value is None:
        return NO_SIGNATURE
    algorithm, _, digest = value.partition("=")
    if algorithm != "sha256" or not digest:
        raise Invalid("X-Hub-Signature-256 is not sha256=<hex>")
    provided = [from_hex(digest, "X-Hub-Signature-256")]
    if any_secret_matches(config, lambda secret: hmac_digest(secret.encode(), request.body), provided):
        return VALID
    return no_match()


def verify_stripe(config: SigningConfig, request: SignedRequest) -> str:
    """Stripe-Signature: t=<unix>,v1=<hex>[,v1=...] over "<t>.<body>"; too old beyond the tolerance."""
    value = request.header("Stripe-Signature")
    if value is None:
        return NO_SIGNATURE
    pairs = [item.partition("=") for item in value.split(",")]
    timestamps = [pair[2] for pair in pairs if pair[0].strip() == "t"]
    signatures = [pair[2] for pair in pairs if pair[0].strip() == "v1"]
    if len(timestamps) != 1:
        raise Invalid("Stripe-Signature has no single t= timestamp")
    if not signatures:
        raise Invalid("Stripe-Signature has no v1= signature")
    timestamp = timestamp_from(timestamps[0], "Stripe-Signature t=")
    provided = [from_hex(signature, "a Stripe-Signature v1=") for signature in signatures]
    signed_payload = f"{timestamp}.".encode() + request.body
    if not any_secret_matches(config, lambda secret: hmac_digest(secret.encode(), signed_payload), provided):
        return no_match()
    # Stripe's own verify_header rejects only timestamps older than the tolerance.
    if outside_window(timestamp, request.now, config.tolerance_seconds, future_too=False):
        return EXPIRED
    return VALID


def verify_slack(config: SigningConfig, request: SignedRequest) -> str:
    """X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:<X-Slack-Request-Timestamp>:<body>">."""
    value = request.header("X-Slack-Signature")
    if value is None:
        return NO_SIGNATURE
    timestamp_text = request.header("X-Slack-Request-Timestamp")
    if timestamp_text is None:
        raise Invalid("X-Slack-Request-Timestamp is missing")
    timestamp = timestamp_from(timestamp_text, "X-Slack-Request-Timestamp")
    version, _, digest = value.partition("=")
    if version != "v0" or not digest:
        raise Invalid("X-Slack-Signature is not v0=<hex>")
    provided = [from_hex(digest, "X-Slack-Signature")]
    base = f"v0:{timestamp}:".encode() + request.body
    if not any_secret_matches(config, lambda secret: hmac_digest(secret.encode(), base), provided):
        return no_match()
    if outside_window(timestamp, request.now, config.tolerance_seconds):
        return EXPIRED
    return VALID


def verify_shopify(config: SigningConfig, request: SignedRequest) -> str:
    """X-Shopify-Hmac-Sha256: base64 HMAC-SHA256 of the body. Shopify signs no timestamp."""
    value = request.header("X-Shopify-Hmac-Sha256")
    if value is None:
        return NO_SIGNATURE
    provided = [from_base64(value.strip(), "X-Shopify-Hmac-Sha256")]
    if any_secret_matches(config, lambda secret: hmac_digest(secret.encode(), request.body), provided):
        return VALID
    return no_match()


STANDARD_WEBHOOKS_PREFIXES = ("webhook-", "svix-")  # Svix sends the same headers under its own name


def standard_webhooks_key(secret: str) -> bytes:
    """whsec_<base64>: the key is the decoded bytes (the package accepts unpadded base64 too)."""
    encoded = secret.removeprefix("whsec_")
    try:
        return base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("the rule's secret is not whsec_<base64>") from None


def verify_standard_webhooks(config: SigningConfig, request: SignedRequest) -> str:
    """webhook-id / -timestamp / -signature: space-separated v1,<base64> over "<id>.<timestamp>.<body>"."""
    for prefix in STANDARD_WEBHOOKS_PREFIXES:
        value = request.header(prefix + "signature")
        if value is not None:
            break
    else:
        return NO_SIGNATURE
    message_id = request.header(prefix + "id")
    timestamp_text = request.header(prefix + "timestamp")
    if not message_id or timestamp_text is None:
        raise Invalid(f"{prefix}id or {prefix}timestamp is missing")
    timestamp = timestamp_from(timestamp_text, f"{prefix}timestamp")
    provided = [
        from_base64(signature, f"a {prefix}signature v1 entry")
        for version, _, signature in (item.partition(",") for item in value.split())
        if version == "v1"
    ]
    if not provided:
        raise Invalid(f"{prefix}signature has no v1 signature")
    signed = f"{message_id}.{timestamp}.".encode() + request.body
    if not any_secret_matches(
        config, lambda secret: hmac_digest(standard_webhooks_key(secret), signed), provided
    ):
        return no_match()
    if outside_window(timestamp, request.now, config.tolerance_seconds):
        return EXPIRED
    return VALID


def verify_generic_hmac(config: SigningConfig, request: SignedRequest) -> str:
    """<header>: <prefix><hex or base64 HMAC of the body>, with the rule's algorithm."""
    value = request.header(config.header)
    if value is None:
        return NO_SIGNATURE
    if not value.startswith(config.prefix):
        raise Invalid(f"{config.header} does not start with {config.prefix!r}")
    digest = value.removeprefix(config.prefix).strip()
    decode = from_hex if config.encoding is Encoding.HEX else from_base64
    provided = [decode(digest, config.header)]
    if any_secret_matches(
        config, lambda secret: hmac_digest(secret.encode(), request.body, config.algorithm), provided
    ):
        return VALID
    return no_match()


VERIFIERS: dict[Scheme, Callable[[SigningConfig, SignedRequest], str]] = {
    Scheme.GITHUB: verify_github,
    Scheme.STRIPE: verify_stripe,
    Scheme.SLACK: verify_slack,
    Scheme.SHOPIFY: verify_shopify,
    Scheme.STANDARD_WEBHOOKS: verify_standard_webhooks,
    Scheme.GENERIC_HMAC: verify_generic_hmac,
}
