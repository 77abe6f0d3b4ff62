"""Turn an incoming request into a Hit: headers as sent (secrets redacted), body byte-exact."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest
from django.utils import timezone

from endpoints.handshakes import is_cors_preflight
from endpoints.lookup import rule_for_path
from endpoints.models import EndpointRule
from endpoints.secret_box import SecretKeysMissing, SecretUnreadable
from endpoints.signatures import SignedRequest, invalid, verify
from hits.models import Hit
from hits.received import ReceivedRequest, received_request

logger = logging.getLogger(__name__)

REDACTED = "[redacted]"
# Header values that are credentials in any webhook sender we know of; HITS_REDACTED_HEADERS adds more.
ALWAYS_REDACTED_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "x-auth-token",
        "x-amz-security-token",
    }
)
# The auth scheme ("Bearer", "Basic") is not secret and tells a reader which kind of credential came.
SCHEME_KEPT_HEADERS = frozenset({"authorization", "proxy-authorization"})
CONTENT_TYPE_LENGTH = Hit.max_length("content_type")
USER_AGENT_LENGTH = Hit.max_length("user_agent")


class DatabaseNotReached(Exception):
    """The database failed before the INSERT was sent: provably nothing was stored."""


def redacted_header_names() -> frozenset[str]:
    return ALWAYS_REDACTED_HEADERS | {name.strip().lower() for name in settings.HITS_REDACTED_HEADERS}


def redact(name: str, value: str, redacted_names: frozenset[str]) -> str:
    lowered = name.lower()
    if lowered not in redacted_names:
        return value
    scheme, separator, _credential = value.partition(" ")
    if lowered in SCHEME_KEPT_HEADERS and separator and scheme.isalnum():
        return f"{scheme} {REDACTED}"
    return REDACTED


def stored_headers(received: ReceivedRequest) -> list[list[str]]:
    """Every header as [name, value], in the order received, secrets redacted."""
    redacted_names = redacted_header_names()
    return [[name, redact(name, value, redacted_names)] for name, value in received.headers]


def connect_before_writing() -> None:
    """Open (or health-check) the connection first, so a failure here is known to precede the INSERT."""
    try:
        connection.close_if_health_check_failed()  # as the first cursor of a request would
        connection.ensure_connection()
    except DatabaseError as error:
        raise DatabaseNotReached(str(error)) from error


@dataclass(frozen=True)
class Captured:
    """What capture did: the stored hit (None for a preflight the rule does not record) and the rule."""

    received: ReceivedRequest
    rule: EndpointRule | None
    hit: Hit | None


def endpoint_rule(request: HttpRequest) -> EndpointRule | None:
    """The path's rule, read before the INSERT: a failure here provably stored nothing."""
    try:
        return rule_for_path(request.path_info)
    except DatabaseError as error:
        raise DatabaseNotReached(str(error)) from error


def signature_outcome(rule: EndpointRule | None, received: ReceivedRequest) -> str:
    """Verified on the raw bytes and unredacted headers, before anything is redacted or stored."""
    try:
        config = rule.signing_config(timezone.now()) if rule is not None else None
    except SecretKeysMissing as error:
        # Still captured (the request arrived); the operator learns why nothing could be verified.
        logger.error("endpoint rule %s: %s", rule.pk if rule else None, error)
        return invalid("the keys that decrypt the rule's secret are not available")
    except SecretUnreadable as error:
        logger.error("endpoint rule %s: %s", rule.pk if rule else None, error)
        return invalid("the rule's secret cannot be decrypted with the configured keys")
    if config is None:
        return ""
    return verify(config, SignedRequest(received.headers, received.body, now=time.time()))


def record_hit(request: HttpRequest) -> Captured:
    """Store the request as a Hit (unless its rule says a preflight is not recorded); committed when
    this returns (one transaction).

    Raises RequestRefused (nothing stored) for a body it cannot capture exactly, DatabaseNotReached
    when the database fails before the INSERT is sent, and the database's own error otherwise.
    """
    received = received_request(request, settings.HITS_MAX_BODY_BYTES)
    connect_before_writing()
    rule = endpoint_rule(request)
    if rule is not None and rule.answers_cors and not rule.record_preflight and is_cors_preflight(request):
        return Captured(received, rule, None)
    hit = Hit.objects.create_with_search_keys(
        method=request.method or "",
        path=request.path,
        query_string=received.query_string,
        headers=stored_headers(received),
        body=received.body,
        body_size=len(received.body),
        content_type=received.header("Content-Type")[:CONTENT_TYPE_LENGTH],
        client_address=received.client_address,
        user_agent=received.header("User-Agent")[:USER_AGENT_LENGTH],
        endpoint=rule,
        signature=signature_outcome(rule, received),
    )
    return Captured(received, rule, hit)
