"""Each sender's signature, made by the sender's own code where it ships as a package.

Stripe: stripe.WebhookSignature.generate_signature_header; Slack: slack_sdk's SignatureVerifier;
Standard Webhooks / Svix: standardwebhooks.Webhook.sign. GitHub and Shopify publish no signing
package: their headers are computed here exactly as their docs' snippets do (HMAC-SHA256, hex after
"sha256=" / base64), and test_signatures.py checks GitHub's published example vector.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime

import stripe
from slack_sdk.signature import SignatureVerifier
from standardwebhooks import Webhook

from endpoints.signatures import Scheme

Headers = list[tuple[str, str]]
MESSAGE_ID = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"


def github(secret: str, body: bytes, timestamp: int) -> Headers:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return [("X-GitHub-Event", "push"), ("X-Hub-Signature-256", f"sha256={digest}")]


def stripe_sender(secret: str, body: bytes, timestamp: int) -> Headers:
    header = stripe.WebhookSignature.generate_signature_header(body.decode(), secret, timestamp=timestamp)
    return [("Stripe-Signature", header)]


def slack(secret: str, body: bytes, timestamp: int) -> Headers:
    signature = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
    assert signature is not None
    return [("X-Slack-Request-Timestamp", str(timestamp)), ("X-Slack-Signature", signature)]


def shopify(secret: str, body: bytes, timestamp: int) -> Headers:
    digest = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return [("X-Shopify-Topic", "orders/create"), ("X-Shopify-Hmac-Sha256", digest)]


def standard_webhooks(secret: str, body: bytes, timestamp: int) -> Headers:
    signed_at = datetime.fromtimestamp(timestamp, tz=UTC)
    signature = Webhook(secret).sign(MESSAGE_ID, signed_at, body.decode())
    return [
        ("webhook-id", MESSAGE_ID),
        ("webhook-timestamp", str(timestamp)),
        ("webhook-signature", signature),
    ]


def generic_hmac(secret: str, body: bytes, timestamp: int) -> Headers:
    digest = hmac.new(secret.encode(), body, hashlib.sha512).hexdigest()
    return [("X-Signature", f"sha512={digest}")]


SIGNERS: dict[Scheme, Callable[[str, bytes, int], Headers]] = {
    Scheme.GITHUB: github,
    Scheme.STRIPE: stripe_sender,
    Scheme.SLACK: slack,
    Scheme.SHOPIFY: shopify,
    Scheme.STANDARD_WEBHOOKS: standard_webhooks,
    Scheme.GENERIC_HMAC: generic_hmac,
}
# What each scheme's secret looks like (Standard Webhooks keys are whsec_ + base64 of random bytes).
SECRETS = {
    scheme: "whsec_" + base64.b64encode(b"k" * 24 + scheme.value.encode()[:8]).decode()
    if scheme is Scheme.STANDARD_WEBHOOKS
    else f"{scheme.value}-secret-4f9a2c"
    for scheme in Scheme
}
OTHER_SECRETS = {
    scheme: "whsec_" + base64.b64encode(b"o" * 32).decode()
    if scheme is Scheme.STANDARD_WEBHOOKS
    else f"{scheme.value}-other-secret-77d1"
    for scheme in Scheme
}
# Headers only a timestamped scheme can be expired by.
TIMESTAMPED = {Scheme.STRIPE, Scheme.SLACK, Scheme.STANDARD_WEBHOOKS}
GENERIC_OPTIONS = {"header": "X-Signature", "algorithm": "sha512", "prefix": "sha512="}
