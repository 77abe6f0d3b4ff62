"""What `make test`'s output says: per pytest pass, its database, counts, duration and skip reasons."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from clean_room.distributions import Distribution

# Lines tests/conftest.py prints: the pass header and, at the end, the backends actually used.
PASS_HEADER = re.compile(r"^test database pass: (\w+) \(TEST_DATABASE\)$")
BACKENDS = "database backends used: "
# pytest's closing line, e.g. "==== 512 passed, 3 deselected in 201.37s (0:03:21) ====".
FINAL_LINE = re.compile(r"^=+ (?P<counts>.+) in (?P<seconds>[\d.]+)s(?: \([\d:]+\))? =+$")
COUNT = re.compile(r"(\d+) (\w+)")
SINGULAR = {"errors": "error", "warnings": "warning"}  # "1 error" but "2 errors"
SKIPPED = re.compile(r"^SKIPPED \[(\d+)\] (.+)$")  # -ra's short summary, one line per reason


@dataclass
class PytestPass:
    database: str
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    backends: str = ""
    skip_reasons: list[tuple[int, str]] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return self.counts.get(outcome, 0)


def parse_pytest_passes(output: str) -> list[PytestPass]:
    passes: list[PytestPass] = []
    for line in output.splitlines():
        line = line.rstrip()
        if header := PASS_HEADER.match(line):
            passes.append(PytestPass(header[1]))
        elif not passes:
            continue
        elif line.startswith(BACKENDS):
            passes[-1].backends = line.removeprefix(BACKENDS)
        elif skipped := SKIPPED.match(line):
            passes[-1].skip_reasons.append((int(skipped[1]), skipped[2]))
        elif final := FINAL_LINE.match(line):
            passes[-1].counts = {
                SINGULAR.get(outcome, outcome): int(number)
                for number, outcome in COUNT.findall(final["counts"])
            }
            passes[-1].seconds = float(final["seconds"])
    return passes


def skip_is_the_distributions(reason: str, distribution: Distribution) -> bool:
    """Only what the distribution cannot provide may skip: the Lambda zip's tests without a Python
    3.12, the browser tests without a real (non-snap) Chromium. Matched on the skip messages'
    own words (tests/lambda_package.py, screenshots/chromium.py)."""
    zip_without_python = not distribution.has_python_3_12 and "Python 3.12" in reason
    browser_without_chromium = not distribution.packages_chromium and "Debian's chromium" in reason
    return zip_without_python or browser_without_chromium


def problems(passes: list[PytestPass], distribution: Distribution) -> list[str]:
    """Why these passes fall short of the proof; empty when they make it."""
    found = []
    if [pytest_pass.database for pytest_pass in passes] != ["mariadb", "sqlite"]:
        found.append(f"expected a mariadb pass then a sqlite pass, got {[p.database for p in passes]}")
    for pytest_pass in passes:
        if pytest_pass.count("passed") == 0:
            found.append(f"the {pytest_pass.database} pass ran no test")
        for outcome in ("failed", "error"):
            if pytest_pass.count(outcome):
                found.append(f"the {pytest_pass.database} pass had {pytest_pass.count(outcome)} {outcome}")
        for number, reason in pytest_pass.skip_reasons:
            if not skip_is_the_distributions(reason, distribution):
                found.append(f"the {pytest_pass.database} pass skipped {number}: {reason}")
    mariadb_passes = [pytest_pass for pytest_pass in passes if pytest_pass.database == "mariadb"]
    if mariadb_passes and "MariaDB" not in mariadb_passes[0].backends:
        found.append(f"the mariadb pass used {mariadb_passes[0].backends or 'no backend'!r}")
    return found
