"""Make sure the MySQL client library can load the mysql_clear_password auth plugin.

RDS Proxy takes the IAM token through mysql_clear_password. MariaDB Connector/C (what mysqlclient
links on Debian and in our Lambda build) ships that plugin as a separate mysql_clear_password.so,
loaded from MARIADB_PLUGIN_DIR or the compiled-in plugin directory. A bundle without it cannot log
in at all, with an error that only shows at the first connection; we check at startup instead.
"""

from __future__ import annotations

import ctypes
import functools
import os

from django.core.exceptions import ImproperlyConfigured

PLUGIN_NAME = b"mysql_clear_password"
MYSQL_CLIENT_AUTHENTICATION_PLUGIN = 2  # plugin type constant from mysql/client_plugin.h


@functools.cache
def client_library() -> ctypes.CDLL:
    """The C client library mysqlclient uses: symbols resolve through _mysql's own dependencies."""
    from MySQLdb import _mysql

    library = ctypes.CDLL(_mysql.__file__)
    library.mysql_init.restype = ctypes.c_void_p
    library.mysql_init.argtypes = [ctypes.c_void_p]
    library.mysql_load_plugin.restype = ctypes.c_void_p
    library.mysql_load_plugin.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int]
    library.mysql_error.restype = ctypes.c_char_p
    library.mysql_error.argtypes = [ctypes.c_void_p]
    library.mysql_close.argtypes = [ctypes.c_void_p]
    return library


@functools.cache
def ensure_clear_password_plugin() -> None:
    """Raise ImproperlyConfigured, saying what to do, when the plugin cannot be loaded."""
    library = client_library()
    handle = library.mysql_init(None)
    try:
        loaded = library.mysql_load_plugin(handle, PLUGIN_NAME, MYSQL_CLIENT_AUTHENTICATION_PLUGIN, 0)
        # Loading an already-loaded plugin reports "already loaded"; that is success too.
        reason = (library.mysql_error(handle) or b"").decode(errors="replace")
        if not loaded and "already" not in reason.lower():
            raise ImproperlyConfigured(
                f"the MySQL client library cannot load the mysql_clear_password plugin ({reason}); "
                "IAM database auth through RDS Proxy needs it. Ship mysql_clear_password.so with the "
                "package and set MARIADB_PLUGIN_DIR to its directory "
                f"(now {os.environ.get('MARIADB_PLUGIN_DIR', 'unset')}); see docs/deploy.md"
            )
    finally:
        library.mysql_close(handle)
