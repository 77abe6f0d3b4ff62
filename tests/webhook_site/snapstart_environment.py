"""A simulated SnapStart lifecycle: ``python -m tests.webhook_site.snapstart_environment SETTINGS_DIR``.

This process is the execution environment Lambda initialises: it imports Zappa's handler module, as
the runtime imports the function's handler (with INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT, which the
production function sets, that import builds the LambdaHandler and sets Django up; the settings
module is in SETTINGS_DIR), then the before-snapshot hooks run through the Lambda runtime client's
own hooks runner (awslambdaric). "Snapshot" = what this process holds at that
point; each "restore" is a fork() of it, which starts from exactly that memory, as every restored
environment starts from the one snapshot. Each child applies its own environment changes (what the
restored environment differs in, e.g. its credentials), runs the after-restore hooks unless told not
to (the control), and serves one webhook capture. One JSON line on stdout describes it all.

SNAPSTART_CHILDREN (JSON): [{"environment": {...}, "run_hooks": true}, ...].
SNAPSTART_RESOLVE_CREDENTIALS_AT_INIT=1 makes init resolve AWS credentials, as any code that signed
something during init would, so the after-restore hook has something stale to drop.
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path
from typing import Any

SOCKET_LINK_PREFIX = "socket:"


def open_sockets() -> int:
    """Sockets this process holds (network connections would be frozen into a snapshot)."""
    descriptors = Path("/proc/self/fd")
    count = 0
    for descriptor in descriptors.iterdir():
        try:
            count += os.readlink(descriptor).startswith(SOCKET_LINK_PREFIX)
        except OSError:
            continue  # the descriptor of the directory listing itself is gone by now
    return count


def jinja2_engine() -> Any:
    from django.template import engines

    return next(engine for engine in engines.all() if engine.name == "jinja2")


def snapshot_state() -> dict[str, Any]:
    from django.apps import apps

    state: dict[str, Any] = {"open_sockets": open_sockets(), "django_set_up": apps.ready}
    if apps.ready:
        from django.db import connections
        from django.urls import get_resolver

        state["open_database_connections"] = [alias for alias in connections if connections[alias].connection]
        state["url_resolver_populated"] = get_resolver()._populated  # type: ignore[attr-defined]
        state["lazy_view_modules_imported"] = sorted(
            module for module in ("hits.pages", "hits.api") if module in sys.modules
        )
        state["jinja2_templates_compiled"] = sorted(name for _loader, name in jinja2_engine().env.cache)
    return state


def restored_environment(lambda_handler: Any, child: dict[str, Any]) -> dict[str, Any]:
    """What one restored copy does first: hooks, then a capture. Runs in the forked child."""
    from awslambdaric.lambda_runtime_hooks_runner import run_after_restore

    from tests.lambda_events import LambdaContext, rest_api_v1_event
    from webhook_site.db.iam_auth import tokens_minted

    os.environ.update(child["environment"])
    if child["run_hooks"]:
        run_after_restore()
    random_value = random.random()
    event = rest_api_v1_event(
        "POST", "/hooks/snapstart", "production", headers={"Content-Type": "text/plain"}, body=b"restored"
    )
    response = lambda_handler(event, LambdaContext())
    return {"random": random_value, "status": response["statusCode"], "tokens_minted": tokens_minted.count}


def fork_restore(lambda_handler: Any, child: dict[str, Any]) -> dict[str, Any]:
    # The random module reseeds itself in a forked child (os.register_at_fork); a snapshot restore
    # does no such thing, so the child first puts back the state the "snapshot" held.
    snapshot_random_state = random.getstate()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the restored environment
        random.setstate(snapshot_random_state)
        os.close(read_end)
        try:
            answer = restored_environment(lambda_handler, child)
        except BaseException as error:  # reported to the parent, which fails the test with it
            answer = {"error": repr(error)}
        with os.fdopen(write_end, "w") as pipe:
            pipe.write(json.dumps(answer))
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        answer = json.loads(pipe.read())
    os.waitpid(pid, 0)
    return dict(answer)


def main() -> None:
    sys.path.insert(0, sys.argv[1])  # zappa_settings.py, as Lambda has it in /var/task
    from awslambdaric.lambda_runtime_hooks_runner import run_before_snapshot
    from zappa import handler  # the function's handler module: init

    if os.environ.get("SNAPSTART_RESOLVE_CREDENTIALS_AT_INIT") and handler.global_handler is not None:
        from site_platform.aws import aws_credentials

        aws_credentials()
    run_before_snapshot()
    state = snapshot_state()
    children = json.loads(os.environ["SNAPSTART_CHILDREN"])
    state_after = [fork_restore(handler.lambda_handler, child) for child in children]
    print(json.dumps({"snapshot": state, "restored": state_after}))


if __name__ == "__main__":
    main()
