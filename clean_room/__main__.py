"""python -m clean_room [noble|bookworm] [--reuse-base]: the README's quick start in a fresh root."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from clean_room.commands import CleanRoomError, run
from clean_room.distributions import DISTRIBUTIONS, Distribution
from clean_room.keyrings import archive_keyring
from clean_room.pytest_output import PytestPass, parse_pytest_passes, problems
from clean_room.quick_start import (
    PROJECT_DIR,
    check_refused_without_root,
    readme_commands,
    run_make_test,
    serve_and_check,
)
from clean_room.root_fs import (
    bootstrap,
    chroot_command,
    chroot_environment,
    entered,
    fresh_copy,
    remove_root,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WORKDIR = REPO_ROOT / "var" / "clean-room"


def minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


@dataclass
class Report:
    distribution: Distribution
    commit: str
    phases: list[tuple[str, float]] = field(default_factory=list)
    steps: dict[str, list[tuple[str, float]]] = field(default_factory=dict)  # per phase, if known
    facts: list[str] = field(default_factory=list)
    passes: list[PytestPass] = field(default_factory=list)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        print(f"== {name}", flush=True)
        started = time.monotonic()
        try:
            yield
        finally:
            self.phases.append((name, time.monotonic() - started))

    def markdown(self) -> str:
        timing = []
        for name, seconds in self.phases:
            timing.append(f"| {name} | {minutes(seconds)} |")
            timing += [
                f"| &nbsp;&nbsp;↳ {step} | {minutes(took)} |" for step, took in self.steps.get(name, [])
            ]
        lines = [
            f"# make clean-room: {self.distribution.title}",
            "",
            f"Commit {self.commit}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
            "",
            "| phase | m:ss |",
            "|---|---|",
            *timing,
            f"| **total** | **{minutes(sum(seconds for _, seconds in self.phases))}** |",
            "",
            "| pytest pass | passed | skipped | deselected | seconds | backends |",
            "|---|---|---|---|---|---|",
            *(
                f"| {p.database} | {p.count('passed')} | {p.count('skipped')} | {p.count('deselected')} "
                f"| {p.seconds:.0f} | {p.backends} |"
                for p in self.passes
            ),
            "",
            *(f"- {fact}" for fact in self.facts),
            *(
                f"- skipped in the {p.database} pass: {count} tests, because: {reason}"
                for p in self.passes
                for reason, count in skips_by_reason(p).items()
            ),
        ]
        return "\n".join(lines) + "\n"


def skips_by_reason(pytest_pass: PytestPass) -> Counter[str]:
    """pytest lists a skip per test location; the reason alone follows the "path:line: " part."""
    counts: Counter[str] = Counter()
    for number, located_reason in pytest_pass.skip_reasons:
        counts[located_reason.split(": ", 1)[-1]] += number
    return counts


def head_commit() -> str:
    commit = run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT).strip()
    if run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT).strip():
        print("note: uncommitted changes are not part of the proof (it clones HEAD)", file=sys.stderr)
    return commit


def clone_head(commit: str, target: Path) -> None:
    repository = run(
        ["git", "rev-parse", "--path-format=absolute", "--git-common-dir"], cwd=REPO_ROOT
    ).strip()
    run(["git", "clone", "--quiet", "--no-checkout", repository, str(target)])
    run(["git", "-C", str(target), "checkout", "--quiet", "--detach", commit])


def in_root(root: Path, command: str) -> str:
    completed = subprocess.run(
        chroot_command(root, command), env=chroot_environment(), capture_output=True, text=True, check=True
    )
    return completed.stdout.strip()


RUN_PHASE = "make run (as root), until its URL line"
TEST_PHASE = "make test (as root)"


def prove(distribution: Distribution, workdir: Path, reuse_base: bool) -> Report:
    commands = readme_commands()
    report = Report(distribution, head_commit())
    base, root, logs = workdir / "base", workdir / "root", workdir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with report.phase("remove the previous run's root"):
        remove_root(root)
    if not (reuse_base and (base / "usr" / "bin" / "make").exists()):
        with report.phase("debootstrap: minimal system + python3, make, ca-certificates"):
            bootstrap(distribution, archive_keyring(distribution, workdir.parent), base)
    with report.phase("copy the base, clone HEAD into it"):
        fresh_copy(base, root)
        clone_head(report.commit, root / PROJECT_DIR.lstrip("/"))
    report.facts.append(f"README quick start: {' then '.join(f'`{command}`' for command in commands)}")
    with entered(root):
        report.facts.append(f"in the root before the quick start: {in_root(root, 'python3 --version')}")
        with report.phase("make run without root: stops before pip"):
            report.facts.append(f"without root, make run said: `{check_refused_without_root(root, logs)}`")
        with report.phase(RUN_PHASE):
            checked = serve_and_check(root, logs)
        report.steps[RUN_PHASE] = checked.steps
        report.facts.append(
            f"make run printed: `{checked.up_line}`; from the host, POST captured hit {checked.hit_id}, "
            "the API returned it byte-exact, the hits page listed it"
        )
        with report.phase(TEST_PHASE):
            tests = run_make_test(root, logs)
        report.steps[TEST_PHASE] = tests.steps
        report.passes = parse_pytest_passes(tests.output)
        if tests.returncode != 0:
            raise CleanRoomError(f"make test failed ({tests.returncode}); see {logs / 'make-test.log'}")
        found = problems(report.passes, distribution)
        if found:
            raise CleanRoomError("make test passed, but: " + "; ".join(found))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("distribution", choices=sorted(DISTRIBUTIONS), nargs="?", default="noble")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help="default: var/clean-room")
    parser.add_argument(
        "--reuse-base", action="store_true", help="keep an earlier run's pristine debootstrap (faster reruns)"
    )
    args = parser.parse_args(argv)
    distribution = DISTRIBUTIONS[args.distribution]
    workdir = args.workdir.resolve() / distribution.suite
    try:
        report = prove(distribution, workdir, args.reuse_base)
    except CleanRoomError as error:
        print(f"clean room ({distribution.title}) FAILED: {error}", file=sys.stderr)
        return 1
    text = report.markdown()
    (workdir / "report.md").write_text(text)
    print(f"\n{text}\nwritten to {workdir / 'report.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
