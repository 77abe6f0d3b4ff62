"""Reading `make test`'s output: the passes, their counts and skips, and what falls short of the proof."""

from __future__ import annotations

from clean_room.distributions import DISTRIBUTIONS
from clean_room.pytest_output import parse_pytest_passes, problems

NOBLE = DISTRIBUTIONS["noble"]
BOOKWORM = DISTRIBUTIONS["bookworm"]
LAMBDA_SKIP = "tests/lambda_artifact/conftest.py:40: no Python 3.12 found: install one or set LAMBDA_PYTHON"

MAKE_TEST_OUTPUT = f"""\
ruff check .
All checks passed!
TEST_DATABASE=mariadb .venv/bin/pytest
============================= test session starts ==============================
test database pass: mariadb (TEST_DATABASE)
collected 530 items
tests/hits/test_pages.py ........
=========================== short test summary info ============================
SKIPPED [12] {LAMBDA_SKIP}
database backends used: MariaDB 10.11.8 (started by the harness on 127.0.0.1:40111)
================= 517 passed, 12 skipped, 1 warning in 312.55s (0:05:12) =================
TEST_DATABASE=sqlite .venv/bin/pytest tests/hits tests/webhook_site tests/db_roles
test database pass: sqlite (TEST_DATABASE)
database backends used: SQLite 3.45.1 (embedded default)
================= 180 passed, 60 deselected in 41.02s =================
"""


def test_each_pass_has_its_database_counts_duration_backends_and_skips() -> None:
    mariadb, sqlite = parse_pytest_passes(MAKE_TEST_OUTPUT)

    assert (mariadb.database, mariadb.counts, mariadb.seconds) == (
        "mariadb",
        {"passed": 517, "skipped": 12, "warning": 1},
        312.55,
    )
    assert mariadb.backends.startswith("MariaDB 10.11.8")
    assert mariadb.skip_reasons == [(12, LAMBDA_SKIP)]
    assert (sqlite.database, sqlite.counts, sqlite.skip_reasons) == (
        "sqlite",
        {"passed": 180, "deselected": 60},
        [],
    )


def test_skips_for_python_3_12_are_accepted_only_where_the_distribution_lacks_it() -> None:
    passes = parse_pytest_passes(MAKE_TEST_OUTPUT)

    assert problems(passes, BOOKWORM) == []
    assert problems(passes, NOBLE) == [f"the mariadb pass skipped 12: {LAMBDA_SKIP}"]


def test_any_other_skip_a_failure_or_a_missing_mariadb_pass_falls_short() -> None:
    other_skip = MAKE_TEST_OUTPUT.replace(LAMBDA_SKIP, "tests/x.py:1: needs a browser")
    failed = MAKE_TEST_OUTPUT.replace("517 passed", "516 passed, 1 failed")
    sqlite_only = MAKE_TEST_OUTPUT.split("TEST_DATABASE=sqlite")[1]

    assert problems(parse_pytest_passes(other_skip), BOOKWORM) == [
        "the mariadb pass skipped 12: tests/x.py:1: needs a browser"
    ]
    assert problems(parse_pytest_passes(failed), BOOKWORM) == ["the mariadb pass had 1 failed"]
    assert problems(parse_pytest_passes(sqlite_only), NOBLE) == [
        "expected a mariadb pass then a sqlite pass, got ['sqlite']"
    ]


def test_browser_skips_are_accepted_only_where_apt_has_no_real_chromium() -> None:
    browser_skip = (
        "tests/hits/test_browser.py:97: the browser tests need Debian's chromium and chromium-driver"
    )
    output = MAKE_TEST_OUTPUT.replace(LAMBDA_SKIP, browser_skip)
    passes = parse_pytest_passes(output)

    assert problems(passes, NOBLE) == []
    assert problems(passes, BOOKWORM) == [f"the mariadb pass skipped 12: {browser_skip}"]
