"""The bench's local Lambda Runtime API speaks the 2018-06-01 protocol a runtime client expects."""

from __future__ import annotations

import contextlib
import http.client
import json
import threading

import pytest

from bench.lambda_runtime_api import RuntimeApi

FUNCTION = "webhook-site-production"


Answer = tuple[int, dict[str, str], bytes]


def request(
    api: RuntimeApi, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> Answer:
    connection = http.client.HTTPConnection(api.address, timeout=10)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    return response.status, dict(response.getheaders()), response.read()


def test_next_serves_the_event_with_lambdas_invocation_headers():
    with RuntimeApi([{"path": "/hooks/x"}], FUNCTION, "us-east-1") as api:
        status, headers, body = request(api, "GET", "/2018-06-01/runtime/invocation/next")

    assert status == 200
    assert json.loads(body) == {"path": "/hooks/x"}
    assert headers["Lambda-Runtime-Aws-Request-Id"]
    assert int(headers["Lambda-Runtime-Deadline-Ms"]) > 0
    assert headers["Lambda-Runtime-Invoked-Function-Arn"] == (
        f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}"
    )
    assert headers["Lambda-Runtime-Trace-Id"].startswith("Root=1-")


def test_a_response_is_accepted_and_recorded_after_its_next():
    with RuntimeApi([{}], FUNCTION, "us-east-1") as api:
        _status, headers, _body = request(api, "GET", "/2018-06-01/runtime/invocation/next")
        request_id = headers["Lambda-Runtime-Aws-Request-Id"]
        status, _headers, _body = request(
            api, "POST", f"/2018-06-01/runtime/invocation/{request_id}/response", b'{"statusCode": 200}'
        )
        outcomes = api.wait_for_outcomes(1, timeout_seconds=5)

    assert status == 202
    assert [(outcome.kind, outcome.request_id, outcome.json()) for outcome in outcomes] == [
        ("response", request_id, {"statusCode": 200})
    ]
    assert outcomes[0].received_ns > api.next_requests_ns[0]


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/2018-06-01/runtime/invocation/some-id/error", "error"),
        ("/2018-06-01/runtime/init/error", "init_error"),
    ],
)
def test_errors_are_accepted_with_their_type(path, kind):
    with RuntimeApi([], FUNCTION, "us-east-1") as api:
        headers = {"Lambda-Runtime-Function-Error-Type": "Runtime.ImportModuleError"}
        status, _headers, _body = request(api, "POST", path, b'{"errorMessage": "no module"}', headers)
        outcomes = api.wait_for_outcomes(1, timeout_seconds=5)

    assert status == 202
    assert [(outcome.kind, outcome.error_type) for outcome in outcomes] == [
        (kind, "Runtime.ImportModuleError")
    ]


def test_next_blocks_while_no_event_is_queued_until_the_api_stops():
    answered = threading.Event()

    def ask_for_next(api: RuntimeApi) -> None:
        # Closed without an answer when the API stops, as a frozen environment would never get one.
        with contextlib.suppress(ConnectionError, http.client.HTTPException):
            request(api, "GET", "/2018-06-01/runtime/invocation/next")
        answered.set()

    with RuntimeApi([], FUNCTION, "us-east-1") as api:
        asker = threading.Thread(target=ask_for_next, args=(api,))
        asker.start()
        assert not answered.wait(0.3)
        assert len(api.next_requests_ns) == 1
    asker.join(timeout=5)
    assert answered.is_set()


def test_unknown_paths_get_404():
    with RuntimeApi([], FUNCTION, "us-east-1") as api:
        assert request(api, "GET", "/2018-06-01/runtime/invocation/other")[0] == 404
        assert request(api, "POST", "/2018-06-01/runtime/restore/next")[0] == 404
