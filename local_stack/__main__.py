"""python -m local_stack [--port 8000]: MariaDB + RDS Proxy stand-in + the site on the IAM backend."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
from pathlib import Path

from django.core.management.base import SystemCheckError

from local_mariadb import ServerAlreadyRunning
from local_rds_proxy import RunningProxy
from local_stack.stack import LocalStack, local_password
from local_stack.state_dir import StateDirInUse, own_state_dir

STATE_DIR = Path(__file__).resolve().parent.parent / "var" / "stack"
# The admin-site user, in the stack's own database (a plain `createsuperuser` would use SQLite).
SITE_ADMIN = "admin"
SITE_ADMIN_PASSWORD_FILE = STATE_DIR / "admin-password"


def check_port_free(port: int) -> None:
    """Say so at once, before MariaDB and the stand-in start, when the site's port is taken."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            raise SystemExit(
                f"127.0.0.1:{port} is not free ({error.strerror}): stop what listens there, "
                "or pick another port (.venv/bin/python -m local_stack --port N)"
            ) from None


def exit_on_sigterm(signum: int, frame: object) -> None:
    sys.exit(128 + signum)  # SystemExit unwinds the stack, so everything started is stopped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8000, help="where the site listens")
    parser.add_argument("--proxy-port", type=int, default=3406, help="where the stand-in listens")
    parser.add_argument("--stats-port", type=int, default=9406, help="the stand-in's JSON stats endpoint")
    args = parser.parse_args()

    signal.signal(signal.SIGTERM, exit_on_sigterm)
    try:
        with own_state_dir(STATE_DIR):
            check_port_free(args.port)
            run_stack(args)
    except (StateDirInUse, ServerAlreadyRunning) as error:
        raise SystemExit(str(error)) from None
    except SystemCheckError as error:  # the site's configuration, before the first request
        raise SystemExit(f"not serving: {error}") from None


def run_stack(args: argparse.Namespace) -> None:
    stack = LocalStack(STATE_DIR)
    proxy: RunningProxy | None = None
    owner = os.getpid()
    try:
        # Entered with the state directory held, so a mariadbd still serving it is a leftover of a
        # stack that crashed (or was SIGKILLed): stop it rather than refuse.
        server = stack.start_database(port=3307, reclaim_leftover=True)
        if server.reclaimed_pid is not None:
            print(
                f"Stopped mariadbd pid {server.reclaimed_pid}, left over from a stack that crashed",
                flush=True,
            )
        # A thread of this process: it cannot outlive the stack, so no stand-in is ever left over.
        proxy = stack.start_stand_in(
            listen_port=args.proxy_port,
            stats_port=args.stats_port,
            max_connections=20,
            borrow_timeout_seconds=5,
            stats_log_interval_seconds=60,
        )
        os.environ.update(stack.site_environment(proxy.port))
        os.environ.update(stack.bootstrap_environment())  # only bootstrap_db_users reads these
        serve_site(args.port, proxy.stats_port)
    finally:
        # gunicorn's workers are forks of this process and leave through here too (SystemExit): only
        # the stack itself owns the stand-in's thread and the database (a worker has no such thread,
        # and would wait for it to stop until a timeout).
        if os.getpid() == owner:
            if proxy is not None:
                proxy.stop()
            if stack.has_database:
                stack.server.stop()


def serve_site(port: int, stats_port: int | None) -> None:
    """Check the IAM configuration, bootstrap the users, migrate as the admin user, and serve until
    Ctrl-C or SIGTERM (local_server runs the full checks, the database's included, before it listens)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webhook_site.settings")
    import django
    from django.core.management import call_command

    from local_server import ServerSettings, serve
    from webhook_site.startup_checks import check_database_configuration

    django.setup()
    check_database_configuration()  # connects to nothing: the users do not exist before the bootstrap
    call_command("bootstrap_db_users")
    call_command("migrate", interactive=False)  # as webhook_admin, through the stand-in
    call_command("collectstatic", interactive=False, verbosity=0)
    print(f"\n{create_site_admin(port)}", flush=True)
    print(f"Stand-in stats: http://127.0.0.1:{stats_port}/stats", flush=True)
    # serve() checks, then closes every connection before gunicorn forks (webhook_site.startup_checks).
    serve(ServerSettings(port=port))  # until Ctrl-C or SIGTERM, then the with-blocks stop the rest


def create_site_admin(port: int, password_file: Path = SITE_ADMIN_PASSWORD_FILE) -> str:
    """Create the admin-site user once (as webhook_app, through the stand-in); say how to sign in."""
    from site_platform.connection_lifecycle import outside_request_cycle
    from webhook_site.superuser import create_superuser_if_absent

    with outside_request_cycle():
        result = create_superuser_if_absent(SITE_ADMIN, "admin@localhost", local_password(password_file))
    password_note = "" if result["created"] else " (unless you changed it in the admin)"
    return (
        f"Admin site: http://127.0.0.1:{port}/admin/ as {SITE_ADMIN}, "
        f"password{password_note}: cat {password_file}"
    )


if __name__ == "__main__":
    main()
