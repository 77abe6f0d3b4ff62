"""Where the time goes inside `make run` and `make test`, told apart by the recipe lines make echoes."""

from __future__ import annotations

# (step, the echoed line that starts it); the first step starts with the command. A step whose line
# is absent (say, a venv that needed no pip) is counted in the step before it.
MAKE_RUN_STEPS = (
    ("system packages (apt-get)", ""),
    ("venv with the site pins (pip)", "test -x .venv/bin/pip"),
    ("migrate, collectstatic, server start", ".venv/bin/python manage.py migrate"),
)
MAKE_TEST_STEPS = (
    ("system packages (apt-get)", ""),
    ("test pins, mysqlclient compiled (pip)", "test -x .venv/bin/pip"),
    ("checkov's venv (pip)", "test -x .venv-tools/bin/pip"),
    ("lint", ".venv/bin/ruff check ."),
    ("MariaDB pass (builds the Lambda zip too)", "TEST_DATABASE=mariadb"),
    ("SQLite pass", "TEST_DATABASE=sqlite"),
)


def step_durations(
    timed_lines: list[tuple[float, str]], steps: tuple[tuple[str, str], ...], end: float
) -> list[tuple[str, float]]:
    """Seconds per step, from lines timed in seconds since the command started; ``end`` closes the last."""
    starts: list[tuple[str, float]] = []
    for name, marker in steps:
        started = next((seconds for seconds, line in timed_lines if line.startswith(marker)), None)
        if not marker:
            starts.append((name, 0.0))
        elif started is not None:
            starts.append((name, started))
    ends = [started for _, started in starts[1:]] + [end]
    return [(name, finish - started) for (name, started), finish in zip(starts, ends, strict=True)]
