"""Run inside the unpacked Lambda zip with nothing else on sys.path: python -I -S package_probe.py DIR MODE.

-I -S keep out this machine's site-packages (dev venv, pyenv's own), so every import below resolves
to the zip's copy or the standard library, as on Lambda. Prints one JSON object.

Modes: import (which MySQLdb, which client library), connect (MySQLdb + a token minted with the
zip's boto3, over verified TLS; PROBE_* variables), django (the zip's mysql_iam backend with
DATABASE_URL / DATABASE_CA_BUNDLE, exactly as settings build it on Lambda), cold (Zappa's handler
initialised as at a cold start, counting every module the interpreter had to compile from source:
run it with -B, as /var/task is read-only), tzdata (zoneinfo with no system time zone database).
"""

from __future__ import annotations

import json
import os
import sys


def import_mode() -> dict[str, object]:
    import MySQLdb

    return {
        "mysqldb_file": MySQLdb.__file__,
        "client_info": MySQLdb.get_client_info(),
        "static_build": os.path.exists(os.path.join(os.path.dirname(MySQLdb.__file__), "_static_build.json")),
    }


def connect_mode() -> dict[str, object]:
    import MySQLdb

    from webhook_site.db.iam_auth import mint_auth_token

    host, port, user = os.environ["PROBE_HOST"], int(os.environ["PROBE_PORT"]), os.environ["PROBE_USER"]
    try:
        connection = MySQLdb.connect(
            host=host,
            port=port,
            user=user,
            password=mint_auth_token(host, port, user, os.environ["AWS_REGION"]),
            ssl={"ca": os.environ["PROBE_CA"]},
            ssl_mode="VERIFY_IDENTITY",
            connect_timeout=20,
        )
    except MySQLdb.OperationalError as error:
        return {"error": list(error.args)}
    cursor = connection.cursor()
    cursor.execute("SELECT CURRENT_USER()")
    current_user = cursor.fetchone()[0]
    connection.close()
    return {"current_user": current_user}


def django_mode() -> dict[str, object]:
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "webhook_site.settings"
    django.setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT CURRENT_USER()")
        current_user = cursor.fetchone()[0]
    return {"current_user": current_user, "engine": connection.settings_dict["ENGINE"]}


def cold_mode() -> dict[str, object]:
    compiled: list[str] = []

    def count_compiles(event: str, arguments: tuple[object, ...]) -> None:
        # importlib compiles a module's source through compile(), which raises this audit event; code
        # generated at run time (dataclasses, namedtuple) has a "<string>"-like name instead.
        if event == "compile" and str(arguments[1]).endswith(".py"):
            compiled.append(str(arguments[1]))

    sys.addaudithook(count_compiles)
    from django.urls import get_resolver
    from zappa.handler import LambdaHandler

    LambdaHandler("zappa_settings")
    get_resolver().url_patterns  # noqa: B018 - imports the URLconf and views, as the first request does
    return {"compiled_from_source": compiled, "modules_loaded": len(sys.modules)}


def tzdata_mode() -> dict[str, object]:
    import zoneinfo

    zoneinfo.reset_tzpath(to=[])  # as if the runtime image had no /usr/share/zoneinfo
    zone = zoneinfo.ZoneInfo("UTC")
    return {"zone": str(zone), "tzdata_file": sys.modules["tzdata"].__file__}


def modules_from_elsewhere(package_dir: str) -> list[str]:
    """Loaded modules whose file is neither in the zip nor in the standard library."""
    allowed = (os.path.realpath(package_dir) + os.sep, os.path.realpath(sys.base_prefix) + os.sep)
    files: set[str] = {getattr(module, "__file__", None) or "" for module in list(sys.modules.values())}
    files -= {"", __file__}
    return sorted(path for path in files if not os.path.realpath(path).startswith(allowed))


def main() -> None:
    package_dir, mode = sys.argv[1], sys.argv[2]
    sys.path.insert(0, package_dir)
    modes = {
        "import": import_mode,
        "connect": connect_mode,
        "django": django_mode,
        "cold": cold_mode,
        "tzdata": tzdata_mode,
    }
    result = modes[mode]()
    result["modules_from_elsewhere"] = modules_from_elsewhere(package_dir)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
