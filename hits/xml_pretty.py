"""Indented XML for the detail page, parsed with DTDs refused: no entity expansion, no external fetches."""

from __future__ import annotations

from xml.dom.minidom import Element, Node
from xml.parsers.expat import ExpatError

from defusedxml import DefusedXmlException
from defusedxml.minidom import parseString

# minidom holds the whole document as Python objects (tens of bytes per byte of XML): only bodies
# up to this size are parsed; larger ones are shown as text.
PARSE_LIMIT = 256 * 1024


def pretty_xml(text: str) -> str | None:
    """``text`` re-indented, or None when it is not well-formed XML, declares a DTD, or is too large."""
    if len(text) > PARSE_LIMIT:
        return None
    try:
        # forbid_dtd: a DOCTYPE is where entities (billion laughs) and external references (XXE) live.
        document = parseString(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        if document.documentElement is not None:  # always, for a document that parsed
            drop_indentation(document.documentElement)
        pretty = document.toprettyxml(indent="  ")
    except (DefusedXmlException, ExpatError, RecursionError):  # RecursionError: absurdly deep nesting
        return None
    if not text.lstrip().startswith("<?xml"):
        pretty = pretty.split("\n", 1)[1]  # minidom adds a declaration the body did not have
    return pretty.rstrip("\n")


def drop_indentation(node: Element) -> None:
    """Remove whitespace-only text between elements, so toprettyxml does not indent twice."""
    for child in list(node.childNodes):
        if child.nodeType == Node.TEXT_NODE and not child.data.strip():
            node.removeChild(child)
        elif isinstance(child, Element):
            drop_indentation(child)
