"""Byte-level round trips of the framing helpers."""

from __future__ import annotations

import asyncio

from hypothesis import given
from hypothesis import strategies as st

from local_rds_proxy import packets as p
from local_rds_proxy import wire


def read_back(data: bytes) -> tuple[bytes, bytes, int]:
    async def read() -> tuple[bytes, bytes, int]:
        reader = asyncio.StreamReader()
        reader.feed_data(data)
        reader.feed_eof()
        return await p.read_message(reader)

    return asyncio.run(read())


@given(st.integers(0, 2**64 - 1))
def test_lenenc_int_round_trip(value: int) -> None:
    encoded = p.lenenc_int(value)
    assert p.read_lenenc_int(encoded + b"rest", 0) == (value, len(encoded))


@given(st.binary(max_size=300))
def test_lenenc_bytes_round_trip(value: bytes) -> None:
    encoded = p.lenenc_bytes(value)
    assert p.read_lenenc_bytes(encoded, 0) == (value, len(encoded))


@given(st.binary(max_size=2000), st.integers(0, 255))
def test_frame_and_read_message_round_trip(payload: bytes, sequence_id: int) -> None:
    framed = p.frame(payload, sequence_id)
    assert read_back(framed) == (payload, framed, sequence_id)


def test_payload_of_exactly_16mb_is_followed_by_an_empty_packet() -> None:
    payload = b"x" * wire.MAX_PAYLOAD
    framed = p.frame(payload, 0)
    assert len(framed) == len(payload) + 2 * wire.HEADER_SIZE
    message, raw, last_sequence_id = read_back(framed)
    assert (message == payload, raw == framed, last_sequence_id) == (True, True, 1)


def test_payload_over_16mb_spans_two_packets() -> None:
    payload = b"y" * (wire.MAX_PAYLOAD + 5)
    message, _, last_sequence_id = read_back(p.frame(payload, 3))
    assert (len(message), last_sequence_id) == (len(payload), 4)


@given(st.integers(0, 0xFFFF), st.sampled_from(["HY000", "28000"]), st.text(max_size=80))
def test_err_round_trip(code: int, sql_state: str, message: str) -> None:
    error = wire.ErrPacket(code, sql_state, message)
    assert wire.ErrPacket.parse(error.payload()) == error


@given(st.integers(0, 0xFFFF), st.booleans())
def test_ok_status_round_trip(status: int, session_track: bool) -> None:
    capabilities = wire.CLIENT_SESSION_TRACK if session_track else 0
    assert p.ok_status(p.ok_payload(status, capabilities)) == status
