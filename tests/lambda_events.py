"""Real API Gateway and Function URL event shapes, for the tests and bench/ (which imports from here).

The builders live in deploy_rehearsal.lambda_events, because the rehearsal's local API Gateway builds
the same events for the requests it forwards to the deployed function.
"""

from deploy_rehearsal.lambda_events import (
    FUNCTION_URL_HOST,
    HTTP_API_HOST,
    REGION,
    REST_API_HOST,
    SOURCE_IP,
    LambdaContext,
    function_url_event,
    http_api_v2_event,
    http_v2_event,
    response_body,
    rest_api_v1_event,
)

__all__ = [
    "FUNCTION_URL_HOST",
    "HTTP_API_HOST",
    "REGION",
    "REST_API_HOST",
    "SOURCE_IP",
    "LambdaContext",
    "function_url_event",
    "http_api_v2_event",
    "http_v2_event",
    "response_body",
    "rest_api_v1_event",
]
