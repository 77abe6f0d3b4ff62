"""The zip's own MySQLdb (mysqlclient-static + the shipped plugin) logs in with IAM through the stand-in.

Each test runs a Python 3.12 whose sys.path is the unpacked zip plus the standard library only, with
MARIADB_PLUGIN_DIR pointing into the zip as the function's environment does.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local_mariadb import MariaDBServer
from local_rds_proxy import CertificatePaths, ProxyConfig, ProxyServer, RunningProxy
from local_stack import CREDENTIAL, REGION
from tests.lambda_artifact.conftest import run_probe

APP_USER, APP_PASSWORD = "package_app", "package-app-db-password"
DATABASE = "package_probe"
ACCESS_DENIED = 1045
STATIC_BUILD_PLUGIN_DIR = "/opt/mysqlclient-static/lib/mariadb/plugin/"  # compiled into the wheel


@pytest.fixture(scope="module")
def package_proxy(
    mariadb_server: MariaDBServer, package_certificates: CertificatePaths
) -> Iterator[RunningProxy]:
    mariadb_server.execute(f"CREATE DATABASE IF NOT EXISTS {DATABASE}")
    mariadb_server.create_user(APP_USER, APP_PASSWORD, f"SELECT ON {DATABASE}.*")
    config = ProxyConfig(
        tls_cert=package_certificates.server_cert,
        tls_key=package_certificates.server_key,
        backend_port=mariadb_server.port,
        secrets={APP_USER: APP_PASSWORD},
        credentials=[CREDENTIAL],
        region=REGION,
        stats_log_interval_seconds=0,
    )
    with ProxyServer(config).start_in_thread() as proxy:
        yield proxy


def proxy_environment(proxy: RunningProxy, certificates: CertificatePaths) -> dict[str, str]:
    return {
        "PROBE_HOST": "127.0.0.1",
        "PROBE_PORT": str(proxy.port),
        "PROBE_USER": APP_USER,
        "PROBE_CA": str(certificates.ca_cert),
    }


def test_package_imports_its_own_static_mysqldb(unpacked_package):
    result = run_probe(unpacked_package, "import")

    assert result["mysqldb_file"].startswith(str(unpacked_package))
    assert result["static_build"] is True
    assert result["client_info"].startswith("3.4.")


@pytest.mark.mariadb_only
def test_package_driver_logs_in_with_a_token_over_verified_tls(
    unpacked_package, package_proxy, package_certificates
):
    result = run_probe(unpacked_package, "connect", **proxy_environment(package_proxy, package_certificates))

    assert result == {"current_user": f"{APP_USER}@%"}


@pytest.mark.mariadb_only
def test_without_the_shipped_plugin_login_fails(unpacked_package, package_proxy, package_certificates):
    # The control: the static build has no clear-password plugin of its own (RDS_PROXY_NOTES §5.4).
    result = run_probe(
        unpacked_package,
        "connect",
        MARIADB_PLUGIN_DIR="",
        **proxy_environment(package_proxy, package_certificates),
    )

    # Connector/C names the plugin error but returns the code of the server's refusal that follows.
    code, message = result["error"]
    assert code == ACCESS_DENIED
    assert message.startswith("Plugin mysql_clear_password could not be loaded: " + STATIC_BUILD_PLUGIN_DIR)


@pytest.mark.mariadb_only
def test_package_django_backend_logs_in_through_the_proxy(
    unpacked_package, package_proxy, package_certificates
):
    result = run_probe(
        unpacked_package,
        "django",
        DATABASE_URL=f"mysql-iam://{APP_USER}@127.0.0.1:{package_proxy.port}/{DATABASE}",
        DATABASE_CA_BUNDLE=str(package_certificates.ca_cert),
    )

    assert result == {"current_user": f"{APP_USER}@%", "engine": "webhook_site.db.mysql_iam"}
