"""The site's packages depend one way: site_platform, then the apps, then the project, then tools.

A package imports only packages of lower layers (and itself); packages of one layer never import each
other. Scanned from the source, function-level imports included.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
LAYERS = (
    ("site_platform",),  # AWS access, connection upkeep: imports none of ours
    ("endpoints",),  # endpoint rules: signatures, secrets, handshakes; knows nothing of hits
    ("hits", "db_roles"),  # the apps
    ("webhook_site",),  # settings, URLs, the database backend, Lambda entry points
)
LAYER_OF = {package: index for index, packages in enumerate(LAYERS) for package in packages}
# Everything else at the top of the repository starts, builds or tests the site: never imported by it.
TOOLS = {path.name for path in REPO.iterdir() if (path / "__init__.py").is_file()} - set(LAYER_OF) | {
    "infra",
    "tests",
}


def imported_packages(source: Path) -> set[str]:
    """Top-level names of every absolute import in ``source``."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(), str(source))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def allowed_imports(package: str) -> set[str]:
    return {package} | {lower for lower, layer in LAYER_OF.items() if layer < LAYER_OF[package]}


@pytest.mark.parametrize("package", sorted(LAYER_OF))
def test_a_package_imports_only_lower_layers(package: str) -> None:
    first_party = set(LAYER_OF) | TOOLS
    wrong = {
        f"{source.relative_to(REPO)} imports {name}"
        for source in sorted((REPO / package).rglob("*.py"))
        for name in imported_packages(source) & first_party - allowed_imports(package)
    }
    assert not wrong, sorted(wrong)


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    source = tmp_path / "module.py"
    source.write_text("def later():\n    from webhook_site.db import iam_auth\n")
    assert "webhook_site" in imported_packages(source) - allowed_imports("db_roles")
