"""How much work each mode does: full (the committed doc), quick (CI smoke, < 2 min), tiny (the test)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BenchSizes:
    name: str
    # B1: warm capture invocations per container, run in alternating rounds of `round_size`.
    reuse_invocations: int
    round_size: int
    warmup_invocations: int
    # B2: captures and raw INSERTs side by side, then a profiled batch of captures.
    floor_samples: int
    profiled_invocations: int
    # B3: simultaneous simulated containers per step, each doing `fanin_inserts` autocommit INSERTs.
    fanin_clients: tuple[int, ...]
    fanin_inserts: int
    # B4: table sizes, and requests per endpoint at each size.
    growth_rows: tuple[int, ...]
    growth_requests: int
    # B5: cold starts of each app, alternated; the site's zip without bytecode joins the first rounds.
    cold_starts: int
    cold_starts_without_bytecode: int
    # B5, outside the timed starts: starts of each app under -X importtime; timed secret-key reads.
    import_profiles: int
    secret_reads: int


FULL = BenchSizes(
    name="full",
    reuse_invocations=2000,
    round_size=100,
    warmup_invocations=30,
    floor_samples=2000,
    profiled_invocations=500,
    fanin_clients=(50, 100, 200, 500),
    fanin_inserts=5,
    growth_rows=(100, 10_000, 1_000_000),
    growth_requests=500,
    cold_starts=20,
    cold_starts_without_bytecode=10,
    import_profiles=5,
    secret_reads=5,
)
QUICK = BenchSizes(
    name="quick",
    reuse_invocations=300,
    round_size=50,
    warmup_invocations=10,
    floor_samples=300,
    profiled_invocations=100,
    fanin_clients=(50, 200),
    fanin_inserts=3,
    growth_rows=(100, 10_000),
    growth_requests=60,
    cold_starts=3,
    cold_starts_without_bytecode=0,  # the tiny run (the test suite's smoke test) covers it
    import_profiles=1,
    secret_reads=1,
)
TINY = BenchSizes(
    name="tiny",
    reuse_invocations=20,
    round_size=10,
    warmup_invocations=3,
    floor_samples=20,
    profiled_invocations=10,
    fanin_clients=(5, 70),
    fanin_inserts=2,
    growth_rows=(100, 300),
    growth_requests=5,
    cold_starts=1,
    cold_starts_without_bytecode=1,
    import_profiles=1,
    secret_reads=1,
)
MODES = {sizes.name: sizes for sizes in (FULL, QUICK, TINY)}
