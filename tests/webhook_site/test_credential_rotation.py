"""The 1045 retry after a refused IAM login signs its second token with credentials resolved afresh:
the cached ones may be the very keys the proxy just refused (rotated since they were read)."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connections

from local_rds_proxy import AwsCredential
from local_stack import CREDENTIAL
from site_platform import aws
from tests.proxy_stack import default_alias_on_proxy
from tests.wsgi_client import WsgiClient
from webhook_site.db import iam_auth

pytestmark = [pytest.mark.mariadb_only, pytest.mark.django_db(transaction=True)]


# Keys the function held before its role's credentials rotated: the stand-in no longer accepts them.
ROTATED_AWAY = AwsCredential("AKIAROTATEDAWAY00001", "keys-from-before-the-rotation")


def rotate_keys_after_they_were_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    """The process resolved (and cached) the old keys; the environment now holds the new ones."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ROTATED_AWAY.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", ROTATED_AWAY.secret_access_key)
    aws.forget_aws_credentials()
    assert aws.aws_credentials().access_key == ROTATED_AWAY.access_key_id
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", CREDENTIAL.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", CREDENTIAL.secret_access_key)


def test_the_retry_after_a_refused_login_signs_with_the_rotated_keys(make_stack, monkeypatch) -> None:
    stack = make_stack()  # knows only CREDENTIAL, the keys after the rotation
    with default_alias_on_proxy(stack, monkeypatch):
        rotate_keys_after_they_were_cached(monkeypatch)
        response = WsgiClient().post("/hooks/rotated", b"{}", content_type="application/json")
        assert response.status_code == 200, response.content
    stats = stack.stats()
    assert stats["auth_failures_by_reason"] == {"access_key": 1}
    assert stats["ClientConnectionsSetupSucceeded"] == 1
    assert aws.aws_credentials().access_key == CREDENTIAL.access_key_id


def test_negative_control_a_retry_with_the_cached_keys_is_refused_again(make_stack, monkeypatch) -> None:
    stack = make_stack()
    monkeypatch.setattr(iam_auth, "forget_aws_credentials", lambda: None)
    with default_alias_on_proxy(stack, monkeypatch):
        rotate_keys_after_they_were_cached(monkeypatch)
        with pytest.raises(OperationalError) as refused, connections["default"].cursor():
            pass
    assert refused.value.args[0] == 1045
    assert stack.stats()["auth_failures_by_reason"] == {"access_key": 2}
