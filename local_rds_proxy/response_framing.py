"""Where does a backend's response to one command end? A small state machine fed one payload at a time.

A multiplexer must know this to hand the backend to another client at the right moment and to read
the server status (IN_TRANS) from the last OK/EOF. It does no I/O, so it can be tested byte by byte.
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Callable

from local_rds_proxy import packets as p
from local_rds_proxy import wire


class Step(enum.Enum):
    """What the relay should do after feeding one payload."""

    MORE = "more"  # the response continues: read the next backend packet
    DONE = "done"  # the response is complete
    SEND_LOCAL_FILE = "send_local_file"  # LOCAL INFILE: relay client packets up to an empty one, then MORE


class _State(enum.Enum):
    FIRST = enum.auto()  # expecting OK / ERR / LOCAL INFILE / column count
    COLUMN_DEFINITIONS = enum.auto()
    COLUMNS_EOF = enum.auto()  # classic EOF after the column definitions
    ROWS = enum.auto()
    PREPARE_PARAMS = enum.auto()
    PREPARE_PARAMS_EOF = enum.auto()
    PREPARE_COLUMNS = enum.auto()
    PREPARE_COLUMNS_EOF = enum.auto()
    FINISHED = enum.auto()


# Commands whose response is a (possibly multi-) result set in text or binary protocol.
_RESULT_SET_COMMANDS = {wire.COM_QUERY, wire.COM_STMT_EXECUTE}
# Commands the server never answers.
NO_RESPONSE_COMMANDS = frozenset({wire.COM_QUIT, wire.COM_STMT_CLOSE, wire.COM_STMT_SEND_LONG_DATA})


class ResponseTracker:
    """Follows one command's response; exposes the last server status and how many results succeeded."""

    def __init__(self, command: int, capabilities: int, previous_status: int) -> None:
        self.command = command
        self.capabilities = capabilities
        # ERR packets carry no status, so an ERR leaves the previous (last known) status in place.
        self.status = previous_status
        self.error: wire.ErrPacket | None = None
        # Results (OK packets or complete result sets) that finished before any ERR: in a multi-statement
        # query, statement i succeeded exactly when i < results_completed.
        self.results_completed = 0
        self._state = _State.FIRST
        self._columns_left = 0
        self._params_left = 0
        self._deprecate_eof = bool(capabilities & wire.CLIENT_DEPRECATE_EOF)

    @property
    def done(self) -> bool:
        return self._state is _State.FINISHED

    def feed(self, payload: bytes) -> Step:
        """Account for one logical payload received from the backend."""
        if self._state is _State.FINISHED:
            raise p.ProtocolError("backend sent more packets after the end of a response")
        return _HANDLERS[self._state](self, payload)

    # -- states -----------------------------------------------------------------------------------

    def _on_first(self, payload: bytes) -> Step:
        if not payload:
            raise p.ProtocolError("empty response packet")
        header = payload[0]
        if header == wire.ERR_HEADER:
            return self._fail(payload)
        if self.command == wire.COM_STATISTICS:
            # The only response without a header byte: one human-readable string.
            return self._finish()
        if self.command == wire.COM_STMT_FETCH:
            # Binary rows start with 0x00, so a fetch response must not be read as an OK.
            self._state = _State.ROWS
            return self._on_rows(payload)
        if header == wire.OK_HEADER:
            if self.command == wire.COM_STMT_PREPARE:
                return self._on_prepare_ok(payload)
            return self._result_done(p.ok_status(payload))
        if header == wire.EOF_HEADER and len(payload) < wire.EOF_PAYLOAD_LIMIT:
            # COM_SET_OPTION / COM_DEBUG / COM_FIELD_LIST answer with a bare EOF.
            return self._result_done(p.eof_status(payload))
        if header == wire.LOCAL_INFILE_HEADER and self.command == wire.COM_QUERY:
            return Step.SEND_LOCAL_FILE  # the server's OK/ERR follows the client's file data
        if self.command == wire.COM_FIELD_LIST:
            self._state = _State.COLUMN_DEFINITIONS  # column definitions until EOF, no count first
            self._columns_left = -1
            return Step.MORE
        if self.command not in _RESULT_SET_COMMANDS:
            raise p.ProtocolError(f"unexpected response 0x{header:02x} to command 0x{self.command:02x}")
        self._columns_left, _ = p.read_lenenc_int(payload, 0)
        self._state = _State.COLUMN_DEFINITIONS
        return Step.MORE

    def _on_column_definitions(self, payload: bytes) -> Step:
        if self._columns_left < 0:  # COM_FIELD_LIST: open-ended list
            if payload and payload[0] == wire.ERR_HEADER:
                return self._fail(payload)
            if p.is_eof_packet(payload, 0):
                return self._result_done(p.eof_status(payload))
            return Step.MORE
        self._columns_left -= 1
        if self._columns_left == 0:
            self._state = _State.ROWS if self._deprecate_eof else _State.COLUMNS_EOF
        return Step.MORE

    def _on_columns_eof(self, payload: bytes) -> Step:
        status = p.eof_status(payload)
        if self.command == wire.COM_STMT_EXECUTE and status & wire.SERVER_STATUS_CURSOR_EXISTS:
            # A cursor was opened: rows come later, one COM_STMT_FETCH at a time.
            return self._result_done(status)
        self._state = _State.ROWS
        return Step.MORE

    def _on_rows(self, payload: bytes) -> Step:
        if payload and payload[0] == wire.ERR_HEADER:
            return self._fail(payload)
        if p.is_eof_packet(payload, self.capabilities):
            status = p.ok_status(payload) if self._deprecate_eof else p.eof_status(payload)
            return self._result_done(status)
        return Step.MORE

    def _on_prepare_ok(self, payload: bytes) -> Step:
        _statement_id, columns, params = struct.unpack_from("<IHH", payload, 1)
        self._columns_left, self._params_left = columns, params
        return self._next_prepare_section()

    def _next_prepare_section(self) -> Step:
        if self._params_left:
            self._state = _State.PREPARE_PARAMS
            return Step.MORE
        if self._columns_left:
            self._state = _State.PREPARE_COLUMNS
            return Step.MORE
        return self._finish()

    def _on_prepare_params(self, payload: bytes) -> Step:
        self._params_left -= 1
        if self._params_left == 0:
            if not self._deprecate_eof:
                self._state = _State.PREPARE_PARAMS_EOF
                return Step.MORE
            return self._next_prepare_section()
        return Step.MORE

    def _on_prepare_params_eof(self, payload: bytes) -> Step:
        return self._next_prepare_section()

    def _on_prepare_columns(self, payload: bytes) -> Step:
        self._columns_left -= 1
        if self._columns_left == 0:
            if not self._deprecate_eof:
                self._state = _State.PREPARE_COLUMNS_EOF
                return Step.MORE
            return self._finish()
        return Step.MORE

    def _on_prepare_columns_eof(self, payload: bytes) -> Step:
        return self._finish()

    # -- endings ----------------------------------------------------------------------------------

    def _result_done(self, status: int) -> Step:
        self.status = status
        self.results_completed += 1
        if status & wire.SERVER_MORE_RESULTS_EXISTS:
            self._state = _State.FIRST
            return Step.MORE
        return self._finish()

    def _fail(self, payload: bytes) -> Step:
        self.error = wire.ErrPacket.parse(payload)
        return self._finish()

    def _finish(self) -> Step:
        self._state = _State.FINISHED
        return Step.DONE


# What each state does with the next payload (FINISHED takes none: feed() refuses it).
_HANDLERS: dict[_State, Callable[[ResponseTracker, bytes], Step]] = {
    _State.FIRST: ResponseTracker._on_first,
    _State.COLUMN_DEFINITIONS: ResponseTracker._on_column_definitions,
    _State.COLUMNS_EOF: ResponseTracker._on_columns_eof,
    _State.ROWS: ResponseTracker._on_rows,
    _State.PREPARE_PARAMS: ResponseTracker._on_prepare_params,
    _State.PREPARE_PARAMS_EOF: ResponseTracker._on_prepare_params_eof,
    _State.PREPARE_COLUMNS: ResponseTracker._on_prepare_columns,
    _State.PREPARE_COLUMNS_EOF: ResponseTracker._on_prepare_columns_eof,
}
