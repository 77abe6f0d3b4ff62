"""The moto server process: its request log, and the one call the zappa CLI needs that moto lacks."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from deploy_rehearsal.moto_server import MotoServer


def test_list_function_url_configs_answers_from_moto(moto: MotoServer, deploy_function) -> None:
    name = deploy_function("def lambda_handler(event, context):\n    return 1\n", register=False)
    client = moto.client("lambda")

    assert client.list_function_url_configs(FunctionName=name)["FunctionUrlConfigs"] == []
    client.create_function_url_config(FunctionName=name, AuthType="NONE")
    (config,) = client.list_function_url_configs(FunctionName=name)["FunctionUrlConfigs"]
    assert config["FunctionUrl"].endswith(".lambda-url.us-east-1.on.aws")


def test_list_function_url_configs_of_an_unknown_function_is_not_found(moto: MotoServer) -> None:
    with pytest.raises(ClientError) as raised:
        moto.client("lambda").list_function_url_configs(FunctionName="no-such-function")

    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_request_log_names_service_operation_and_status(moto: MotoServer) -> None:
    with pytest.raises(ClientError):
        moto.client("iam").get_role(RoleName="no-such-role")

    logged = moto.requests()[-1]
    assert (logged.service, logged.operation, logged.status) == ("iam", "GetRole", 404)
