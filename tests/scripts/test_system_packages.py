"""scripts/system-packages: what each purpose needs, and what it says when it cannot install."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "system-packages"


def load_script() -> ModuleType:
    # Named without .py (it is a command), so it is loaded from its path.
    loader = importlib.machinery.SourceFileLoader("system_packages", str(SCRIPT))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[loader.name] = module  # dataclasses resolves the module's annotations through it
    loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return load_script()


def test_this_machine_which_runs_the_tests_has_every_need_of_the_test_profile() -> None:
    # The probes agree with reality: whatever lets this suite run is reported as present.
    completed = subprocess.run(  # noqa: S603 - this interpreter on our own script
        [sys.executable, str(SCRIPT), "test", "--check"], capture_output=True, text=True, check=False
    )
    # Nothing is missing; at most a note for what apt cannot provide here (Chromium on Ubuntu).
    notes = completed.stderr.splitlines()
    assert completed.returncode == 0
    assert all(note.startswith("Not installed: chromium") for note in notes), notes


def test_the_test_profile_includes_everything_make_run_needs(script: ModuleType) -> None:
    assert set(script.PROFILES["run"]) <= set(script.PROFILES["test"])


def test_interpreter_packages_are_named_after_the_running_python(script: ModuleType) -> None:
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    packages = {need.package for need in script.PROFILES["test"]}
    assert {f"python{version}-venv", f"python{version}-dev"} <= packages


def test_an_absent_command_is_missing_and_a_present_one_is_not(script: ModuleType) -> None:
    absent = script.Need("no-such-package", "a control", script.commands("no-such-command-webhook-site"))
    present = script.Need("coreutils", "a control", script.commands("ls"))
    script.PROFILES["control"] = (absent, present)
    try:
        assert script.missing_needs("control") == [absent]
    finally:
        del script.PROFILES["control"]


def test_without_root_the_message_lists_each_need_and_the_one_command_to_run(script: ModuleType) -> None:
    missing = [
        script.Need("gcc", "compiles mysqlclient", script.commands("gcc")),
        script.Need("libmariadb-dev", "the client library", script.commands("gcc")),
        script.Need("gcc", "also wanted by something else", script.commands("gcc")),
    ]
    packages = script.package_names(missing)

    assert packages == ["gcc", "libmariadb-dev"]
    assert script.install_command(packages) == (
        "sudo apt-get update && sudo apt-get install -y gcc libmariadb-dev"
    )
    assert script.describe("test", missing).splitlines()[1:3] == [
        "  gcc             compiles mysqlclient",
        "  libmariadb-dev  the client library",
    ]


def test_a_need_apt_cannot_provide_here_is_reported_not_installed(script: ModuleType) -> None:
    snap_only = script.Need(
        "no-such-package", "a control", script.commands("no-such-command-webhook-site"), lambda: "a snap"
    )
    script.PROFILES["control"] = (snap_only,)
    try:
        assert script.missing_needs("control") == []
        assert script.unavailable_needs("control") == [(snap_only, "a snap")]
    finally:
        del script.PROFILES["control"]


@pytest.mark.parametrize(("distribution", "installable"), [("debian", True), ("ubuntu", False)])
def test_chromium_comes_from_apt_on_debian_only(
    script: ModuleType, monkeypatch: pytest.MonkeyPatch, distribution: str, installable: bool
) -> None:
    monkeypatch.setattr(script, "os_release_id", lambda: distribution)
    browser_needs = {need.package: need for need in script.BROWSER_TESTS}
    assert set(browser_needs) == {"chromium", "chromium-driver"}
    assert all((need.unavailable() is None) == installable for need in browser_needs.values())
