"""Verify RDS IAM auth tokens the way AWS does: recompute the SigV4 presigned-URL signature.

A token is what botocore's ``generate_db_auth_token`` returns: a presigned ``GET`` URL without its
scheme, ``host:port/?Action=connect&DBUser=<user>&X-Amz-Algorithm=AWS4-HMAC-SHA256&...``, signed
for the service ``rds-db`` with an empty payload. Nothing here talks to AWS.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, unquote

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "rds-db"
# botocore hard-codes 900 s and AWS refuses longer-lived tokens.
MAX_EXPIRES_SECONDS = 900
# How far in the future X-Amz-Date may be: AWS's usual SigV4 clock-skew allowance.
CLOCK_SKEW_SECONDS = 300
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_REQUIRED = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders")


@dataclass(frozen=True)
class AwsCredential:
    """One access key of the emulated account; a session credential also has a session token.

    ``policy``: the identity policy document (JSON) of the role the key belongs to; when given, the
    stand-in lets the key connect only as the users it allows rds-db:connect for (iam_policy).
    """

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None
    policy: str | None = None


class AuthFailure(enum.StrEnum):
    """Why a login was refused; the values are the keys of the ``auth_failures_by_reason`` metric."""

    MALFORMED = "malformed"  # not a presigned rds-db:connect URL of the expected shape
    ACTION = "action"
    USER = "user"  # signed for another DBUser than the one logging in
    ENDPOINT = "endpoint"  # signed for a host:port this proxy does not answer to
    ACCESS_KEY = "access_key"  # an access key the pretend account does not have
    SESSION_TOKEN = "session_token"  # noqa: S105 -- a check name, not a token
    SIGNATURE = "signature"
    SERVICE = "service"
    REGION = "region"
    EXPIRES = "expires"  # X-Amz-Expires out of range
    EXPIRED = "expired"
    FUTURE = "future"  # signed further ahead than the allowed clock skew
    NO_SECRET = "no_secret"  # noqa: S105 -- no database password is configured for the user
    NOT_AUTHORIZED = "not_authorized"  # the key's policy does not allow rds-db:connect as the user


class TokenRejected(Exception):
    """The token is not one AWS would accept; ``check`` names the failed check, the message explains."""

    def __init__(self, check: AuthFailure, reason: str) -> None:
        super().__init__(reason)
        self.check = check


@dataclass(frozen=True)
class VerifiedToken:
    access_key_id: str
    user: str
    endpoint: str
    expires_at: float


class TokenVerifier:
    """Checks tokens against the configured credentials, region and accepted ``host:port`` endpoints."""

    def __init__(self, credentials: Iterable[AwsCredential], region: str, endpoints: Iterable[str]) -> None:
        self._credentials = {credential.access_key_id: credential for credential in credentials}
        self._region = region
        self._endpoints = {endpoint.lower() for endpoint in endpoints}

    def verify(self, token: str, user: str, now: float | None = None) -> VerifiedToken:
        """Return what the token proves, or raise TokenRejected naming the failed check."""
        # time.time(), not monotonic: token expiry is wall-clock time, and time-machine moves it in tests.
        now = time.time() if now is None else now
        endpoint, raw_query = _split_token(token)
        params = _parse_query(raw_query)
        for name in _REQUIRED:
            if name not in params:
                raise TokenRejected(AuthFailure.MALFORMED, f"token has no {name} parameter")
        _check(
            params.get("Action") == "connect",
            AuthFailure.ACTION,
            f"Action is {params.get('Action')!r}, not 'connect'",
        )
        _check(
            params.get("DBUser") == user,
            AuthFailure.USER,
            f"token is for DBUser {params.get('DBUser')!r}, not {user!r}",
        )
        _check(
            endpoint.lower() in self._endpoints,
            AuthFailure.ENDPOINT,
            f"token is for {endpoint}, not one of this proxy's endpoints",
        )
        _check(
            params["X-Amz-Algorithm"] == ALGORITHM,
            AuthFailure.MALFORMED,
            f"X-Amz-Algorithm is not {ALGORITHM}",
        )
        _check(
            params["X-Amz-SignedHeaders"] == "host",
            AuthFailure.MALFORMED,
            "X-Amz-SignedHeaders is not 'host'",
        )
        access_key_id, scope = self._check_scope(params)
        credential = self._credentials.get(access_key_id)
        if credential is None:
            raise TokenRejected(AuthFailure.ACCESS_KEY, f"unknown access key id {access_key_id!r}")
        _check(
            params.get("X-Amz-Security-Token") == credential.session_token,
            AuthFailure.SESSION_TOKEN,
            "X-Amz-Security-Token does not match the session token of that access key",
        )
        signed_at, expires_at = _check_time(params, now)
        _check(
            scope.startswith(time.strftime("%Y%m%d", time.gmtime(signed_at))),
            AuthFailure.MALFORMED,
            "scope date != X-Amz-Date",
        )
        expected = sign(
            string_to_sign(params["X-Amz-Date"], scope, canonical_request(endpoint, raw_query)),
            credential.secret_access_key,
            scope,
        )
        _check(
            hmac.compare_digest(expected, params.get("X-Amz-Signature", "")),
            AuthFailure.SIGNATURE,
            "signature does not match",
        )
        return VerifiedToken(access_key_id, user, endpoint, expires_at)

    def _check_scope(self, params: Mapping[str, str]) -> tuple[str, str]:
        access_key_id, _, scope = params["X-Amz-Credential"].partition("/")
        parts = scope.split("/")
        _check(
            len(parts) == 4 and parts[3] == "aws4_request",
            AuthFailure.MALFORMED,
            "malformed X-Amz-Credential scope",
        )
        _check(parts[2] == SERVICE, AuthFailure.SERVICE, f"signed for service {parts[2]!r}, not {SERVICE!r}")
        _check(
            parts[1] == self._region,
            AuthFailure.REGION,
            f"signed for region {parts[1]!r}, not {self._region!r}",
        )
        return access_key_id, scope


def _check(condition: bool, check: AuthFailure, reason: str) -> None:
    if not condition:
        raise TokenRejected(check, reason)


def _split_token(token: str) -> tuple[str, str]:
    endpoint, separator, raw_query = token.partition("/?")
    if not separator or not endpoint or "://" in endpoint:
        raise TokenRejected(
            AuthFailure.MALFORMED, "not an IAM auth token (expected host:port/?Action=connect&...)"
        )
    return endpoint, raw_query


def _parse_query(raw_query: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in raw_query.split("&"):
        key, _, value = pair.partition("=")
        if unquote(key) in params:
            raise TokenRejected(AuthFailure.MALFORMED, f"parameter {unquote(key)} appears twice")
        params[unquote(key)] = unquote(value)
    return params


def _check_time(params: Mapping[str, str], now: float) -> tuple[float, float]:
    try:
        signed = dt.datetime.strptime(params["X-Amz-Date"], AMZ_DATE_FORMAT).replace(tzinfo=dt.UTC)
        expires = int(params["X-Amz-Expires"])
    except ValueError as error:
        raise TokenRejected(
            AuthFailure.MALFORMED, f"malformed X-Amz-Date or X-Amz-Expires: {error}"
        ) from None
    _check(
        0 < expires <= MAX_EXPIRES_SECONDS,
        AuthFailure.EXPIRES,
        f"X-Amz-Expires={expires} is outside 1..{MAX_EXPIRES_SECONDS}",
    )
    signed_at = signed.timestamp()
    expires_at = signed_at + expires
    _check(
        now <= expires_at,
        AuthFailure.EXPIRED,
        f"token expired {now - expires_at:.0f} s ago (signed {params['X-Amz-Date']})",
    )
    _check(
        signed_at <= now + CLOCK_SKEW_SECONDS,
        AuthFailure.FUTURE,
        f"token is signed {signed_at - now:.0f} s in the future (over {CLOCK_SKEW_SECONDS} s of clock skew)",
    )
    return signed_at, expires_at


def canonical_host(endpoint: str) -> str:
    """The Host header botocore signs: lower-case, without the https default port."""
    host = endpoint.lower()
    return host.removesuffix(":443")


def canonical_request(endpoint: str, raw_query: str) -> str:
    """SigV4 canonical request of the presigned GET, from the query exactly as it appears in the token."""
    pairs = sorted(
        pair.partition("=")[::2] for pair in raw_query.split("&") if not pair.startswith("X-Amz-Signature=")
    )
    query = "&".join(f"{key}={value}" for key, value in pairs)
    return f"GET\n/\n{query}\nhost:{canonical_host(endpoint)}\n\nhost\n{_EMPTY_SHA256}"


def string_to_sign(amz_date: str, scope: str, request: str) -> str:
    digest = hashlib.sha256(request.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{amz_date}\n{scope}\n{digest}"


def sign(text: str, secret_access_key: str, scope: str) -> str:
    """HMAC-SHA256 signature of ``text`` with the SigV4 key derived for ``scope`` (date/region/service)."""
    key = f"AWS4{secret_access_key}".encode()
    for part in scope.split("/"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def _encode(value: str) -> str:
    return quote(value, safe="-_.~")


def build_auth_token(
    endpoint: str,
    user: str,
    credential: AwsCredential,
    region: str,
    signed_at: float | None = None,
    expires: int = MAX_EXPIRES_SECONDS,
) -> str:
    """Make a token as botocore's generate_db_auth_token would; lets tests forge times and expiries."""
    signed_at = time.time() if signed_at is None else signed_at
    amz_date = time.strftime(AMZ_DATE_FORMAT, time.gmtime(signed_at))
    scope = f"{amz_date[:8]}/{region}/{SERVICE}/aws4_request"
    params = {
        "Action": "connect",
        "DBUser": user,
        "X-Amz-Algorithm": ALGORITHM,
        "X-Amz-Credential": f"{credential.access_key_id}/{scope}",
        "X-Amz-Date": amz_date,
        "X-Amz-Expires": str(expires),
        "X-Amz-SignedHeaders": "host",
    }
    if credential.session_token is not None:
        params["X-Amz-Security-Token"] = credential.session_token
    raw_query = "&".join(f"{_encode(key)}={_encode(value)}" for key, value in params.items())
    signature = sign(
        string_to_sign(amz_date, scope, canonical_request(endpoint, raw_query)),
        credential.secret_access_key,
        scope,
    )
    return f"{endpoint}/?{raw_query}&X-Amz-Signature={signature}"
