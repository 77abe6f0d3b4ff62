"""API tokens: minted once, stored as a digest, checked on each API request that presents one."""

from __future__ import annotations

import hashlib
import secrets

from django.http import HttpRequest

from hits.models import ApiToken

# Recognisable in logs and secret scanners; the rest is 256 random bits.
TOKEN_PREFIX = "whs_"  # noqa: S105 - a label, not a secret
SHOWN_PREFIX_LENGTH = len(TOKEN_PREFIX) + 4
BEARER = "bearer"


class TokenRefused(Exception):
    """An Authorization header is present but is not a valid API token; the message says why."""


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def mint_token(token: ApiToken) -> str:
    """Give ``token`` (unsaved) a fresh secret; returns the plain token, which is never stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token.digest = token_digest(plain)
    token.prefix = plain[:SHOWN_PREFIX_LENGTH]
    token.plain_token = plain
    return plain


def presented_token(request: HttpRequest) -> ApiToken | None:
    """The valid token the request presents; None when it presents none; TokenRefused otherwise."""
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, credential = header.strip().partition(" ")
    if scheme.lower() != BEARER or not credential.strip():
        raise TokenRefused("the API accepts only 'Authorization: Bearer <API token>'")
    token = ApiToken.objects.filter(digest=token_digest(credential.strip())).first()
    if token is None:
        raise TokenRefused("invalid or revoked API token")
    return token
