"""SnapStart hooks, proven on a simulated lifecycle (tests/webhook_site/snapstart_environment.py).

Zappa's real handler initialises the production stage in a fresh process, the Lambda runtime client's
hooks runner runs our before-snapshot hook, and fork() stands in for restoring the snapshot: every
child starts from the very memory the "snapshot" held. The stand-in accepts only the credentials the
restored environments have, not the ones the environment was initialised with, as when Lambda hands
a restored environment credentials of its own. What only AWS can show (a real Firecracker snapshot,
the runtime's restore timing, which credentials Lambda really provides) is not claimed here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.zappa_stage import configured_variables, generated_settings_text, write_stage_settings
from local_rds_proxy import AwsCredential
from local_stack import ADMIN_USER, CREDENTIAL, REGION

pytestmark = [pytest.mark.mariadb_only, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parents[2]
# What the environment was initialised with; the stand-in does not know these keys.
INIT_CREDENTIAL = AwsCredential("AKIASNAPSHOTINIT0001", "credentials-of-the-initialising-environment")
# Zappa's handler exports the stage's aws_region as AWS_REGION; tokens are signed for it (the local
# stack's pretend account lives in the production stage's region).
STAGE_REGION = REGION
RESTORED = {
    "AWS_ACCESS_KEY_ID": CREDENTIAL.access_key_id,
    "AWS_SECRET_ACCESS_KEY": CREDENTIAL.secret_access_key,
}


def simulate(
    stack: Any, tmp_path: Path, children: list[dict[str, Any]], function_variables: dict[str, str]
) -> dict[str, Any]:
    """``function_variables``: the function configuration's variables (aws_environment_variables)."""
    settings_dir = tmp_path / "task"
    write_stage_settings(
        generated_settings_text(tmp_path),
        settings_dir,
        {
            "DATABASE_URL": stack.url(),
            "DATABASE_ADMIN_URL": stack.url(ADMIN_USER),
            "DATABASE_CA_BUNDLE": stack.ca_path,
            "DATABASE_CONN_MAX_AGE": "600",
            "DJANGO_SECRET_KEY": "snapstart-simulation-" + "k" * 50,
        },
    )
    environment = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    environment |= {
        "AWS_REGION": STAGE_REGION,
        "AWS_ACCESS_KEY_ID": INIT_CREDENTIAL.access_key_id,
        "AWS_SECRET_ACCESS_KEY": INIT_CREDENTIAL.secret_access_key,
        "SNAPSTART_RESOLVE_CREDENTIALS_AT_INIT": "1",
        "SNAPSTART_CHILDREN": json.dumps(children),
        **function_variables,
    }
    completed = subprocess.run(  # noqa: S603 - this venv's Python on our own simulation
        [sys.executable, "-m", "tests.webhook_site.snapstart_environment", str(settings_dir)],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout.splitlines()[-1])
    assert not [child for child in result["restored"] if "error" in child], result
    return dict(result)


@pytest.fixture
def lifecycle(make_stack: Any, tmp_path: Path) -> tuple[Any, dict[str, Any]]:
    stack = make_stack(region=STAGE_REGION)
    restored = {"environment": RESTORED, "run_hooks": True}
    without_hooks = {"environment": RESTORED, "run_hooks": False}
    production = configured_variables("production")
    return stack, simulate(stack, tmp_path, [restored, restored, without_hooks, without_hooks], production)


def test_the_snapshot_holds_a_warm_app_and_no_connection(lifecycle):
    _stack, result = lifecycle

    assert result["snapshot"] == {
        "open_sockets": 0,
        "django_set_up": True,
        "open_database_connections": [],
        "url_resolver_populated": True,
        # What the URLconf leaves to first use (hits/lazy_views.py), and the pages' Jinja2 templates.
        "lazy_view_modules_imported": ["hits.api", "hits.pages"],
        "jinja2_templates_compiled": [
            "hits/base.html",
            "hits/clear.html",
            "hits/hit_detail.html",
            "hits/hit_list.html",
        ],
    }


def test_without_instantiating_on_import_the_snapshot_would_hold_no_app(make_stack, tmp_path):
    # The control for the production function's INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT: Zappa otherwise
    # builds the app at the first invocation, after the snapshot, where no hook of ours ever runs.
    result = simulate(make_stack(region=STAGE_REGION), tmp_path, [], function_variables={})

    assert result["snapshot"] == {"open_sockets": 0, "django_set_up": False}


def test_each_restored_environment_captures_with_its_own_credentials_and_a_fresh_token(lifecycle):
    stack, result = lifecycle
    hooked = result["restored"][:2]

    assert [child["status"] for child in hooked] == [200, 200]
    assert [child["tokens_minted"] for child in hooked] == [1, 1]  # none was minted before the snapshot
    # Two from the hooked copies, two from the unhooked ones (rescued by the login retry, below).
    assert stack.rows("SELECT COUNT(*) FROM hits_hit WHERE path = '/production/hooks/snapstart'") == [(4,)]
    assert stack.stats()["auth_failures_by_reason"] == {"access_key": 2}  # the unhooked copies' only


def test_restored_environments_do_not_share_random_state(lifecycle):
    _stack, result = lifecycle
    hooked, unhooked = result["restored"][:2], result["restored"][2:]

    assert hooked[0]["random"] != hooked[1]["random"]
    # The control: without the hook every restored copy draws the same "random" numbers.
    assert unhooked[0]["random"] == unhooked[1]["random"]


def test_without_the_hook_a_restored_environment_signs_with_the_stale_credentials(lifecycle):
    _stack, result = lifecycle
    unhooked = result["restored"][2:]

    # The first token is signed with the init keys and refused; the 1045 retry resolves credentials
    # afresh and gets in: the request succeeds, at the price of a refused login per restore, which
    # the proxy's ClientConnectionsSetupFailedAuth metric (and its alarm) counts.
    assert [child["status"] for child in unhooked] == [200, 200]
    assert [child["tokens_minted"] for child in unhooked] == [2, 2]
