"""Which statements pin, which change tracked state (RDS Proxy's documented rules), from text alone."""

from __future__ import annotations

import pytest

from local_rds_proxy.sql_classifier import PinReason, TrackedChange, classify_query, split_sql


def pin_reason(sql: str) -> PinReason | None:
    return classify_query(sql.encode()).pin_reason


def tracked(sql: str) -> list[TrackedChange]:
    classification = classify_query(sql.encode())
    assert classification.pin_reason is None
    return [change for statement in classification.statements for change in statement.tracked]


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("SET @x = 1", PinReason.USER_VARIABLE),
        ("SET @x := 1, @y = 2", PinReason.USER_VARIABLE),
        ("SELECT @total := COUNT(*) FROM t", PinReason.USER_VARIABLE),
        ("SELECT id INTO @last FROM t LIMIT 1", PinReason.USER_VARIABLE),
        ("SET foreign_key_checks = 0", PinReason.UNTRACKED_VARIABLE),
        ("SET SQL_AUTO_IS_NULL = 0", PinReason.UNTRACKED_VARIABLE),
        ("SET SESSION max_statement_time = 5", PinReason.UNTRACKED_VARIABLE),
        ("SET autocommit = 1, foreign_key_checks = 0", PinReason.UNTRACKED_VARIABLE),
        ("SET GLOBAL wait_timeout = 100", PinReason.UNTRACKED_VARIABLE),
        ("SET @@global.time_zone = '+00:00'", PinReason.UNTRACKED_VARIABLE),
        ("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", PinReason.NEXT_TRANSACTION_SCOPE),
        ("SET TRANSACTION READ ONLY", PinReason.NEXT_TRANSACTION_SCOPE),
        ("SET @@tx_isolation = 'SERIALIZABLE'", PinReason.NEXT_TRANSACTION_SCOPE),
        ("CREATE TEMPORARY TABLE t (x INT)", PinReason.TEMPORARY_TABLE),
        ("CREATE OR REPLACE TEMPORARY TABLE t (x INT)", PinReason.TEMPORARY_TABLE),
        ("LOCK TABLES t WRITE", PinReason.TABLE_LOCK),
        ("lock table t read", PinReason.TABLE_LOCK),
        ("FLUSH TABLES WITH READ LOCK", PinReason.TABLE_LOCK),
        ("PREPARE s FROM 'SELECT 1'", PinReason.PREPARED_STATEMENT),
        ("SELECT GET_LOCK('job', 10)", PinReason.NAMED_LOCK),
        ("SELECT /*! STRAIGHT_JOIN */ 1", PinReason.EXECUTABLE_COMMENT),
        ("SELECT 1 /*M!100100 + 1 */", PinReason.EXECUTABLE_COMMENT),
        ("SELECT LAST_INSERT_ID()", PinReason.SESSION_FUNCTION),
        ("SELECT FOUND_ROWS()", PinReason.SESSION_FUNCTION),
        ("SELECT ROW_COUNT()", PinReason.SESSION_FUNCTION),
        ("SELECT '" + "x" * 16_400 + "'", PinReason.STATEMENT_OVER_16KB),
    ],
)
def test_pinning_statement(sql: str, reason: PinReason) -> None:
    assert pin_reason(sql) is reason


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1",
        "INSERT INTO t (note) VALUES ('SET @x = 1; LOCK TABLES t WRITE /*! */')",
        "SELECT @x",  # reading a user variable changes nothing
        "SELECT 'GET_LOCK(' AS text",
        "-- SET @x = 1\nSELECT 1",
        "# LOCK TABLES t WRITE\nSELECT 1",
        "SELECT 1 /* GET_LOCK('x', 1) */",
        "BEGIN",
        "COMMIT",
        "CALL refresh_totals()",
        "INSERT INTO t VALUES (1); SELECT LAST_INSERT_ID()",  # same query, same backend
        "SET STATEMENT max_statement_time = 1 FOR SELECT 1",
        "SELECT '" + "x" * 16_000 + "'",
    ],
)
def test_statement_that_does_not_pin(sql: str) -> None:
    assert pin_reason(sql) is None


@pytest.mark.parametrize(
    ("sql", "key"),
    [
        ("SET autocommit=0", "autocommit"),
        ("SET NAMES utf8mb4", "names"),
        ("SET NAMES utf8mb4 COLLATE utf8mb4_bin", "names"),
        ("SET CHARACTER SET latin1", "names"),
        ("SET character_set_results = NULL", "character_set_results"),
        ("SET collation_connection = utf8mb4_bin", "collation_connection"),
        ("SET SESSION sql_mode = 'TRADITIONAL'", "sql_mode"),
        ("SET @@session.time_zone = '+05:00'", "time_zone"),
        ("SET @@time_zone = '+05:00'", "time_zone"),
        ("SET LOCAL wait_timeout = 100", "wait_timeout"),
        ("SET SESSION tx_isolation = 'SERIALIZABLE'", "transaction_isolation"),
        ("SET transaction_isolation = 'SERIALIZABLE'", "transaction_isolation"),
        ("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED", "transaction_isolation"),
        ("SET SESSION TRANSACTION READ ONLY", "transaction_read_only"),
        ("SET tx_read_only = 1", "transaction_read_only"),
        ("SET `auto_increment_increment` = 5", "auto_increment_increment"),
        ("SET session_track_schema = OFF", "session_track_schema"),
    ],
)
def test_tracked_setting(sql: str, key: str) -> None:
    assert [change.key for change in tracked(sql)] == [key]


def test_tracked_setting_replays_its_own_value() -> None:
    (change,) = tracked("SET sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES')")
    assert change.replay_sql == "SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES')"


def test_one_set_of_several_tracked_variables() -> None:
    changes = tracked("SET autocommit = 0, SESSION time_zone = '+01:00', NAMES utf8mb4")
    assert [change.key for change in changes] == ["autocommit", "time_zone", "names"]


def test_use_and_drop_database_are_tracked() -> None:
    (use,) = classify_query(b"USE `other db`").statements
    (drop,) = classify_query(b"DROP SCHEMA IF EXISTS gone").statements
    assert (use.use_schema, drop.dropped_schema) == ("other db", "gone")


def test_multi_statement_keeps_each_statements_effects() -> None:
    query = b"SET autocommit=0; INSERT INTO t VALUES (1); SET time_zone='+02:00'"
    statements = classify_query(query).statements
    assert [[change.key for change in statement.tracked] for statement in statements] == [
        ["autocommit"],
        [],
        ["time_zone"],
    ]


def test_split_sql_respects_quotes_and_comments() -> None:
    assert split_sql("SET a='x;y'; /* ; */ SET b=2 ;; ") == ["SET a='x;y'", "SET b=2"]
