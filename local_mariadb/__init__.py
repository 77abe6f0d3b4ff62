"""A throwaway MariaDB server started from the installed binaries, for tests, the local stack and benchmarks.

It never touches a server that happens to be running: every instance gets its own data directory,
socket and free TCP port on 127.0.0.1, and is torn down when stopped.
"""

from local_mariadb.server import MariaDBServer, ServerNotFound

__all__ = ["MariaDBServer", "ServerNotFound"]
