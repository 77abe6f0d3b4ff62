"""B5 cold start: the shipped zip's first captured hit against a bare Django app's first response.

Both apps are built by the project's build, unpacked as Lambda unpacks them and started as Lambda
starts a python3.12 function: its runtime interface client (awslambdaric) driven through a local
Runtime API (bench.cold_start_apps, bench.lambda_function). A start is timed from the process's spawn
to the Runtime API receiving the first invocation's response; the runtime's first request for an
event marks the end of the init phase. Starts alternate between the apps (the site's zip stripped
of its bytecode joins the first rounds). Then, outside the timed starts:

- import profiles: starts under `python -X importtime`, alternating, per-module medians;
- a module audit (every loaded module comes from the zip, the runtime directory or the stdlib);
- the Secrets Manager read of Django's secret key that the production stage makes at each cold
  start, timed inside started functions against a local endpoint (the timed starts get the key in
  their environment, as the other benchmarks do, since nothing here reaches AWS).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import statistics
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.cold_start_apps import BARE, SITE, SITE_WITHOUT_BYTECODE, App, build_packages, prepare_apps
from bench.distribution import ratio
from bench.function_probes import KEY_READ_TIMING, MODULE_AUDIT, raw_command, read_report
from bench.import_profile import ImportGroup, grouped, median_module_times, module_times
from bench.lambda_function import ColdStart
from bench.progress import timed
from bench.secrets_manager_stub import SecretsManagerStub
from bench.sizes import MODES, BenchSizes
from bench.stack import BenchStack, start_site_stack
from local_stack import REGION

RAM_DISK = Path("/dev/shm")  # noqa: S108 - a private folder is made inside it
# What the stage's DJANGO_SECRET_KEY_SECRET_ARN would name (the stack's generated secret).
SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:123456789012:secret:webhook-site/django-secret-key-AbCdEf"


@dataclass(frozen=True)
class StartTiming:
    init_ms: float
    first_invocation_ms: float
    first_response_ms: float
    cpu_ms: float

    @classmethod
    def of(cls, start: ColdStart) -> StartTiming:
        return cls(start.init_ms, start.first_invocation_ms, start.first_response_ms, start.cpu_ms)


@dataclass(frozen=True)
class PackageFacts:
    megabytes: float
    files: int
    modules_loaded: int


@dataclass
class ColdStartResult:
    starts: dict[str, list[StartTiming]]
    import_times: dict[str, dict[str, float]]  # app -> module -> median own ms under -X importtime
    import_profiles: int
    packages: dict[str, PackageFacts]
    secret_reads_ms: list[float]
    step_seconds: dict[str, float] = field(default_factory=dict)

    def import_groups(self, app: str) -> dict[str, ImportGroup]:
        return grouped(self.import_times[app])

    def imports_only_in(self, app: str, other: str) -> tuple[int, float]:
        """How many modules ``app`` imports that ``other`` does not, and their own time (ms)."""
        extra = set(self.import_times[app]) - set(self.import_times[other])
        return len(extra), sum(self.import_times[app][module] for module in extra)

    def median(self, app: str, phase: str = "first_response_ms") -> float:
        return float(statistics.median(getattr(timing, phase) for timing in self.starts[app]))

    @property
    def ratio(self) -> float:
        return ratio(self.median(SITE), self.median(BARE))

    @property
    def cpu_ratio(self) -> float:
        return ratio(self.median(SITE, "cpu_ms"), self.median(BARE, "cpu_ms"))

    def paired_ratios(self) -> list[float]:
        """Each round's site start over the bare start of the same round (load drift hits both alike)."""
        return [
            ratio(site.first_response_ms, bare.first_response_ms)
            for site, bare in zip(self.starts[SITE], self.starts[BARE], strict=True)
        ]

    @property
    def bytecode_speedup(self) -> float:
        return ratio(self.median(SITE_WITHOUT_BYTECODE), self.median(SITE))

    @property
    def secret_read_ms(self) -> float:
        return statistics.median(self.secret_reads_ms)

    @property
    def ratio_with_secret_read(self) -> float:
        """The ratio had the timed starts also read the secret key, as the production stage does."""
        return ratio(self.median(SITE) + self.secret_read_ms, self.median(BARE))

    def import_total_ms(self, app: str) -> float:
        return sum(self.import_times[app].values())


@contextmanager
def scratch_directory() -> Iterator[Path]:
    """B5's builds and unpacked trees, in RAM when the machine has a RAM disk.

    Both are small-file I/O: `zappa package` copies the whole venv, the bytecode step unpacks every
    source, and an unpacked zip is ~10,000 files. On this machine's disk a build takes ~40 s longer
    and an unpacking ~13 s against ~2 s. The measured starts read the same files either way: a
    discarded first start of each function brings its tree into the page cache, where later starts
    find it whatever the file system.
    """
    parent = RAM_DISK if RAM_DISK.is_dir() and os.access(RAM_DISK, os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="webhook-site-b5-", dir=parent) as directory:
        yield Path(directory)


def alternating_starts(
    stack: BenchStack, apps: dict[str, App], sizes: BenchSizes, log: Path
) -> dict[str, list[StartTiming]]:
    """Rounds in which every app starts once, in an order that rotates from round to round."""
    starts: dict[str, list[StartTiming]] = {app: [] for app in apps}
    for number in range(sizes.cold_starts):
        arms = [SITE, BARE] + ([SITE_WITHOUT_BYTECODE] if number < sizes.cold_starts_without_bytecode else [])
        shift = number % len(arms)
        for app in arms[shift:] + arms[:shift]:
            starts[app].append(StartTiming.of(apps[app].start(stack, log)))
    return starts


def import_profiles(
    stack: BenchStack, apps: dict[str, App], profiles: int, directory: Path
) -> tuple[dict[str, dict[str, float]], dict[str, PackageFacts]]:
    """Alternating starts under -X importtime, each followed by the module audit."""
    logs: dict[str, list[str]] = {SITE: [], BARE: []}
    modules_loaded: dict[str, int] = {}
    report = directory / "module-audit.json"
    for number in range(profiles):
        for app in (SITE, BARE) if number % 2 == 0 else (BARE, SITE):
            audit = raw_command(MODULE_AUDIT, report)
            start = apps[app].start(stack, directory / "profiled.log", audit, options=("-X", "importtime"))
            answer = read_report(report)
            if answer["elsewhere"]:
                raise RuntimeError(f"{app} loaded modules from outside its zip: {answer['elsewhere']}")
            logs[app].append(start.stderr)
            modules_loaded[app] = int(answer["modules"])
    imports = {app: median_module_times([module_times(log) for log in logs[app]]) for app in logs}
    return imports, {app: package_facts(apps[app].package, modules_loaded[app]) for app in logs}


def package_facts(package: Path, modules_loaded: int) -> PackageFacts:
    with zipfile.ZipFile(package) as archive:
        files = sum(1 for info in archive.infolist() if not info.is_dir())
    return PackageFacts(package.stat().st_size / 2**20, files, modules_loaded)


def secret_reads(stack: BenchStack, site: App, reads: int, directory: Path) -> list[float]:
    """The production stage's first secret-key read, timed inside ``reads`` fresh site functions."""
    secret_key = stack.stage_variables(0)["DJANGO_SECRET_KEY"]
    report = directory / "secret-read.json"
    timings = []
    with SecretsManagerStub(SECRET_ARN, secret_key) as endpoint:
        probe = raw_command(KEY_READ_TIMING, report, endpoint=endpoint.endpoint_url, secret_arn=SECRET_ARN)
        for _ in range(reads):
            site.start(stack, directory / "secret-read.log", probe)
            timings.append(float(read_report(report)["elapsed_ms"]))
        if endpoint.reads != reads:
            raise RuntimeError(f"the secret was read {endpoint.reads} times, not {reads}")
    return timings


def run(stack: BenchStack, sizes: BenchSizes) -> ColdStartResult:
    steps: dict[str, float] = {}
    with scratch_directory() as directory:
        with_stripped = sizes.cold_starts_without_bytecode > 0
        packages = timed(steps, "B5 builds", lambda: build_packages(directory, with_stripped))
        apps = timed(steps, "B5 unpacking", lambda: prepare_apps(stack, directory, packages))
        for app in apps.values():  # discarded: brings each tree into the page cache, as on a warm host
            app.start(stack, directory / "discarded.log")
        starts = timed(
            steps,
            "B5 alternating starts",
            lambda: alternating_starts(stack, apps, sizes, directory / "start.log"),
        )
        imports, facts = import_profiles(stack, apps, sizes.import_profiles, directory)
        reads = secret_reads(stack, apps[SITE], sizes.secret_reads, directory)
        for app in apps.values():
            app.function.check_unchanged()
    return ColdStartResult(starts, imports, sizes.import_profiles, facts, reads, steps)


def summary(result: ColdStartResult) -> str:
    """The medians side by side and the import groups the site adds, as plain text."""
    phases = ("init_ms", "first_invocation_ms", "first_response_ms", "cpu_ms")
    lines = [
        f"{'app':<32} {'starts':>6} {'init':>6} {'1st invocation':>14} {'1st response':>12} {'CPU':>6} (ms)"
    ]
    for app, starts in result.starts.items():
        init, invocation, response, cpu = (result.median(app, phase) for phase in phases)
        lines.append(
            f"{app:<32} {len(starts):>6} {init:>6.0f} {invocation:>14.0f} {response:>12.0f} {cpu:>6.0f}"
        )
    paired = sorted(result.paired_ratios())
    lines.append(f"ratio of the medians {result.ratio:.2f}x (CPU {result.cpu_ratio:.2f}x)")
    lines.append(f"round by round {paired[0]:.2f}x to {paired[-1]:.2f}x")
    extra, extra_ms = result.imports_only_in(SITE, BARE)
    site_modules, bare_modules = result.packages[SITE].modules_loaded, result.packages[BARE].modules_loaded
    lines.append(f"modules loaded: site {site_modules}, bare {bare_modules}")
    lines.append(f"only in the site: {extra} modules, {extra_ms:.1f} ms own time under -X importtime")
    site_groups, bare_groups = result.import_groups(SITE), result.import_groups(BARE)
    for group in sorted(site_groups.values(), key=lambda group: -group.own_ms)[:25]:
        bare = bare_groups.get(group.name)
        bare_text = f"{bare.own_ms:6.1f} ms ({bare.modules})" if bare else "-"
        lines.append(f"  {group.name:<36} site {group.own_ms:6.1f} ms ({group.modules:>3})  bare {bare_text}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """B5 alone, for working on the cold start: printed, never written to docs/benchmarks.md (the
    ratio there comes from a whole `make bench` run)."""
    parser = argparse.ArgumentParser(prog="python -m bench.b5_cold_start", description=main.__doc__)
    parser.add_argument("--mode", choices=sorted(MODES), default="quick", help="B5's sizes from this mode")
    parser.add_argument("--starts", type=int, help="cold starts of each app (default: the mode's)")
    args = parser.parse_args(argv)
    sizes = MODES[args.mode]
    if args.starts is not None:
        sizes = dataclasses.replace(sizes, cold_starts=args.starts)
    work_dir = Path(tempfile.mkdtemp(prefix="webhook-site-b5-"))
    try:
        stack = start_site_stack(work_dir)
        try:
            result = run(stack, sizes)
        finally:
            stack.stop()
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    print(summary(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
