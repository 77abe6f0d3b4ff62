"""Real event shapes that API Gateway (REST v1, HTTP API v2) and Lambda Function URLs deliver.

Field sets follow the AWS documentation's example events; only values differ per request. The tests
build their events here (through tests/lambda_events.py), and so does the rehearsal's local API
Gateway (deploy_rehearsal.api_gateway) for the requests it forwards to the deployed function.
"""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qs

Headers = Mapping[str, str] | Sequence[tuple[str, str]]

REGION = "us-east-1"
REST_API_HOST = f"a1b2c3d4e5.execute-api.{REGION}.amazonaws.com"
HTTP_API_HOST = f"f6g7h8i9j0.execute-api.{REGION}.amazonaws.com"
FUNCTION_URL_HOST = f"abcdefghijklmnopqrstuvwxyz012345.lambda-url.{REGION}.on.aws"
SOURCE_IP = "198.51.100.23"


def encoded_body(body: bytes | None) -> tuple[str | None, bool]:
    if body is None:
        return None, False
    return base64.b64encode(body).decode("ascii"), True


def header_pairs(headers: Headers | None) -> list[tuple[str, str]]:
    return list(headers.items()) if isinstance(headers, Mapping) else list(headers or [])


def forwarded_for(client_headers: list[tuple[str, str]], source_ip: str) -> str:
    """What API Gateway passes on: a client's own X-Forwarded-For, with the real peer appended."""
    sent = [value for name, value in client_headers if name.lower() == "x-forwarded-for"]
    return ", ".join([*sent, source_ip])


def without_forwarded_for(client_headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(name, value) for name, value in client_headers if name.lower() != "x-forwarded-for"]


def header_maps(
    defaults: dict[str, str], headers: Headers | None
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """API Gateway v1's ``headers`` (last value per name) and ``multiValueHeaders`` (all values).

    ``headers`` (a mapping, or name/value pairs when a name repeats) replaces ``defaults`` of the
    same name, compared case-insensitively as HTTP does.
    """
    pairs = header_pairs(headers)
    given = {name.lower() for name, _value in pairs}
    multi = {name: [value] for name, value in defaults.items() if name.lower() not in given}
    for name, value in pairs:
        multi.setdefault(name, []).append(value)
    return {name: values[-1] for name, values in multi.items()}, multi


def rest_api_v1_event(
    method: str,
    path: str,
    stage: str,
    query: str = "",
    headers: Headers | None = None,
    body: bytes | None = None,
    *,
    host: str = REST_API_HOST,
    source_ip: str = SOURCE_IP,
) -> dict[str, Any]:
    """API Gateway REST API (payload 1.0), proxy integration on {proxy+}: path without the stage."""
    client_headers = header_pairs(headers)
    single, multi = header_maps(
        {
            "Host": host,
            "User-Agent": "curl/8.5.0",
            "X-Forwarded-For": forwarded_for(client_headers, source_ip),
            "X-Forwarded-Port": "443",
            "X-Forwarded-Proto": "https",
            "X-Amzn-Trace-Id": f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]}",
        },
        without_forwarded_for(client_headers),
    )
    multi_query = parse_qs(query, keep_blank_values=True) or None
    payload, is_base64 = encoded_body(body)
    api_id = host.split(".")[0]
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": single,
        "multiValueHeaders": multi,
        "queryStringParameters": {key: values[-1] for key, values in multi_query.items()}
        if multi_query
        else None,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourceId": "abc123",
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "extendedRequestId": uuid.uuid4().hex[:16],
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
            "path": f"/{stage}{path}",
            "accountId": "123456789012",
            "protocol": "HTTP/1.1",
            "stage": stage,
            "domainPrefix": api_id,
            "requestTimeEpoch": int(time.time() * 1000),
            "requestId": str(uuid.uuid4()),
            "identity": {"sourceIp": source_ip, "userAgent": single.get("User-Agent", "")},
            "domainName": host,
            "apiId": api_id,
        },
        "body": payload,
        "isBase64Encoded": is_base64,
    }


def http_v2_event(
    method: str,
    raw_path: str,
    host: str,
    stage: str = "$default",
    query: str = "",
    headers: Headers | None = None,
    body: bytes | None = None,
    cookies: list[str] | None = None,
) -> dict[str, Any]:
    """Payload 2.0: API Gateway HTTP API and Function URLs (headers lower-case, repeats comma-joined,
    cookies apart)."""
    client_headers = header_pairs(headers)
    all_headers = {"host": host, "user-agent": "curl/8.5.0"}
    for name, value in without_forwarded_for(client_headers):
        key = name.lower()
        all_headers[key] = f"{all_headers[key]},{value}" if key in all_headers else value
    all_headers |= {
        "x-forwarded-for": forwarded_for(client_headers, SOURCE_IP),
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
    }
    payload, is_base64 = encoded_body(body)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": query,
        "headers": all_headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": host.split(".")[0],
            "domainName": host,
            "domainPrefix": host.split(".")[0],
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": SOURCE_IP,
                "userAgent": all_headers["user-agent"],
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": stage,
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
            "timeEpoch": int(time.time() * 1000),
        },
        "isBase64Encoded": is_base64,
    }
    if query:
        event["queryStringParameters"] = {key: ",".join(values) for key, values in parse_qs(query).items()}
    if cookies:
        event["cookies"] = cookies
    if payload is not None:
        event["body"] = payload
    return event


def http_api_v2_event(method: str, path: str, stage: str = "$default", **kwargs: Any) -> dict[str, Any]:
    """HTTP API: rawPath carries the stage unless it is $default."""
    raw_path = path if stage == "$default" else f"/{stage}{path}"
    return http_v2_event(method, raw_path, HTTP_API_HOST, stage=stage, **kwargs)


def function_url_event(method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    """Lambda Function URL: payload 2.0 on a lambda-url host, no stage in the path."""
    return http_v2_event(method, path, FUNCTION_URL_HOST, **kwargs)


class LambdaContext:
    """The attributes of the context object Lambda passes to the handler."""

    function_name = "webhook-site-production"
    function_version = "$LATEST"
    invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:webhook-site-production"
    memory_limit_in_mb = 1024
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    log_group_name = "/aws/lambda/webhook-site-production"
    log_stream_name = "2026/11/22/[$LATEST]abcdef"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


def response_body(response: dict[str, Any]) -> bytes:
    body = response.get("body") or ""
    return base64.b64decode(body) if response.get("isBase64Encoded") else body.encode()
