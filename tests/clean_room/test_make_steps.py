"""Splitting a timed `make` output into its steps."""

from __future__ import annotations

from clean_room.make_steps import MAKE_RUN_STEPS, step_durations


def test_each_step_lasts_until_the_next_one_starts() -> None:
    lines = [
        (0.5, "make run needs system packages this machine lacks:"),
        (20.0, "test -x .venv/bin/pip || python3.12 -m venv .venv"),
        (50.0, ".venv/bin/python manage.py migrate --noinput"),
        (55.0, "webhook_site is up: http://127.0.0.1:8000/_/"),
    ]

    assert step_durations(lines, MAKE_RUN_STEPS, end=55.0) == [
        ("system packages (apt-get)", 20.0),
        ("venv with the site pins (pip)", 30.0),
        ("migrate, collectstatic, server start", 5.0),
    ]


def test_a_step_that_did_not_happen_counts_in_the_one_before() -> None:
    lines = [(0.1, "make: nothing to install"), (3.0, ".venv/bin/python manage.py migrate --noinput")]

    assert step_durations(lines, MAKE_RUN_STEPS, end=4.0) == [
        ("system packages (apt-get)", 3.0),
        ("migrate, collectstatic, server start", 1.0),
    ]
