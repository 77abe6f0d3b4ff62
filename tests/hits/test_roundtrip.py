"""Property: whatever bytes and text arrive come back byte-exact through capture -> API."""

from __future__ import annotations

import base64
from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# HTTP header values: any bytes but CR, LF and NUL (a server refuses those), as the WSGI server
# hands them over (Latin-1 text); header names: tokens.
header_values = st.binary(max_size=200).filter(lambda raw: not set(raw) & {0, 10, 13})
# Any Unicode text (4-byte emoji included) except surrogates, which no UTF-8 URL can carry.
path_text = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=120)


def expected_header_text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


@pytest.mark.django_db(transaction=True)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.binary(max_size=4096),
    header_value=header_values,
    path=path_text,
    query=st.text(st.characters(exclude_categories=["Cs"]), max_size=60),
)
def test_body_headers_path_and_query_round_trip(
    client: Client, body: bytes, header_value: bytes, path: str, query: str
) -> None:
    url = "/p/" + quote(path.encode("utf-8"), safe="") + "?" + quote(query.encode("utf-8"), safe="=&")
    response = client.post(
        url,
        body,
        content_type="application/octet-stream",
        HTTP_X_PROBE=header_value.decode("latin-1"),
    )
    assert response.status_code == 200
    hit = client.get(f"/_/api/hits/{response.json()['id']}").json()
    assert base64.b64decode(hit["body_base64"]) == body
    assert hit["body_size"] == len(body)
    assert hit["path"] == "/p/" + path
    assert dict(hit["headers"])["X-Probe"] == expected_header_text(header_value)
    assert hit["query_string"] == quote(query.encode("utf-8"), safe="=&")


@pytest.mark.django_db
def test_emoji_and_non_ascii_paths_are_stored_as_text(client: Client) -> None:
    path = "/naïve/🎉/日本/𝄞"
    response = client.get(quote(path), HTTP_ACCEPT="application/json")
    hit = client.get(f"/_/api/hits/{response.json()['id']}").json()
    assert hit["path"] == path


@pytest.mark.django_db
def test_invalid_utf8_and_nul_bytes_in_the_body_survive(client: Client) -> None:
    body = b"\xff\xfe\x00\x80binary\x00\xc3\x28"
    response = client.put("/bin", body, content_type="application/octet-stream")
    hit = client.get(f"/_/api/hits/{response.json()['id']}").json()
    assert base64.b64decode(hit["body_base64"]) == body


@pytest.mark.django_db
def test_long_paths_are_kept_whole(client: Client) -> None:
    path = "/" + "segment/" * 1200
    response = client.get(path)
    hit = client.get(f"/_/api/hits/{response.json()['id']}").json()
    assert hit["path"] == path
