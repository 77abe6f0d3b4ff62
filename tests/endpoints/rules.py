"""Endpoint rules for tests, saved the way the admin saves them (secrets through set_secret)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from endpoints.models import EndpointRule


def make_rule(path_prefix: str, secret: str = "", meta_verify_token: str = "", **fields: Any) -> EndpointRule:
    rule = EndpointRule(name=fields.pop("name", path_prefix), path_prefix=path_prefix, **fields)
    if secret:
        rule.set_secret(secret, timezone.now())
    if meta_verify_token:
        rule.set_meta_verify_token(meta_verify_token)
    rule.full_clean()
    rule.save()
    return rule
