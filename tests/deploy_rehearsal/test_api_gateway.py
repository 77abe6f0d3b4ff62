"""The local API Gateway: only deployed APIs are reachable, and requests become REST API v1 events."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from deploy_rehearsal.api_gateway import LocalApiGateway, matching_resource, proxy_response
from deploy_rehearsal.local_lambda import LocalLambda
from deploy_rehearsal.moto_server import REGION, MotoServer

# Answers with the event it got, so tests can read what API Gateway sent the function.
ECHO = """
import base64, json

def lambda_handler(event, context):
    body = json.dumps(event).encode()
    return {"statusCode": 201, "headers": {"Content-Type": "application/json"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
            "body": base64.b64encode(body).decode(), "isBase64Encoded": True}
"""


@pytest.fixture
def gateway(moto: MotoServer, lambdas: LocalLambda, tmp_path: Path) -> Iterator[LocalApiGateway]:
    with LocalApiGateway.with_new_certificate(moto, lambdas, tmp_path / "certificates") as running:
        yield running


def deploy_api(moto: MotoServer, function_name: str, stage: str = "live") -> str:
    """An API shaped as Zappa's CloudFormation template makes it: ANY on / and /{proxy+}, AWS_PROXY."""
    apigateway = moto.client("apigateway")
    function_arn = moto.client("lambda").get_function(FunctionName=function_name)["Configuration"][
        "FunctionArn"
    ]
    uri = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    api_id = apigateway.create_rest_api(name=function_name)["id"]
    root = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
    proxy = apigateway.create_resource(restApiId=api_id, parentId=root, pathPart="{proxy+}")["id"]
    for resource in (root, proxy):
        apigateway.put_method(
            restApiId=api_id, resourceId=resource, httpMethod="ANY", authorizationType="NONE"
        )
        apigateway.put_integration(
            restApiId=api_id, resourceId=resource, httpMethod="ANY", type="AWS_PROXY",
            integrationHttpMethod="POST", uri=uri,
        )  # fmt: skip
    apigateway.create_deployment(restApiId=api_id, stageName=stage)
    return api_id


def through(gateway: LocalApiGateway, url: str, **kwargs: object) -> requests.Response:
    return requests.request(
        str(kwargs.pop("method", "GET")),
        url,
        proxies={"https": gateway.proxy_url, "http": gateway.proxy_url},
        verify=str(gateway.certificates.ca_cert),
        timeout=30,
        **kwargs,  # type: ignore[arg-type]
    )


def test_a_request_reaches_the_function_as_a_rest_api_event(moto, gateway, deploy_function) -> None:
    name = deploy_function(ECHO)
    api_id = deploy_api(moto, name)
    host = f"{api_id}.execute-api.{REGION}.amazonaws.com"

    response = through(gateway, f"https://{host}/live/hooks/x?a=1&a=2", method="POST", data=b"\x00\xff")

    event = response.json()
    assert response.status_code == 201
    assert response.raw.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    assert (event["httpMethod"], event["path"], event["requestContext"]["stage"]) == (
        "POST",
        "/hooks/x",
        "live",
    )
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"]}
    assert event["headers"]["Host"] == host
    assert event["requestContext"]["identity"]["sourceIp"] == "127.0.0.1"
    assert base64.b64decode(event["body"]) == b"\x00\xff"
    assert event["isBase64Encoded"] is True


def test_an_undeployed_stage_is_forbidden(moto, gateway, deploy_function) -> None:
    api_id = deploy_api(moto, deploy_function(ECHO))

    response = through(gateway, f"https://{api_id}.execute-api.{REGION}.amazonaws.com/other/x")

    assert (response.status_code, response.json()) == (403, {"message": "Forbidden"})


def test_a_failing_function_is_a_502(moto, gateway, deploy_function) -> None:
    api_id = deploy_api(moto, deploy_function("def lambda_handler(event, context):\n    raise ValueError\n"))

    response = through(gateway, f"https://{api_id}.execute-api.{REGION}.amazonaws.com/live/")

    assert (response.status_code, response.json()) == (502, {"message": "Internal server error"})
    assert "ValueError" in gateway.failures[-1]


@pytest.mark.parametrize(
    "url",
    [
        "https://pypi.org/pypi/Zappa/json",  # the zappa CLI's version check
        f"https://abcdefghij.execute-api.{REGION}.amazonaws.com/live/",  # no such API in moto
    ],
)
def test_no_other_tunnel_is_opened(gateway: LocalApiGateway, url: str) -> None:
    with pytest.raises(requests.exceptions.ProxyError):
        through(gateway, url)

    assert gateway.refused == [f"CONNECT {url.split('/')[2]}:443"]


def test_plain_http_is_not_proxied(gateway: LocalApiGateway) -> None:
    response = through(gateway, "http://example.com/")

    assert response.status_code == 403
    assert gateway.refused == ["GET http://example.com/"]


def test_the_greedy_resource_takes_every_path_below_the_root() -> None:
    resources = [{"path": "/"}, {"path": "/{proxy+}"}]

    assert matching_resource(resources, "/") == {"path": "/"}
    assert matching_resource(resources, "/a/b") == {"path": "/{proxy+}"}
    assert matching_resource([{"path": "/"}], "/a") is None


def test_a_plain_text_proxy_result_keeps_its_headers() -> None:
    status, headers, body = proxy_response({"statusCode": 200, "headers": {"X-A": "1"}, "body": "ok"})

    assert (status, headers, body) == (200, [("X-A", "1")], b"ok")
