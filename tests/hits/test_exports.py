"""Exports: NDJSON and HAR 1.2 of the current filter, byte-exact bodies, streamed in bounded batches."""

from __future__ import annotations

import base64
import json
import tracemalloc
from typing import Any

import jsonschema
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from hits import exports
from hits.models import Hit
from tests.hits.har_1_2_schema import HAR_1_2

pytestmark = pytest.mark.django_db

BINARY = bytes(range(256))
MIB = 1024 * 1024


def capture(client: Client, path: str, body: bytes = b"{}", **extra: Any) -> None:
    assert client.post(path, body, content_type="application/octet-stream", **extra).status_code == 200


def download(client: Client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200
    assert response.streaming
    assert response["X-Content-Type-Options"] == "nosniff"
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_ndjson_is_one_full_hit_per_line_oldest_first_filtered(client: Client) -> None:
    capture(client, "/a/1", BINARY)
    capture(client, "/b/2")
    capture(client, "/a/3", "é".encode())
    lines = download(client, "/_/api/hits/export.ndjson?path=/a/").splitlines()
    hits = [json.loads(line) for line in lines]
    assert [hit["path"] for hit in hits] == ["/a/1", "/a/3"]
    assert base64.b64decode(hits[0]["body_base64"]) == BINARY
    assert base64.b64decode(hits[1]["body_base64"]) == "é".encode()


def test_ndjson_download_is_an_attachment(client: Client) -> None:
    response = client.get("/_/api/hits/export.ndjson")
    assert response["Content-Type"] == "application/x-ndjson"
    assert response["Content-Disposition"] == 'attachment; filename="hits.ndjson"'


def test_har_is_valid_against_the_spec_with_text_and_binary_bodies(client: Client) -> None:
    capture(client, "/hook?x=1&y=", b'{"a": 1}', HTTP_HOST="localhost:8000", HTTP_X_FORWARDED_PROTO="https")
    capture(client, "/bin", BINARY)
    client.get("/plain")  # no body at all
    har = json.loads(download(client, "/_/api/hits/export.har"))
    jsonschema.validate(har, HAR_1_2)
    first, binary, plain = har["log"]["entries"]
    assert first["request"]["url"] == "https://localhost:8000/hook?x=1&y="
    assert first["request"]["queryString"] == [{"name": "x", "value": "1"}, {"name": "y", "value": ""}]
    assert first["request"]["postData"] == {"mimeType": "application/octet-stream", "text": '{"a": 1}'}
    assert base64.b64decode(binary["request"]["postData"]["text"]) == BINARY
    assert binary["request"]["postData"]["_encoding"] == "base64"
    assert "postData" not in plain["request"]


def test_an_empty_har_is_valid(client: Client) -> None:
    jsonschema.validate(json.loads(download(client, "/_/api/hits/export.har")), HAR_1_2)


def test_the_schema_rejects_what_the_spec_forbids() -> None:
    """Negative control: the schema is not vacuous."""
    entry = {"startedDateTime": "2026-01-01T00:00:00Z", "time": 0, "response": {}, "cache": {}, "timings": {}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {"log": {"version": "1.2", "creator": {"name": "x", "version": "1"}, "entries": [entry]}}, HAR_1_2
        )


def test_secrets_never_reach_an_export(client: Client) -> None:
    capture(client, "/s", HTTP_AUTHORIZATION="Bearer top-secret", HTTP_COOKIE="session=top-secret")
    for url in ("/_/api/hits/export.ndjson", "/_/api/hits/export.har"):
        assert b"top-secret" not in download(client, url)


def test_a_bad_filter_is_a_json_400_before_any_stream(client: Client) -> None:
    response = client.get("/_/api/hits/export.har?since=soon")
    assert response.status_code == 400
    assert "since" in response.json()["error"]


def test_a_misspelt_filter_is_refused_rather_than_exporting_everything(client: Client) -> None:
    response = client.get("/_/api/hits/export.ndjson?mehtod=POST")
    assert response.status_code == 400
    assert response.json()["error"].startswith("unknown parameter mehtod (known: method, path,")


def test_unknown_formats_are_a_json_404(client: Client) -> None:
    assert client.get("/_/api/hits/export.csv").json()["error"].startswith("no export format")


def test_export_reads_in_batches_never_one_query_per_hit(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "METADATA_BATCH", 4)
    monkeypatch.setattr(exports, "BODY_BYTES_PER_QUERY", 10)
    for number in range(10):
        capture(client, f"/{number}", b"12345")
    with CaptureQueriesContext(connection) as queries:
        lines = download(client, "/_/api/hits/export.ndjson").splitlines()
    assert len(lines) == 10
    selects = [query["sql"] for query in queries.captured_queries if query["sql"].startswith("SELECT")]
    metadata = [sql for sql in selects if "LIMIT 4" in sql]
    assert len(metadata) == 4  # 4 + 4 + 2, then the empty batch
    assert all("`body`" not in sql and '"body"' not in sql for sql in metadata)
    assert len(selects) - len(metadata) - 1 == 5  # bodies two at a time (10 bytes), after the ceiling


def test_hits_captured_during_an_export_are_not_in_it(client: Client) -> None:
    capture(client, "/before")
    response = client.get("/_/api/hits/export.ndjson")
    capture(client, "/during")
    lines = b"".join(response.streaming_content).splitlines()  # type: ignore[attr-defined]
    assert [json.loads(line)["path"] for line in lines] == ["/before"]
    assert Hit.objects.count() == 2


def export_peak(
    client: Client, monkeypatch: pytest.MonkeyPatch, batch: int, group_bytes: int
) -> tuple[int, int]:
    """(bytes streamed, peak Python allocation) exporting 24 one-MiB bodies with these batch sizes."""
    monkeypatch.setattr(exports, "METADATA_BATCH", batch)
    monkeypatch.setattr(exports, "BODY_BYTES_PER_QUERY", group_bytes)
    Hit.objects.bulk_create(
        Hit(method="POST", path=f"/big/{number}", body=bytes([number]) * MIB, body_size=MIB)
        for number in range(24)
    )
    response = client.get("/_/api/hits/export.ndjson")
    streamed = 0
    tracemalloc.start()
    try:
        for chunk in response.streaming_content:  # type: ignore[attr-defined]
            streamed += len(chunk)
        return streamed, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_bounded_while_the_export_grows(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    """~32 MiB of NDJSON stream out while the peak stays near one batch's bodies (4 MiB here)."""
    streamed, peak = export_peak(client, monkeypatch, batch=4, group_bytes=2 * MIB)
    assert streamed > 24 * MIB * 4 // 3
    assert peak < 16 * MIB, f"peak {peak / MIB:.1f} MiB while streaming {streamed / MIB:.1f} MiB"


def test_the_memory_measurement_sees_an_unbounded_export(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Negative control: with every body in one batch and one group, the same export peaks above 24 MiB."""
    _streamed, peak = export_peak(client, monkeypatch, batch=100, group_bytes=100 * MIB)
    assert peak > 24 * MIB
