"""A throwaway MariaDB server started from the installed binaries, for tests, the local stack and benchmarks.

It never touches a server that happens to be running: every instance gets its own data directory,
socket and free TCP port on 127.0.0.1, and is torn down when stopped. A base directory that another
server still holds (say, one left over when its owner crashed) is refused with that server's PID,
and the readiness check only accepts the mariadbd this instance started.
"""

from local_mariadb.server import MariaDBServer, ServerAlreadyRunning, ServerNotFound

__all__ = ["MariaDBServer", "ServerAlreadyRunning", "ServerNotFound"]
