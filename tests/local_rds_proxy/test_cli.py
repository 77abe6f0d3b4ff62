"""``python -m local_rds_proxy --config file.toml`` as a separate process, read through GET /stats."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from local_mariadb import MariaDBServer
from local_rds_proxy import CertificatePaths, ProxyConfig, RunningProxy, config_to_toml, read_ready_file
from local_rds_proxy.ready_file import ReadySignal, write_ready_file
from tests.local_rds_proxy.proxy_clients import (
    ACCOUNT_KEY,
    APP_PASSWORD,
    APP_USER,
    REGION,
    connect_mysqlclient,
    scalar,
)

pytestmark = pytest.mark.mariadb_only

REPOSITORY = Path(__file__).resolve().parents[2]


class _Address:
    """Just enough of RunningProxy for connect_mysqlclient."""

    def __init__(self, port: int) -> None:
        self.port = port


def write_config(path: Path, backend: MariaDBServer, certificates: CertificatePaths) -> Path:
    config = ProxyConfig(
        tls_cert=certificates.server_cert,
        tls_key=certificates.server_key,
        backend_port=backend.port,
        secrets={APP_USER: APP_PASSWORD},
        credentials=[ACCOUNT_KEY],
        region=REGION,
        endpoints=["127.0.0.1"],
        max_connections=5,
        borrow_timeout_seconds=10,
        idle_client_timeout_seconds=60,
        init_query="SET SESSION time_zone = '+03:00'",
        stats_port=0,
        stats_log_interval_seconds=0,
    )
    path.write_text(config_to_toml(config))
    return path


def wait_until_ready(process: subprocess.Popen[str], ready_file: Path) -> ReadySignal:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if (ready := read_ready_file(ready_file)) is not None:
            return ready
        if process.poll() is not None:
            pytest.fail(f"the proxy exited with {process.returncode} before listening")
        time.sleep(0.02)
    pytest.fail("the proxy wrote no ready file within 20 s")


@pytest.fixture
def proxy_process(
    tmp_path: Path, proxy_backend: MariaDBServer, proxy_certificates: CertificatePaths
) -> Iterator[tuple[subprocess.Popen[str], int, int]]:
    config = write_config(tmp_path / "proxy.toml", proxy_backend, proxy_certificates)
    ready_file = tmp_path / "ready.json"
    process = subprocess.Popen(  # noqa: S603 -- this interpreter running our own package
        [sys.executable, "-m", "local_rds_proxy", "--config", str(config), "--ready-file", str(ready_file)],
        cwd=REPOSITORY,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    ready = wait_until_ready(process, ready_file)
    # Written by the process itself, with every port it bound (both were 0, "any free one").
    assert ready.pid == process.pid
    assert ready.stats_port is not None
    yield process, ready.port, ready.stats_port
    if process.poll() is None:
        process.kill()
        process.wait()


def get_stats(port: int) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=5) as response:
        return json.load(response)


def test_cli_serves_clients_and_stats(
    proxy_process: tuple[subprocess.Popen[str], int, int], ca_path: str
) -> None:
    process, port, stats_port = proxy_process
    connection = connect_mysqlclient(_Address(port), ca_path)  # type: ignore[arg-type]
    # The InitQuery ran on the backend connection, as RDS Proxy's does.
    assert scalar(connection, "SELECT @@time_zone") == "+03:00"
    connection.close()
    stats = get_stats(stats_port)
    assert stats["ClientConnectionsSetupSucceeded"] == 1
    assert stats["tokens_verified"] == 1
    assert stats["MaxDatabaseConnectionsAllowed"] == 5
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0


def test_stats_endpoint_answers_404_elsewhere(proxy_process: tuple[subprocess.Popen[str], int, int]) -> None:
    _, _, stats_port = proxy_process
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"http://127.0.0.1:{stats_port}/", timeout=5)
    assert caught.value.code == 404


def test_cli_rejects_a_bad_config(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[listen]\nport = "not a number"\n')
    result = subprocess.run(  # noqa: S603 -- this interpreter running our own package
        [sys.executable, "-m", "local_rds_proxy", "--config", str(config)],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "listen.port has the wrong type" in result.stderr


def test_in_process_stats_match_the_endpoint(start_proxy: Callable[..., RunningProxy], ca_path: str) -> None:
    proxy = start_proxy(stats_port=0)
    connect_mysqlclient(proxy, ca_path).close()
    assert proxy.stats_port is not None
    over_http = get_stats(proxy.stats_port)
    in_process = proxy.stats()
    assert over_http["ClientConnectionsSetupSucceeded"] == in_process["ClientConnectionsSetupSucceeded"] == 1


def test_the_ready_file_is_replaced_whole(tmp_path: Path) -> None:
    path = tmp_path / "ready.json"
    assert read_ready_file(path) is None

    write_ready_file(path, ReadySignal(port=3406, stats_port=None, pid=42))
    write_ready_file(path, ReadySignal(port=3407, stats_port=9406, pid=43))

    assert read_ready_file(path) == ReadySignal(port=3407, stats_port=9406, pid=43)
    assert [entry.name for entry in tmp_path.iterdir()] == ["ready.json"]  # no temporary left behind
