"""The stand-in's wire vocabulary: every MySQL protocol constant it uses, and the errors it sends by name.

Values and layouts follow the MySQL/MariaDB client/server protocol documentation ("Protocol Basics",
"Capabilities Flags", "Generic Response Packets"); the RDS Proxy error texts follow RDS_PROXY_NOTES.md.
Only what the stand-in uses is here.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass

# -- framing --------------------------------------------------------------------------------------

# A physical packet carries at most this many payload bytes; a payload of exactly this size means
# "continued in the next packet".
MAX_PAYLOAD = 0xFFFFFF
HEADER_SIZE = 4

# -- capability flags -----------------------------------------------------------------------------

CLIENT_LONG_PASSWORD = 1  # also CLIENT_MYSQL: when set, MariaDB extended capabilities are off
CLIENT_FOUND_ROWS = 1 << 1
CLIENT_LONG_FLAG = 1 << 2
CLIENT_CONNECT_WITH_DB = 1 << 3
CLIENT_NO_SCHEMA = 1 << 4
CLIENT_ODBC = 1 << 6
CLIENT_LOCAL_FILES = 1 << 7
CLIENT_IGNORE_SPACE = 1 << 8
CLIENT_PROTOCOL_41 = 1 << 9
CLIENT_INTERACTIVE = 1 << 10
CLIENT_SSL = 1 << 11
CLIENT_IGNORE_SIGPIPE = 1 << 12
CLIENT_TRANSACTIONS = 1 << 13
CLIENT_RESERVED = 1 << 14
CLIENT_SECURE_CONNECTION = 1 << 15
CLIENT_MULTI_STATEMENTS = 1 << 16
CLIENT_MULTI_RESULTS = 1 << 17
CLIENT_PS_MULTI_RESULTS = 1 << 18
CLIENT_PLUGIN_AUTH = 1 << 19
CLIENT_CONNECT_ATTRS = 1 << 20
CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA = 1 << 21
CLIENT_SESSION_TRACK = 1 << 23
CLIENT_DEPRECATE_EOF = 1 << 24

# -- server status flags (in OK and EOF packets) --------------------------------------------------

SERVER_STATUS_IN_TRANS = 0x0001
SERVER_STATUS_AUTOCOMMIT = 0x0002
SERVER_MORE_RESULTS_EXISTS = 0x0008
SERVER_STATUS_CURSOR_EXISTS = 0x0040

# -- command bytes (first byte of a command-phase packet) -----------------------------------------

COM_QUIT = 0x01
COM_INIT_DB = 0x02
COM_QUERY = 0x03
COM_FIELD_LIST = 0x04
COM_STATISTICS = 0x09
COM_PING = 0x0E
COM_STMT_PREPARE = 0x16
COM_STMT_EXECUTE = 0x17
COM_STMT_SEND_LONG_DATA = 0x18
COM_STMT_CLOSE = 0x19
COM_STMT_RESET = 0x1A
COM_SET_OPTION = 0x1B
COM_STMT_FETCH = 0x1C
COM_RESET_CONNECTION = 0x1F

# -- first byte of a packet -----------------------------------------------------------------------

HANDSHAKE_V10 = 0x0A  # the server's greeting (protocol version 10)
OK_HEADER = 0x00
AUTH_MORE_DATA_HEADER = 0x01  # during login: plugin-specific data follows
LOCAL_INFILE_HEADER = 0xFB
EOF_HEADER = 0xFE  # also AuthSwitchRequest during login
AUTH_SWITCH_HEADER = EOF_HEADER
ERR_HEADER = 0xFF
# A classic EOF packet (0xFE, warnings u16, status u16) is shorter than this; a row that starts with
# 0xFE is the prefix of an 8-byte length, so it is at least this long.
EOF_PAYLOAD_LIMIT = 9

# -- authentication -------------------------------------------------------------------------------

NATIVE_PASSWORD_PLUGIN = "mysql_native_password"  # noqa: S105 -- plugin names, not passwords
CACHING_SHA2_PASSWORD_PLUGIN = "caching_sha2_password"  # noqa: S105
CLEAR_PASSWORD_PLUGIN = "mysql_clear_password"  # noqa: S105
# caching_sha2_password's AuthMoreData byte for "the server had the password cached: OK follows".
CACHING_SHA2_FAST_AUTH_SUCCESS = 0x03

# -- errors ---------------------------------------------------------------------------------------


class ErrorCode(enum.IntEnum):
    """The error codes the stand-in sends itself."""

    ACCESS_DENIED = 1045  # ER_ACCESS_DENIED_ERROR
    UNKNOWN_COMMAND = 1047  # ER_UNKNOWN_COM_ERROR
    SERVER_LOST = 2013  # CR_SERVER_LOST: only ever reported to the stand-in, never sent to a client
    TLS_REQUIRED = 3159  # RDS Proxy with RequireTLS
    BORROW_TIMEOUT = 9501  # RDS Proxy: no database connection within ConnectionBorrowTimeout


@dataclass(frozen=True)
class ErrPacket:
    """An ERR packet's fields; ``payload()`` encodes it, ``parse()`` decodes one."""

    code: int
    sql_state: str
    message: str

    def payload(self) -> bytes:
        """The payload in the protocol 4.1 layout, with SQLSTATE."""
        return (
            bytes([ERR_HEADER])
            + struct.pack("<H", self.code)
            + b"#"
            + self.sql_state.encode("ascii")
            + self.message.encode("utf-8")
        )

    def greeting_payload(self) -> bytes:
        """Sent instead of a greeting: the client's capabilities are unknown, so no SQLSTATE."""
        return bytes([ERR_HEADER]) + struct.pack("<H", self.code) + self.message.encode("utf-8")

    def with_detail(self, detail: str) -> ErrPacket:
        """The same error with the stand-in's own explanation after RDS Proxy's text."""
        return ErrPacket(self.code, self.sql_state, f"{self.message} [local_rds_proxy: {detail}]")

    @classmethod
    def parse(cls, payload: bytes) -> ErrPacket:
        code = struct.unpack_from("<H", payload, 1)[0]
        if payload[3:4] == b"#":
            return cls(code, payload[4:9].decode("ascii", "replace"), payload[9:].decode("utf-8", "replace"))
        return cls(code, "HY000", payload[3:].decode("utf-8", "replace"))


# RDS Proxy's answer to a client that does not upgrade to TLS when RequireTLS is on.
TLS_REQUIRED = ErrPacket(ErrorCode.TLS_REQUIRED, "HY000", "This RDS Proxy requires TLS connections")
# RDS Proxy's error when no backend can be borrowed within ConnectionBorrowTimeout, and when no
# database is available at all (libmariadb rejects client-range codes such as 2003 from a server).
BORROW_TIMEOUT = ErrPacket(
    ErrorCode.BORROW_TIMEOUT, "HY000", "Timed-out waiting to acquire database connection"
)
EMPTY_GREETING = ErrPacket(ErrorCode.SERVER_LOST, "HY000", "empty greeting")


def access_denied(user: str, detail: str) -> ErrPacket:
    """The database's own wording for a failed login, with why the stand-in refused the token."""
    return ErrPacket(
        ErrorCode.ACCESS_DENIED, "28000", f"Access denied for user '{user}'@'%' (using password: YES)"
    ).with_detail(detail)


def unsupported_command(command: int) -> ErrPacket:
    return ErrPacket(
        ErrorCode.UNKNOWN_COMMAND, "08S01", f"Command 0x{command:02x} is not supported by this proxy"
    )
