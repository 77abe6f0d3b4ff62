"""Every scheme against its sender's own signatures: valid, tampered body, wrong secret, expired
timestamp, missing header, rotated secret; plus the providers' published example vectors."""

from __future__ import annotations

import ast
import inspect

import pytest

from endpoints import signatures
from endpoints.signatures import (
    EXPIRED,
    NO_SIGNATURE,
    VALID,
    Encoding,
    Scheme,
    SignedRequest,
    SigningConfig,
    verify,
)
from tests.endpoints.senders import GENERIC_OPTIONS, OTHER_SECRETS, SECRETS, SIGNERS, TIMESTAMPED

NOW = 1_790_000_000
BODY = b'{"event": "order.paid", "amount": 4200, "note": "caf\xc3\xa9"}'


def config(scheme: Scheme, *secrets: str) -> SigningConfig:
    options = GENERIC_OPTIONS if scheme is Scheme.GENERIC_HMAC else {}
    return SigningConfig(scheme=scheme, secrets=list(secrets), **options)  # type: ignore[arg-type]


def outcome(scheme: Scheme, secrets: list[str], headers: list[tuple[str, str]], body: bytes = BODY) -> str:
    return verify(config(scheme, *secrets), SignedRequest(headers, body, now=NOW))


def signed(scheme: Scheme, secret: str | None = None, timestamp: int = NOW) -> list[tuple[str, str]]:
    return SIGNERS[scheme](secret or SECRETS[scheme], BODY, timestamp)


@pytest.mark.parametrize("scheme", list(Scheme))
def test_a_signature_made_by_the_sender_is_valid(scheme: Scheme) -> None:
    assert outcome(scheme, [SECRETS[scheme]], signed(scheme)) == VALID


@pytest.mark.parametrize("scheme", list(Scheme))
def test_a_tampered_body_is_invalid(scheme: Scheme) -> None:
    tampered = BODY.replace(b"4200", b"4201")
    result = outcome(scheme, [SECRETS[scheme]], signed(scheme), body=tampered)
    assert result == "invalid: signature does not match the body and secret"


@pytest.mark.parametrize("scheme", list(Scheme))
def test_a_signature_made_with_another_secret_is_invalid(scheme: Scheme) -> None:
    headers = signed(scheme, secret=OTHER_SECRETS[scheme])
    assert outcome(scheme, [SECRETS[scheme]], headers).startswith("invalid: ")


@pytest.mark.parametrize("scheme", sorted(TIMESTAMPED))
def test_an_authentic_signature_outside_the_window_is_expired(scheme: Scheme) -> None:
    assert outcome(scheme, [SECRETS[scheme]], signed(scheme, timestamp=NOW - 301)) == EXPIRED
    assert outcome(scheme, [SECRETS[scheme]], signed(scheme, timestamp=NOW - 299)) == VALID


@pytest.mark.parametrize("scheme", sorted(TIMESTAMPED))
def test_an_old_forged_signature_is_invalid_not_expired(scheme: Scheme) -> None:
    headers = signed(scheme, secret=OTHER_SECRETS[scheme], timestamp=NOW - 3600)
    assert outcome(scheme, [SECRETS[scheme]], headers).startswith("invalid: ")


@pytest.mark.parametrize("scheme", sorted(set(Scheme) - TIMESTAMPED))
def test_schemes_that_sign_no_timestamp_never_expire(scheme: Scheme) -> None:
    """GitHub, Shopify and a generic HMAC sign the body alone: a replay a year later is still valid,
    which is why the outcome is "valid" and never "expired" for them."""
    headers = signed(scheme, timestamp=NOW - 365 * 86_400)
    assert outcome(scheme, [SECRETS[scheme]], headers) == VALID


@pytest.mark.parametrize("scheme", list(Scheme))
def test_no_signature_header_is_no_signature(scheme: Scheme) -> None:
    assert outcome(scheme, [SECRETS[scheme]], [("Content-Type", "application/json")]) == NO_SIGNATURE


@pytest.mark.parametrize("scheme", list(Scheme))
def test_the_previous_secret_still_verifies_during_rotation(scheme: Scheme) -> None:
    """The rule lists the previous secret only while its window is open (EndpointRule.signing_config)."""
    old_sender = signed(scheme, secret=OTHER_SECRETS[scheme])
    assert outcome(scheme, [SECRETS[scheme], OTHER_SECRETS[scheme]], old_sender) == VALID
    assert outcome(scheme, [SECRETS[scheme]], old_sender).startswith("invalid: ")


@pytest.mark.parametrize(
    ("scheme", "headers", "reason"),
    [
        (Scheme.GITHUB, [("X-Hub-Signature-256", "sha1=abc")], "X-Hub-Signature-256 is not sha256=<hex>"),
        (Scheme.GITHUB, [("X-Hub-Signature-256", "sha256=zz")], "X-Hub-Signature-256 is not hexadecimal"),
        (Scheme.STRIPE, [("Stripe-Signature", "v1=abcd")], "Stripe-Signature has no single t= timestamp"),
        (Scheme.STRIPE, [("Stripe-Signature", f"t={NOW},v0=ab")], "Stripe-Signature has no v1= signature"),
        (Scheme.SLACK, [("X-Slack-Signature", "v0=ab")], "X-Slack-Request-Timestamp is missing"),
        (Scheme.SHOPIFY, [("X-Shopify-Hmac-Sha256", "not base64!")], "X-Shopify-Hmac-Sha256 is not base64"),
        (
            Scheme.STANDARD_WEBHOOKS,
            [("webhook-id", "m"), ("webhook-timestamp", str(NOW)), ("webhook-signature", "v1a,xx")],
            "webhook-signature has no v1 signature",
        ),
    ],
)
def test_a_malformed_header_says_what_is_wrong(
    scheme: Scheme, headers: list[tuple[str, str]], reason: str
) -> None:
    assert outcome(scheme, [SECRETS[scheme]], headers) == f"invalid: {reason}"


def test_a_non_utf8_body_is_verified_on_its_bytes() -> None:
    body = b"\xff\xfe binary \x00"
    headers = SIGNERS[Scheme.GITHUB](SECRETS[Scheme.GITHUB], body, NOW)
    assert outcome(Scheme.GITHUB, [SECRETS[Scheme.GITHUB]], headers, body=body) == VALID


def test_svix_headers_are_standard_webhooks_under_another_name() -> None:
    headers = [(name.replace("webhook-", "svix-"), value) for name, value in signed(Scheme.STANDARD_WEBHOOKS)]
    assert outcome(Scheme.STANDARD_WEBHOOKS, [SECRETS[Scheme.STANDARD_WEBHOOKS]], headers) == VALID


def test_one_of_several_standard_webhooks_signatures_may_match() -> None:
    (_id, _timestamp, (name, value)) = signed(Scheme.STANDARD_WEBHOOKS)
    headers = [_id, _timestamp, (name, f"v1,{'A' * 43}= {value} v2,ignored")]
    assert outcome(Scheme.STANDARD_WEBHOOKS, [SECRETS[Scheme.STANDARD_WEBHOOKS]], headers) == VALID


def test_generic_hmac_in_base64_without_a_prefix() -> None:
    import base64
    import hashlib
    import hmac

    digest = base64.b64encode(hmac.new(b"s3", BODY, hashlib.sha256).digest()).decode()
    generic = SigningConfig(Scheme.GENERIC_HMAC, ["s3"], header="X-Sig", encoding=Encoding.BASE64)
    assert verify(generic, SignedRequest([("x-sig", digest)], BODY, now=NOW)) == VALID


# --- the providers' published examples ---------------------------------------------------------


def test_githubs_published_example() -> None:
    """docs.github.com, "Validating webhook deliveries": secret "It's a Secret to Everybody",
    payload "Hello, World!"."""
    headers = [
        ("X-Hub-Signature-256", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
    ]
    request = SignedRequest(headers, b"Hello, World!", now=NOW)
    assert verify(SigningConfig(Scheme.GITHUB, ["It's a Secret to Everybody"]), request) == VALID


SLACK_EXAMPLE_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
    b"&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
    b"&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    b"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)


def test_slacks_published_example() -> None:
    """api.slack.com, "Verifying requests from Slack": the worked example (signed 2018-07-12)."""
    headers = [
        ("X-Slack-Request-Timestamp", "1531420618"),
        ("X-Slack-Signature", "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"),
    ]
    slack = SigningConfig(Scheme.SLACK, ["8f742231b10e8888abcd99yyyzzz85a5"])
    assert verify(slack, SignedRequest(headers, SLACK_EXAMPLE_BODY, now=1531420618 + 10)) == VALID
    assert verify(slack, SignedRequest(headers, SLACK_EXAMPLE_BODY, now=NOW)) == EXPIRED


def test_standard_webhooks_published_example() -> None:
    """The Standard Webhooks specification's (and Svix's docs') example signature."""
    headers = [
        ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
        ("webhook-timestamp", "1614265330"),
        ("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
    ]
    standard = SigningConfig(Scheme.STANDARD_WEBHOOKS, ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])
    request = SignedRequest(headers, b'{"test": 2432232314}', now=1614265330)
    assert verify(standard, request) == VALID


def test_no_digest_is_compared_with_double_equals() -> None:
    """Every comparison of signature material goes through hmac.compare_digest (in matches())."""
    tree = ast.parse(inspect.getsource(signatures))
    compared_names = {
        node.id
        for compare in ast.walk(tree)
        if isinstance(compare, ast.Compare) and any(isinstance(op, ast.Eq | ast.NotEq) for op in compare.ops)
        for node in ast.walk(compare)
        if isinstance(node, ast.Name)
    }
    assert not compared_names & {"expected", "provided", "candidate", "digest", "signature", "value"}
    assert "compare_digest" in inspect.getsource(signatures.matches)
