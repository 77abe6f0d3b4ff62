"""Signing secrets encrypted at rest: libsodium's secretbox (XSalsa20-Poly1305, via PyNaCl) under
ENDPOINTS_SECRET_KEYS, newest key first.

The keys come from the environment (ENDPOINTS_SECRET_KEYS) or, on Lambda, from the Secrets Manager
secret named by ENDPOINTS_SECRET_KEYS_SECRET_ARN, read once per process on first use (never at import:
a function that serves no rule with a secret never calls Secrets Manager). New secrets are encrypted
with the first key and every key still decrypts, so the encryption key rotates by putting a new key
in front, running `manage.py reencrypt_endpoint_secrets`, then dropping the old one.

Why PyNaCl and not cryptography's Fernet/MultiFernet: every cryptography wheel's Rust extension needs
libgcc_s.so.1, which the Lambda python3.12 runtime is not documented to provide, so the package's
library check (lambda_artifact/check_libraries.py) refuses it; PyNaCl's extension needs only glibc.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from site_platform.aws import read_secret_string

if TYPE_CHECKING:
    from nacl.secret import SecretBox

# PyNaCl (its libsodium binding and ~20 modules) is imported by the first encryption or decryption, not
# with this module: the models import it, so every cold start would, though a capture decrypts only
# when its path's rule has a secret (bench B5; tests/hits/test_cold_path.py checks it).

# Each configured key is key material (at least 32 random characters), hashed (SHA-256) into the
# 32-byte secretbox key, so a Secrets Manager generated string (alphanumeric, no commas) serves as is.
MIN_KEY_MATERIAL_LENGTH = 32
KEY_DERIVATION_LABEL = b"webhook_site endpoint signing secrets:"
KEYS_HELP = (
    f"set ENDPOINTS_SECRET_KEYS (comma-separated, newest first, each at least {MIN_KEY_MATERIAL_LENGTH} "
    "random characters, e.g. from `python -c 'import secrets; print(secrets.token_urlsafe(48))'`) "
    "or ENDPOINTS_SECRET_KEYS_SECRET_ARN"
)


class SecretKeysMissing(Exception):
    """No key to encrypt or decrypt signing secrets with."""

    def __init__(self) -> None:
        super().__init__(f"No key for endpoint signing secrets: {KEYS_HELP}.")


class SecretKeyTooShort(SecretKeysMissing):
    def __init__(self, length: int) -> None:
        Exception.__init__(
            self,
            f"A key for endpoint signing secrets is {length} characters: use at least "
            f"{MIN_KEY_MATERIAL_LENGTH} random characters.",
        )


class SecretKeysUnavailable(SecretKeysMissing):
    """Secrets Manager could not be asked for the keys (no region, no permission, no network)."""

    def __init__(self, reason: str) -> None:
        Exception.__init__(self, reason)


class SecretUnreadable(Exception):
    """A stored secret was encrypted with a key that is no longer configured (or was altered)."""


def configured_key_texts() -> list[str]:
    """The keys in use, newest first; [] only on a secure deployment with none set (check E001)."""
    keys = [key.strip() for key in settings.ENDPOINTS_SECRET_KEYS if key.strip()]
    if keys:
        return keys
    if settings.ENDPOINTS_SECRET_KEYS_SECRET_ARN:
        return [key.strip() for key in keys_from_secret(settings.ENDPOINTS_SECRET_KEYS_SECRET_ARN).split(",")]
    if settings.SECURE:
        return []
    return [local_development_key()]


def local_development_key() -> str:
    """Locally (DJANGO_SECURE off) SECRET_KEY itself, as insecure as that default is, so `make run`
    can store secrets with nothing configured; a secure deployment never uses it."""
    return "local development only: " + settings.SECRET_KEY


def secret_box_for(material: str) -> SecretBox:
    from nacl.secret import SecretBox

    if len(material) < MIN_KEY_MATERIAL_LENGTH:
        raise SecretKeyTooShort(len(material))
    return SecretBox(hashlib.sha256(KEY_DERIVATION_LABEL + material.encode("utf-8")).digest())


def keys_from_secret(secret_arn: str) -> str:
    """The secret's value; SecretKeysUnavailable (the reason, never a value) when AWS cannot give it."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return fetched_keys(secret_arn)
    except (BotoCoreError, ClientError, ImproperlyConfigured) as error:
        raise SecretKeysUnavailable(
            f"The keys for endpoint signing secrets cannot be read from {secret_arn}: {error}"
        ) from error


@functools.cache
def fetched_keys(secret_arn: str) -> str:
    return read_secret_string(secret_arn)


def keys_configured() -> bool:
    """Whether a key is set (without fetching it): the system check's question."""
    return any(key.strip() for key in settings.ENDPOINTS_SECRET_KEYS) or bool(
        settings.ENDPOINTS_SECRET_KEYS_SECRET_ARN
    )


def boxes() -> list[SecretBox]:
    """One box per configured key, newest first."""
    keys = configured_key_texts()
    if not keys:
        raise SecretKeysMissing
    return [secret_box_for(key) for key in keys]


def encrypt(secret: str) -> str:
    """A random nonce and the authenticated ciphertext, base64 (a stored token, safe as text)."""
    return base64.b64encode(boxes()[0].encrypt(secret.encode("utf-8"))).decode("ascii")


UNREADABLE = "A stored signing secret cannot be decrypted with the configured keys: was its key removed?"


def decrypt(token: str) -> str:
    from nacl.exceptions import CryptoError

    try:
        sealed = base64.b64decode(token, validate=True)
    except ValueError as error:  # binascii.Error: the stored token was altered
        raise SecretUnreadable(UNREADABLE) from error
    for box in boxes():
        try:
            return box.decrypt(sealed).decode("utf-8")
        except CryptoError:
            continue  # sealed under another key, or altered: Poly1305 tells, and we try the next
    raise SecretUnreadable(UNREADABLE)


def reencrypt(token: str) -> str:
    """The same secret under the newest key."""
    return encrypt(decrypt(token))


def reset_cache() -> None:
    """Forget fetched keys (tests; a process picks up a rotated key secret on its next start)."""
    fetched_keys.cache_clear()
