"""Make sure the MySQL client library can load the mysql_clear_password auth plugin.

RDS Proxy takes the IAM token through mysql_clear_password. MariaDB Connector/C ships that plugin as a
separate mysql_clear_password.so, loaded from MARIADB_PLUGIN_DIR or the compiled-in plugin directory.
A bundle without it cannot log in at all, with an error that only shows at the first connection; we
check at startup instead, in one of two ways:

- mysqlclient linked against a shared libmariadb (Debian, the dev venv): ask the library itself to
  load the plugin (mysql_load_plugin), which also proves the plugin fits that library;
- mysqlclient-static (the Lambda package), whose extension exports no C client symbols: the plugin
  must be in MARIADB_PLUGIN_DIR, and we check that file is a loadable client plugin.
"""

from __future__ import annotations

import ctypes
import functools
import os
import threading
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

PLUGIN_NAME = "mysql_clear_password"
MYSQL_CLIENT_AUTHENTICATION_PLUGIN = 2  # plugin type constant from mysql/client_plugin.h
# Every Connector/C client plugin .so exports this declaration (mysql/client_plugin.h).
PLUGIN_DECLARATION_SYMBOL = "_mysql_client_plugin_declaration_"


def cannot_load(reason: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(
        f"the MySQL client library cannot load the mysql_clear_password plugin ({reason}); "
        "IAM database auth through RDS Proxy needs it. Ship mysql_clear_password.so with the "
        "package and set MARIADB_PLUGIN_DIR to its directory "
        f"(now {os.environ.get('MARIADB_PLUGIN_DIR', 'unset')}); see docs/deploy.md"
    )


@functools.cache
def extension_library() -> ctypes.CDLL:
    """mysqlclient's C extension; symbols resolve through its own dependencies (e.g. libmariadb)."""
    from MySQLdb import _mysql

    return ctypes.CDLL(_mysql.__file__)


def load_through_client_library(library: ctypes.CDLL) -> None:
    library.mysql_init.restype = ctypes.c_void_p
    library.mysql_init.argtypes = [ctypes.c_void_p]
    library.mysql_load_plugin.restype = ctypes.c_void_p
    library.mysql_load_plugin.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int]
    library.mysql_error.restype = ctypes.c_char_p
    library.mysql_error.argtypes = [ctypes.c_void_p]
    library.mysql_close.argtypes = [ctypes.c_void_p]
    handle = library.mysql_init(None)
    try:
        loaded = library.mysql_load_plugin(
            handle, PLUGIN_NAME.encode(), MYSQL_CLIENT_AUTHENTICATION_PLUGIN, 0
        )
        # Loading an already-loaded plugin reports "already loaded"; that is success too.
        reason = (library.mysql_error(handle) or b"").decode(errors="replace")
        if not loaded and "already" not in reason.lower():
            raise cannot_load(reason)
    finally:
        library.mysql_close(handle)


def check_plugin_file(plugin_dir: str | None) -> None:
    if not plugin_dir:
        raise cannot_load(
            "a statically linked client library looks for it in MARIADB_PLUGIN_DIR, which is unset"
        )
    plugin = Path(plugin_dir) / f"{PLUGIN_NAME}.so"
    try:
        shared_object = ctypes.CDLL(str(plugin))
    except OSError as error:
        raise cannot_load(str(error)) from error
    if not hasattr(shared_object, PLUGIN_DECLARATION_SYMBOL):
        raise cannot_load(f"{plugin} is not a MySQL client plugin")


# libmariadb's plugin list is not safe to load into from two threads at once (seen in the fan-in
# benchmark: a few concurrent first logins sent garbage instead of the token). Lambda runs one
# request at a time; threaded servers (runserver, make stack) need the lock.
_plugin_lock = threading.Lock()


@functools.cache
def _ensure_clear_password_plugin() -> None:
    library = extension_library()
    if hasattr(library, "mysql_load_plugin"):
        load_through_client_library(library)
    else:
        check_plugin_file(os.environ.get("MARIADB_PLUGIN_DIR"))


def ensure_clear_password_plugin() -> None:
    """Raise ImproperlyConfigured, saying what to do, when the plugin cannot be loaded."""
    with _plugin_lock:
        _ensure_clear_password_plugin()
