"""Where a response ends and what status it leaves, for every response shape the relay meets."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from local_rds_proxy import packets as p
from local_rds_proxy import wire
from local_rds_proxy.response_framing import ResponseTracker, Step

CLASSIC = wire.CLIENT_PROTOCOL_41
DEPRECATE_EOF = wire.CLIENT_PROTOCOL_41 | wire.CLIENT_DEPRECATE_EOF


def ok(status: int, header: int = 0x00) -> bytes:
    return bytes([header]) + b"\x00\x00" + struct.pack("<HH", status, 0)


def eof(status: int) -> bytes:
    return b"\xfe" + struct.pack("<HH", 0, status)


def err(code: int = 1064) -> bytes:
    return wire.ErrPacket(code, "42000", "You have an error").payload()


def column(name: bytes = b"c") -> bytes:
    return b"\x03def" + p.lenenc_bytes(name) * 5 + b"\x0c" + bytes(12)


def row(*values: bytes) -> bytes:
    return b"".join(p.lenenc_bytes(value) for value in values)


def result_set(columns: int, rows: list[bytes], status: int, capabilities: int) -> list[bytes]:
    packets = [p.lenenc_int(columns)] + [column() for _ in range(columns)]
    if not capabilities & wire.CLIENT_DEPRECATE_EOF:
        packets.append(eof(status & ~wire.SERVER_MORE_RESULTS_EXISTS))
    packets += rows
    packets.append(ok(status, 0xFE) if capabilities & wire.CLIENT_DEPRECATE_EOF else eof(status))
    return packets


def ends_exactly_at_the_last(steps: list[Step]) -> bool:
    return steps[-1] is Step.DONE and set(steps[:-1]) <= {Step.MORE}


def feed_all(tracker: ResponseTracker, packets: list[bytes]) -> list[Step]:
    return [tracker.feed(packet) for packet in packets]


@pytest.mark.parametrize("capabilities", [CLASSIC, DEPRECATE_EOF])
def test_result_set_ends_at_its_terminator(capabilities: int) -> None:
    tracker = ResponseTracker(wire.COM_QUERY, capabilities, wire.SERVER_STATUS_AUTOCOMMIT)
    steps = feed_all(tracker, result_set(2, [row(b"1", b"a"), row(b"2", b"b")], 0x0022, capabilities))
    assert ends_exactly_at_the_last(steps)
    assert (tracker.status, tracker.results_completed, tracker.error) == (0x0022, 1, None)


@pytest.mark.parametrize("capabilities", [CLASSIC, DEPRECATE_EOF])
def test_multi_statement_continues_while_more_results_exist(capabilities: int) -> None:
    more = wire.SERVER_MORE_RESULTS_EXISTS
    packets = [ok(0x0003 | more), *result_set(1, [row(b"x")], 0x0003 | more, capabilities), ok(0x0003)]
    tracker = ResponseTracker(wire.COM_QUERY, capabilities, wire.SERVER_STATUS_AUTOCOMMIT)
    steps = feed_all(tracker, packets)
    assert ends_exactly_at_the_last(steps)
    assert tracker.status & wire.SERVER_STATUS_IN_TRANS
    assert tracker.results_completed == 3


def test_error_in_the_middle_keeps_the_last_known_status() -> None:
    tracker = ResponseTracker(wire.COM_QUERY, CLASSIC, wire.SERVER_STATUS_AUTOCOMMIT)
    steps = feed_all(tracker, [ok(0x0003 | wire.SERVER_MORE_RESULTS_EXISTS), err()])
    assert steps == [Step.MORE, Step.DONE]
    assert tracker.status == 0x0003 | wire.SERVER_MORE_RESULTS_EXISTS
    assert tracker.error is not None
    assert (tracker.results_completed, tracker.error.code) == (1, 1064)


def test_error_alone_carries_no_status() -> None:
    tracker = ResponseTracker(wire.COM_QUERY, CLASSIC, 0x0003)
    assert tracker.feed(err(1213)) is Step.DONE
    assert tracker.status == 0x0003


def test_error_after_rows() -> None:
    tracker = ResponseTracker(wire.COM_QUERY, CLASSIC, 0x0002)
    packets = [b"\x01", column(), eof(0x0002), row(b"1"), err(1317)]
    assert feed_all(tracker, packets)[-1] is Step.DONE
    assert tracker.error is not None
    assert (tracker.error.code, tracker.results_completed) == (1317, 0)


def test_local_infile_request_hands_over_to_the_client() -> None:
    tracker = ResponseTracker(wire.COM_QUERY, CLASSIC, 0x0002)
    assert tracker.feed(b"\xfb/tmp/data.csv") is Step.SEND_LOCAL_FILE
    assert tracker.feed(ok(0x0002)) is Step.DONE


def test_row_starting_with_0xfe_is_not_an_eof() -> None:
    long_value = b"\xfe" + (20).to_bytes(8, "little") + b"x" * 20
    tracker = ResponseTracker(wire.COM_QUERY, CLASSIC, 0x0002)
    steps = feed_all(tracker, [b"\x01", column(), eof(0x0002), long_value, eof(0x0002)])
    assert steps == [Step.MORE] * 4 + [Step.DONE]


@pytest.mark.parametrize("capabilities", [CLASSIC, DEPRECATE_EOF])
def test_prepare_response(capabilities: int) -> None:
    prepare_ok = b"\x00" + struct.pack("<IHHBH", 1, 2, 1, 0, 0)
    packets = [prepare_ok, column()]
    packets += [] if capabilities & wire.CLIENT_DEPRECATE_EOF else [eof(2)]
    packets += [column(), column()]
    packets += [] if capabilities & wire.CLIENT_DEPRECATE_EOF else [eof(2)]
    steps = feed_all(ResponseTracker(wire.COM_STMT_PREPARE, capabilities, 2), packets)
    assert ends_exactly_at_the_last(steps)


def test_prepare_without_parameters_or_columns_is_one_packet() -> None:
    prepare_ok = b"\x00" + struct.pack("<IHHBH", 1, 0, 0, 0, 0)
    assert ResponseTracker(wire.COM_STMT_PREPARE, CLASSIC, 2).feed(prepare_ok) is Step.DONE


def test_execute_with_cursor_ends_after_the_column_definitions() -> None:
    tracker = ResponseTracker(wire.COM_STMT_EXECUTE, CLASSIC, 2)
    steps = feed_all(tracker, [b"\x01", column(), eof(0x0002 | wire.SERVER_STATUS_CURSOR_EXISTS)])
    assert steps[-1] is Step.DONE


def test_fetch_reads_binary_rows_that_start_with_zero() -> None:
    tracker = ResponseTracker(wire.COM_STMT_FETCH, CLASSIC, 2)
    steps = feed_all(tracker, [b"\x00\x00\x01", b"\x00\x00\x02", eof(0x0002 | 0x80)])
    assert steps == [Step.MORE, Step.MORE, Step.DONE]


def test_statistics_is_a_single_string_packet() -> None:
    assert ResponseTracker(wire.COM_STATISTICS, CLASSIC, 2).feed(b"Uptime: 5  Threads: 1") is Step.DONE


def test_feeding_after_the_end_is_a_protocol_error() -> None:
    tracker = ResponseTracker(wire.COM_QUERY, CLASSIC, 2)
    tracker.feed(ok(2))
    with pytest.raises(p.ProtocolError):
        tracker.feed(ok(2))


@given(
    results=st.lists(
        st.tuples(st.integers(0, 3), st.lists(st.binary(max_size=30), max_size=4), st.booleans()),
        min_size=1,
        max_size=5,
    ),
    deprecate_eof=st.booleans(),
)
def test_any_sequence_of_results_ends_exactly_at_the_last_one(
    results: list[tuple[int, list[bytes], bool]], deprecate_eof: bool
) -> None:
    capabilities = DEPRECATE_EOF if deprecate_eof else CLASSIC
    packets: list[bytes] = []
    for index, (columns, values, in_transaction) in enumerate(results):
        status = (0x0001 if in_transaction else 0x0002) | (
            wire.SERVER_MORE_RESULTS_EXISTS if index < len(results) - 1 else 0
        )
        if columns == 0:
            packets.append(ok(status))
        else:
            rows = [row(*([value] * columns)) for value in values]
            packets += result_set(columns, rows, status, capabilities)
    tracker = ResponseTracker(wire.COM_QUERY, capabilities, 0x0002)
    steps = feed_all(tracker, packets)
    assert ends_exactly_at_the_last(steps)
    assert tracker.results_completed == len(results)
    assert bool(tracker.status & wire.SERVER_STATUS_IN_TRANS) == results[-1][2]
