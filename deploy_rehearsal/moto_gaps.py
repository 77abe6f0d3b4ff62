"""Where moto 5.2.5 answers the CLI's calls differently from AWS, as observed in this run.

Each observation names what moto did, what AWS does instead, and how the rehearsal covers the
difference; docs/deploy.md ("Rehearsed locally") lists them too. An observation that stops
appearing after a moto upgrade means moto now behaves like AWS there.
"""

from __future__ import annotations

from deploy_rehearsal.expectations import StageExpectations
from deploy_rehearsal.moto_server import LoggedRequest, MotoServer


def after_deploy(aws: MotoServer, expected: StageExpectations, stack_vpc_id: str) -> list[str]:
    """Gaps visible while the stage is deployed."""
    requests = aws.requests()
    gaps = [*_function_gaps(aws, expected, stack_vpc_id), *_permission_gaps(requests)]
    if expected.api_gateway:
        gaps += _api_gaps(aws, expected)
    return gaps


def _function_gaps(aws: MotoServer, expected: StageExpectations, stack_vpc_id: str) -> list[str]:
    config = aws.client("lambda").get_function_configuration(FunctionName=expected.function_name)
    gaps = [
        "Lambda Invoke: moto runs functions only in Docker (absent here); the rehearsal runs the "
        "deployed zip itself (deploy_rehearsal.local_lambda), so `zappa invoke`/`manage` are not rehearsed",
        f"Lambda State {config.get('State')}/{config.get('LastUpdateStatus')} at once: the CLI's waiters "
        "pass immediately, where AWS keeps a VPC function Pending while it sets up network interfaces",
    ]
    vpc_id = (config.get("VpcConfig") or {}).get("VpcId")
    if expected.subnet_ids and vpc_id != stack_vpc_id:
        gaps.append(
            f"Lambda VpcConfig: VpcId reads back {vpc_id!r}, not the subnets' {stack_vpc_id}; moto checks "
            "neither that subnets and security group exist in one VPC nor that the role may create network "
            "interfaces (the rehearsal reads the role's policy for that)"
        )
    if (
        expected.snap_start != "None"
        and (config.get("SnapStart") or {}).get("ApplyOn") != expected.snap_start
    ):
        gaps.append(
            f"Lambda SnapStart: moto reads back {config.get('SnapStart')} whatever CreateFunction sent; the "
            "rehearsal checks the request, and that the alias API Gateway invokes tracks the newest version"
        )
    if "RevisionId" not in config:
        gaps.append(
            "Lambda GetFunctionConfiguration has no RevisionId (the rehearsal keys revisions on versions)"
        )
    return gaps


def _permission_gaps(requests: list[LoggedRequest]) -> list[str]:
    added = [
        r for r in requests if r.service == "lambda" and r.method == "POST" and r.path.endswith("/policy")
    ]
    if not any(r.status == 200 for r in added):
        return []
    return [
        'Lambda AddPermission answers 200 where AWS answers 201, so the CLI logs "Problem creating '
        'permission to invoke Lambda function"; the permission is stored (checked on the function policy)'
    ]


def _api_gaps(aws: MotoServer, expected: StageExpectations) -> list[str]:
    apigateway = aws.client("apigateway")
    api = next(api for api in apigateway.get_rest_apis()["items"] if api["name"] == expected.function_name)
    gaps = []
    if expected.binary_support and "*/*" not in api.get("binaryMediaTypes", []):
        gaps.append(
            f"API Gateway UpdateRestApi add /binaryMediaTypes/*~1*: moto stores the patch's (absent) value, "
            f"reading back {api.get('binaryMediaTypes')} instead of ['*/*']; the rehearsal checks the request"
        )
    if api.get("minimumCompressionSize") is None:
        gaps.append(
            "API Gateway UpdateRestApi replace /minimumCompressionSize: ignored by moto (reads back none); "
            "the CLI sends 0 (payload_compression)"
        )
    return gaps


def after_undeploy(aws: MotoServer, expected: StageExpectations, api_id: str | None) -> list[str]:
    gaps = []
    if api_id is not None and api_id in [
        api["id"] for api in aws.client("apigateway").get_rest_apis()["items"]
    ]:
        gaps.append(
            "CloudFormation DeleteStack: moto deletes Zappa's stack but not the AWS::ApiGateway::RestApi it "
            "created; AWS deletes a stack's resources with it (UNVERIFIED here)"
        )
    if any(r.path.endswith("/urls") for r in aws.requests() if r.service == "lambda"):
        gaps.append(
            "Lambda ListFunctionUrlConfigs: not in moto (HTML 404, `zappa update` exits 255); answered by "
            "the rehearsal's moto process from moto's own function records (moto_server.MissingOperations)"
        )
    return gaps
