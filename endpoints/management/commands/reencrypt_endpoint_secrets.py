"""manage.py reencrypt_endpoint_secrets: every stored signing secret under the newest key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from endpoints.models import EndpointRule
from endpoints.secret_box import SecretKeysMissing, SecretUnreadable, reencrypt

CIPHERTEXT_FIELDS = ("secret_ciphertext", "previous_secret_ciphertext", "meta_verify_token_ciphertext")


class Command(BaseCommand):
    help = (
        "Re-encrypt every endpoint rule's stored secrets with the first key of ENDPOINTS_SECRET_KEYS, "
        "so an older key can then be removed. Prints counts only, never a secret."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        changed = 0
        try:
            with transaction.atomic():
                for rule in EndpointRule.objects.select_for_update().order_by("id"):
                    for field in CIPHERTEXT_FIELDS:
                        if getattr(rule, field):
                            setattr(rule, field, reencrypt(getattr(rule, field)))
                            changed += 1
                    rule.save(update_fields=[*CIPHERTEXT_FIELDS])
        except (SecretKeysMissing, SecretUnreadable) as error:
            raise CommandError(f"{error} Nothing was changed.") from error
        self.stdout.write(f"Re-encrypted {changed} stored secrets with the newest key.")
