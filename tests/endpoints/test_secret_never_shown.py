"""A signing secret goes in once, through the admin, and never comes out: not in any page, API
response, capture response, export, log line, admin change view or history, nor in any SQL sent to
the database. Every output of the run below is collected and searched for it."""

from __future__ import annotations

import base64
import logging
from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from endpoints.models import EndpointRule
from hits.models import Hit
from tests.endpoints.admin_forms import rule_form
from tests.endpoints.senders import github

pytestmark = pytest.mark.django_db

SECRET = "gh-secret-Zq7W2xV9-unique-marker"
ROTATED = "gh-rotated-Kd83Lp-unique-marker"
VERIFY_TOKEN = "meta-token-Hx41-unique-marker"
BODY = b'{"zen": "Keep it logically awesome."}'


class Outputs:
    """Everything the run showed anyone: response headers and bodies, plus what is added at the end."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def response(self, response: Any) -> Any:
        self.texts.append(str(response.status_code))
        self.texts.extend(f"{name}: {value}" for name, value in response.items())
        content = b"".join(response.streaming_content) if response.streaming else response.content
        self.texts.append(content.decode("utf-8", "replace"))
        return response

    def leaks(self, secret: str) -> list[str]:
        forms = {secret, base64.b64encode(secret.encode()).decode(), secret.encode().hex()}
        return [text[:200] for text in self.texts if any(form in text for form in forms)]


def test_the_secret_appears_in_no_output(
    admin_client: Client, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    seen = Outputs()
    with CaptureQueriesContext(connection) as queries:
        # Saved, then a form error re-rendered with the secret posted, then rotated.
        seen.response(
            admin_client.post(
                "/admin/endpoints/endpointrule/add/",
                rule_form(new_secret=SECRET, new_meta_verify_token=VERIFY_TOKEN),
            )
        )
        rule = EndpointRule.objects.get()
        change_url = f"/admin/endpoints/endpointrule/{rule.pk}/change/"
        refused = seen.response(
            admin_client.post(change_url, rule_form(new_secret=SECRET, path_prefix="no-slash"))
        )
        assert refused.status_code == 200
        assert b"errornote" in refused.content
        seen.response(admin_client.post(change_url, rule_form(new_secret=ROTATED)))

        # Captures signed with the current and the previous secret.
        for secret in (SECRET, ROTATED):
            captured = seen.response(
                Client().post(
                    "/github/push",
                    BODY,
                    content_type="application/json",
                    headers=dict(github(secret, BODY, 0)),
                )
            )
            assert captured.status_code == 200
        seen.response(Client().get("/github?hub.mode=subscribe&hub.challenge=1&hub.verify_token=wrong"))
        hit_ids = list(Hit.objects.values_list("id", flat=True))
        assert set(Hit.objects.values_list("signature", flat=True)) == {"valid", "no signature"}

        for url in [
            "/admin/endpoints/endpointrule/",
            change_url,
            f"/admin/endpoints/endpointrule/{rule.pk}/history/",
            f"/admin/endpoints/endpointrule/{rule.pk}/delete/",
            "/admin/hits/hit/",
            "/_/",
            "/_/api/hits",
            "/_/api/hits?signature=valid",
            "/_/api/hits/export.ndjson",
            "/_/api/hits/export.har",
        ]:
            assert seen.response(admin_client.get(url)).status_code == 200, url
        for hit_id in hit_ids:
            for url in [
                f"/_/hits/{hit_id}",
                f"/_/hits/{hit_id}/body",
                f"/_/api/hits/{hit_id}",
                f"/admin/hits/hit/{hit_id}/change/",
                f"/admin/hits/hit/{hit_id}/body/",
            ]:
                assert seen.response(admin_client.get(url)).status_code == 200, url

    seen.texts.append(caplog.text)
    captured_streams = capsys.readouterr()
    seen.texts.extend([captured_streams.out, captured_streams.err])
    # What the database was sent (statements and parameters) and what it keeps.
    seen.texts.extend(f"{query['sql']}" for query in queries.captured_queries)
    seen.texts.extend(str(row) for row in EndpointRule.objects.values_list())
    seen.texts.extend(str(entry.change_message) for entry in LogEntry.objects.all())
    seen.texts.extend(str(row) for row in Hit.objects.values_list())
    assert len(seen.texts) > 50
    control = Outputs()
    control.texts.append(f"a log line with {SECRET} in it")
    assert control.leaks(SECRET), "the search itself must find a secret where there is one"
    for secret in (SECRET, ROTATED, VERIFY_TOKEN):
        assert seen.leaks(secret) == [], secret


def test_the_change_view_says_only_whether_a_secret_is_set(admin_client: Client) -> None:
    admin_client.post("/admin/endpoints/endpointrule/add/", rule_form(new_secret=SECRET))
    rule = EndpointRule.objects.get()
    page = admin_client.get(f"/admin/endpoints/endpointrule/{rule.pk}/change/").content.decode()
    assert '<div class="readonly">set</div>' in page
    assert '<input type="password" name="new_secret"' in page
    assert SECRET not in page
    assert rule.secret_ciphertext not in page


def test_a_rotation_keeps_the_previous_secret_for_the_window(admin_client: Client) -> None:
    admin_client.post("/admin/endpoints/endpointrule/add/", rule_form(new_secret=SECRET))
    rule = EndpointRule.objects.get()
    admin_client.post(
        f"/admin/endpoints/endpointrule/{rule.pk}/change/",
        rule_form(new_secret=ROTATED, rotation_window="0 02:00:00"),
    )
    rule.refresh_from_db()
    assert rule.previous_secret_valid_until is not None
    config = rule.signing_config(timezone.now())
    assert config is not None
    assert list(config.secrets) == [ROTATED, SECRET]
    after_window = rule.signing_config(rule.previous_secret_valid_until)
    assert after_window is not None
    assert list(after_window.secrets) == [ROTATED]


def test_saving_without_a_new_secret_keeps_the_current_one(admin_client: Client) -> None:
    admin_client.post("/admin/endpoints/endpointrule/add/", rule_form(new_secret=SECRET))
    rule = EndpointRule.objects.get()
    ciphertext = rule.secret_ciphertext
    admin_client.post(f"/admin/endpoints/endpointrule/{rule.pk}/change/", rule_form(name="renamed"))
    rule.refresh_from_db()
    assert (rule.name, rule.secret_ciphertext, rule.previous_secret_ciphertext) == ("renamed", ciphertext, "")


def test_a_scheme_without_any_secret_is_refused(admin_client: Client) -> None:
    response = admin_client.post("/admin/endpoints/endpointrule/add/", rule_form())
    assert b"Verifying signatures needs a signing secret." in response.content
    assert not EndpointRule.objects.exists()


def test_a_standard_webhooks_secret_must_be_whsec_base64(admin_client: Client) -> None:
    response = admin_client.post(
        "/admin/endpoints/endpointrule/add/",
        rule_form(scheme="standard_webhooks", new_secret="whsec_not base64!"),
    )
    assert b"whsec_ followed by base64" in response.content
    assert not EndpointRule.objects.exists()
