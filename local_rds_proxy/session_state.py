"""The tracked session state of a client or a backend, and how to make a backend's match a client's."""

from __future__ import annotations

from dataclasses import dataclass, field

from local_rds_proxy.sql_classifier import CHARSET_KEYS, TrackedChange


@dataclass
class SessionState:
    """Current schema plus the tracked settings made since login (or since the last reset).

    ``tracked`` maps a setting's key to the SQL that recreates it, in the order the settings were last
    made, so that replaying it in order gives the same result (e.g. NAMES before character_set_results).
    """

    schema: str | None = None
    tracked: dict[str, str] = field(default_factory=dict)

    def apply(self, change: TrackedChange) -> None:
        self.tracked.pop(change.key, None)
        if change.key == "names":
            # SET NAMES / CHARACTER SET overwrite these; replaying older values first would be pointless.
            for key in CHARSET_KEYS:
                self.tracked.pop(key, None)
        self.tracked[change.key] = change.replay_sql

    def copy(self) -> SessionState:
        return SessionState(self.schema, dict(self.tracked))

    def reset(self) -> None:
        """What COM_RESET_CONNECTION leaves: tracked settings gone, current schema kept (MariaDB 10.11)."""
        self.tracked.clear()


@dataclass(frozen=True)
class SyncPlan:
    """What to run on a backend so that its session state equals the client's."""

    reset: bool = False
    init_db: str | None = None
    statements: tuple[str, ...] = ()

    @property
    def cost(self) -> int:
        """Rough number of round trips, used to prefer the idle backend that is cheapest to reuse."""
        return 3 * self.reset + (self.init_db is not None) + len(self.statements)


def plan_sync(backend: SessionState, client: SessionState) -> SyncPlan:
    """Plan the commands that turn ``backend``'s state into ``client``'s."""
    init_db = client.schema if client.schema is not None and client.schema != backend.schema else None
    if backend.tracked == client.tracked:
        return SyncPlan(init_db=init_db)
    if any(key not in client.tracked for key in backend.tracked):
        # The backend carries a setting the client never made: only a reset removes it.
        return SyncPlan(reset=True, init_db=init_db, statements=tuple(client.tracked.values()))
    differing = {key for key, sql in client.tracked.items() if backend.tracked.get(key) != sql}
    if differing & CHARSET_KEYS:
        differing |= CHARSET_KEYS  # charset settings overlap, so replay them all, in the client's order
    statements = tuple(sql for key, sql in client.tracked.items() if key in differing)
    return SyncPlan(init_db=init_db, statements=statements)
