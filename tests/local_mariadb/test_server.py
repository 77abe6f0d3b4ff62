import pytest

from local_mariadb import MariaDBServer

pytestmark = pytest.mark.mariadb_only


def test_harness_server_is_private_and_utf8mb4(mariadb_server: MariaDBServer) -> None:
    charset, isolation = mariadb_server.query("SELECT @@character_set_server, @@tx_isolation")[0]
    assert (charset, isolation) == ("utf8mb4", "READ-COMMITTED")
    assert str(mariadb_server.base_dir) in str(mariadb_server.query("SELECT @@datadir")[0][0])


def test_stop_and_start_keeps_data(tmp_path) -> None:
    with MariaDBServer(base_dir=tmp_path) as server:
        server.execute("CREATE DATABASE kept", "CREATE TABLE kept.t (x INT)", "INSERT INTO kept.t VALUES (7)")
        server.stop()
        assert not server.running
        server.start()
        assert server.query("SELECT x FROM kept.t") == [(7,)]
