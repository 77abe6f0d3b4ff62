"""Token verification against tokens made by boto3 itself (no database needed)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from local_rds_proxy.iam_token import AwsCredential, TokenRejected, TokenVerifier, build_auth_token
from tests.local_rds_proxy.proxy_clients import mint_token

REGION = "eu-west-1"
KEY = AwsCredential("AKIATESTKEY000000001", "test-secret/with+odd=chars")
SESSION = AwsCredential("ASIATESTKEY000000002", "session-secret", "session-token/with+odd=chars")
ENDPOINT = "127.0.0.1:3307"


def boto3_token(
    user: str = "app",
    host: str = "127.0.0.1",
    port: int = 3307,
    credential: AwsCredential = KEY,
    region: str = REGION,
) -> str:
    return mint_token(port, user, host, credential, region)


@pytest.fixture
def verifier() -> TokenVerifier:
    return TokenVerifier([KEY, SESSION], REGION, [ENDPOINT, "localhost:3307"])


def rejection(verifier: TokenVerifier, token: str, user: str = "app", now: float | None = None) -> str:
    with pytest.raises(TokenRejected) as caught:
        verifier.verify(token, user, now=now)
    return caught.value.check


def test_boto3_token_is_accepted(verifier: TokenVerifier) -> None:
    verified = verifier.verify(boto3_token(), "app")
    assert (verified.user, verified.access_key_id, verified.endpoint) == ("app", KEY.access_key_id, ENDPOINT)


def test_session_credential_token_is_accepted(verifier: TokenVerifier) -> None:
    assert verifier.verify(boto3_token(credential=SESSION), "app").access_key_id == SESSION.access_key_id


def test_session_token_must_match(verifier: TokenVerifier) -> None:
    forged = AwsCredential(SESSION.access_key_id, SESSION.secret_access_key, "another-session-token")
    assert rejection(verifier, boto3_token(credential=forged)) == "session_token"


def test_long_term_key_token_must_not_carry_a_session_token(verifier: TokenVerifier) -> None:
    forged = AwsCredential(KEY.access_key_id, KEY.secret_access_key, "some-session-token")
    assert rejection(verifier, boto3_token(credential=forged)) == "session_token"


def test_other_user(verifier: TokenVerifier) -> None:
    assert rejection(verifier, boto3_token(user="admin"), user="app") == "user"


def test_wrong_secret_key(verifier: TokenVerifier) -> None:
    token = boto3_token(credential=AwsCredential(KEY.access_key_id, "not-the-secret"))
    assert rejection(verifier, token) == "signature"


def test_tampered_parameter_breaks_the_signature(verifier: TokenVerifier) -> None:
    token = boto3_token().replace("X-Amz-Expires=900", "X-Amz-Expires=899")
    assert rejection(verifier, token) == "signature"


def test_unknown_access_key(verifier: TokenVerifier) -> None:
    token = boto3_token(credential=AwsCredential("AKIAUNKNOWN000000000", "whatever"))
    assert rejection(verifier, token) == "access_key"


def test_wrong_endpoint_port(verifier: TokenVerifier) -> None:
    assert rejection(verifier, boto3_token(port=3306)) == "endpoint"


def test_host_names_are_not_interchangeable(verifier: TokenVerifier) -> None:
    """A token for 127.0.0.1 is not valid for localhost and vice versa, as with a real proxy endpoint."""
    token = boto3_token(host="localhost")
    assert verifier.verify(token, "app").endpoint == "localhost:3307"
    assert rejection(TokenVerifier([KEY], REGION, [ENDPOINT]), token) == "endpoint"


def test_wrong_region(verifier: TokenVerifier) -> None:
    assert rejection(verifier, boto3_token(region="us-east-1")) == "region"


def test_wrong_service() -> None:
    token = boto3_token()
    forged = token.replace("%2Frds-db%2F", "%2Frds%2F")
    assert rejection(TokenVerifier([KEY], REGION, [ENDPOINT]), forged) == "service"


def test_plain_password_is_not_a_token(verifier: TokenVerifier) -> None:
    assert rejection(verifier, "the-real-database-password") == "malformed"


def test_token_expires_after_15_minutes(verifier: TokenVerifier) -> None:
    token = boto3_token()
    now = time.time()
    assert verifier.verify(token, "app", now=now + 899).user == "app"
    assert rejection(verifier, token, now=now + 902) == "expired"


def test_token_minted_16_minutes_ago_is_refused(verifier: TokenVerifier) -> None:
    with time_machine.travel(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16), tick=False):
        token = boto3_token()
    assert rejection(verifier, token) == "expired"


def test_token_from_the_future_beyond_clock_skew_is_refused(verifier: TokenVerifier) -> None:
    now = time.time()
    early = build_auth_token(ENDPOINT, "app", KEY, REGION, signed_at=now + 290)
    assert verifier.verify(early, "app", now=now).user == "app"
    late = build_auth_token(ENDPOINT, "app", KEY, REGION, signed_at=now + 310)
    assert rejection(verifier, late, now=now) == "future"


def test_expiry_longer_than_900_seconds_is_refused(verifier: TokenVerifier) -> None:
    assert rejection(verifier, build_auth_token(ENDPOINT, "app", KEY, REGION, expires=901)) == "expires"


@settings(max_examples=60, deadline=None)
@given(
    user=st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=20),
    port=st.integers(1, 65535),
    offset=st.integers(-(10**8), 10**8),
)
def test_build_auth_token_matches_boto3_byte_for_byte(user: str, port: int, offset: int) -> None:
    signed_at = int(time.time()) + offset
    with time_machine.travel(signed_at, tick=False):
        expected = boto3_token(user=user, port=port)
    assert build_auth_token(f"127.0.0.1:{port}", user, KEY, REGION, signed_at=signed_at) == expected
