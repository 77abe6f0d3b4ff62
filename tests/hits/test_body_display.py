"""Body views: which a body offers, what each shows, and that every one is capped."""

from __future__ import annotations

import pytest

from hits.body_display import HEX_DUMP_LIMIT, TEXT_LIMIT, UnknownBodyView, display_body
from hits.json_tree import MAX_DEPTH, json_tree
from hits.multipart_parts import multipart_parts
from hits.xml_pretty import pretty_xml

MULTIPART = (
    b'--XyZ\r\nContent-Disposition: form-data; name="title"\r\n\r\nHello \xc3\xa9\r\n'
    b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n'
    b"Content-Type: application/octet-stream\r\n\r\n\x00\x01\r\n\x02\n\xff\r\n--XyZ--\r\n"
)
MULTIPART_TYPE = "multipart/form-data; boundary=XyZ"


def test_json_offers_tree_pretty_raw_and_hex_with_the_tree_first() -> None:
    shown = display_body(b'{"a": [1, {"b": null}]}', "application/json")
    assert shown.views == ("tree", "pretty", "raw", "hex")
    assert shown.tree is not None
    assert [child.key for child in shown.tree.children] == ['"a"']


def test_raw_view_is_the_text_as_received() -> None:
    assert display_body(b'{"a":1}', "application/json", "raw").text == '{"a":1}'


def test_xml_is_pretty_printed_and_dtds_are_refused() -> None:
    assert display_body(b"<a><b>t</b></a>", "application/xml", "pretty").text == "<a>\n  <b>t</b>\n</a>"
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><l>&b;</l>'
    )
    shown = display_body(laughs, "application/xml")
    assert shown.kind == "text"  # shown as it came, never expanded
    assert "&b;" in shown.text


def test_external_entities_are_never_fetched() -> None:
    assert pretty_xml('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>') is None


def test_multipart_parts_have_name_type_and_exact_size() -> None:
    title, upload = multipart_parts(MULTIPART, MULTIPART_TYPE) or []
    assert (title.name, title.filename, title.value, title.size) == ("title", None, "Hello é", 8)
    assert (upload.name, upload.filename) == ("file", "a.bin")
    assert upload.content_type == "application/octet-stream"
    assert upload.size == len(b"\x00\x01\r\n\x02\n\xff")
    shown = display_body(MULTIPART, MULTIPART_TYPE)
    assert shown.kind == "multipart"
    assert shown.views == ("pretty", "hex")  # the file part makes it binary: no raw text view


def test_malformed_multipart_falls_back_to_text() -> None:
    assert display_body(b"not multipart at all", MULTIPART_TYPE).kind == "text"


def test_form_fields_are_listed() -> None:
    shown = display_body(b"name=Ada&lang=en&empty=", "application/x-www-form-urlencoded")
    assert shown.fields == [("name", "Ada"), ("lang", "en"), ("empty", "")]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"x" * (TEXT_LIMIT + 10), "text/plain"),
        (b'"' + b"y" * (TEXT_LIMIT + 10) + b'"', "application/json"),
        (b"<a>" + b"z" * (TEXT_LIMIT + 10) + b"</a>", "application/xml"),
    ],
)
def test_text_views_are_capped(body: bytes, content_type: str) -> None:
    shown = display_body(body, content_type)
    assert len(shown.text) == TEXT_LIMIT
    assert shown.truncated


def test_hex_view_is_capped() -> None:
    shown = display_body(bytes(range(256)) * 1000, "application/octet-stream")
    assert shown.view == "hex"
    assert len(shown.text.splitlines()) == HEX_DUMP_LIMIT // 16
    assert shown.truncated


def test_deep_json_gets_no_tree_and_never_raises() -> None:
    assert json_tree([[[]]]) is not None
    deep = b"[" * (MAX_DEPTH + 5) + b"]" * (MAX_DEPTH + 5)
    assert display_body(deep, "application/json").views == ("pretty", "raw", "hex")
    too_deep_for_the_parser = b"[" * 100_000 + b"]" * 100_000
    assert display_body(too_deep_for_the_parser, "application/json").kind == "text"


def test_a_view_the_body_lacks_is_refused() -> None:
    with pytest.raises(UnknownBodyView, match="view must be one of hex"):
        display_body(b"\x00\xff", "image/png", "tree")
