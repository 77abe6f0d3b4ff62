"""How a borrowed backend's tracked state is brought in line with the client's."""

from __future__ import annotations

from local_rds_proxy.session_state import SessionState, SyncPlan, plan_sync
from local_rds_proxy.sql_classifier import TrackedChange

NAMES = TrackedChange("names", "SET NAMES utf8mb4")
AUTOCOMMIT_OFF = TrackedChange("autocommit", "SET SESSION autocommit = 0")
AUTOCOMMIT_ON = TrackedChange("autocommit", "SET SESSION autocommit = 1")
ZONE = TrackedChange("time_zone", "SET SESSION time_zone = '+05:00'")
RESULTS = TrackedChange("character_set_results", "SET SESSION character_set_results = NULL")


def state(*changes: TrackedChange, schema: str | None = "db") -> SessionState:
    result = SessionState(schema=schema)
    for change in changes:
        result.apply(change)
    return result


def test_identical_state_needs_nothing() -> None:
    assert plan_sync(state(NAMES, ZONE), state(NAMES, ZONE)) == SyncPlan()


def test_missing_settings_are_replayed_without_a_reset() -> None:
    assert plan_sync(state(NAMES), state(NAMES, ZONE)) == SyncPlan(statements=(ZONE.replay_sql,))


def test_a_different_value_is_overwritten_without_a_reset() -> None:
    plan = plan_sync(state(NAMES, AUTOCOMMIT_OFF), state(NAMES, AUTOCOMMIT_ON))
    assert plan == SyncPlan(statements=(AUTOCOMMIT_ON.replay_sql,))


def test_a_setting_the_client_never_made_needs_a_reset() -> None:
    plan = plan_sync(state(NAMES, ZONE), state(NAMES))
    assert plan == SyncPlan(reset=True, statements=(NAMES.replay_sql,))


def test_charset_settings_are_replayed_together_in_client_order() -> None:
    plan = plan_sync(state(NAMES), state(NAMES, RESULTS))
    assert plan.statements == (NAMES.replay_sql, RESULTS.replay_sql)


def test_set_names_supersedes_earlier_charset_variables() -> None:
    assert list(state(RESULTS, NAMES).tracked) == ["names"]


def test_schema_is_changed_with_init_db() -> None:
    assert plan_sync(state(schema="a"), state(schema="b")) == SyncPlan(init_db="b")


def test_client_without_schema_leaves_the_backend_schema_alone() -> None:
    assert plan_sync(state(schema="a"), state(schema=None)) == SyncPlan()


def test_later_setting_moves_to_the_end_of_the_replay_order() -> None:
    assert list(state(ZONE, NAMES, ZONE).tracked) == ["names", "time_zone"]
