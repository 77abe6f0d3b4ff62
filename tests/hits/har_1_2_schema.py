"""A JSON Schema of HAR 1.2's required structure, written from the spec
(http://www.softwareishard.com/blog/har-12-spec/, "HAR 1.2 Spec"): every object the spec marks
required, with its required fields and their types. Custom fields (leading underscore) are allowed,
as the spec allows them."""

from __future__ import annotations

from typing import Any

NAME_VALUE = {
    "type": "object",
    "required": ["name", "value"],
    "properties": {"name": {"type": "string"}, "value": {"type": "string"}},
}
NAME_VALUE_LIST = {"type": "array", "items": NAME_VALUE}
# ISO 8601 with a time zone, as the spec's example "2009-04-16T12:07:23.596Z" (+00:00 is allowed).
DATE_TIME = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$"}

HAR_1_2: dict[str, Any] = {
    "type": "object",
    "required": ["log"],
    "properties": {
        "log": {
            "type": "object",
            "required": ["version", "creator", "entries"],
            "properties": {
                "version": {"const": "1.2"},
                "creator": {
                    "type": "object",
                    "required": ["name", "version"],
                    "properties": {"name": {"type": "string"}, "version": {"type": "string"}},
                },
                "pages": {"type": "array"},
                "entries": {"type": "array", "items": {"$ref": "#/$defs/entry"}},
            },
        }
    },
    "$defs": {
        "entry": {
            "type": "object",
            "required": ["startedDateTime", "time", "request", "response", "cache", "timings"],
            "properties": {
                "startedDateTime": DATE_TIME,
                "time": {"type": "number", "minimum": 0},
                "request": {"$ref": "#/$defs/request"},
                "response": {"$ref": "#/$defs/response"},
                "cache": {"type": "object"},
                "timings": {
                    "type": "object",
                    "required": ["send", "wait", "receive"],
                    "properties": {
                        name: {"type": "number", "minimum": -1} for name in ("send", "wait", "receive")
                    },
                },
                "comment": {"type": "string"},
            },
        },
        "request": {
            "type": "object",
            "required": [
                "method",
                "url",
                "httpVersion",
                "cookies",
                "headers",
                "queryString",
                "headersSize",
                "bodySize",
            ],
            "properties": {
                "method": {"type": "string"},
                "url": {"type": "string", "pattern": "^https?://"},
                "httpVersion": {"type": "string"},
                "cookies": NAME_VALUE_LIST,
                "headers": NAME_VALUE_LIST,
                "queryString": NAME_VALUE_LIST,
                "postData": {
                    "type": "object",
                    "required": ["mimeType"],
                    "properties": {"mimeType": {"type": "string"}, "text": {"type": "string"}},
                    # "Text and params fields are mutually exclusive."
                    "oneOf": [{"required": ["text"]}, {"required": ["params"]}],
                },
                "headersSize": {"type": "integer", "minimum": -1},
                "bodySize": {"type": "integer", "minimum": -1},
            },
        },
        "response": {
            "type": "object",
            "required": [
                "status",
                "statusText",
                "httpVersion",
                "cookies",
                "headers",
                "content",
                "redirectURL",
                "headersSize",
                "bodySize",
            ],
            "properties": {
                "status": {"type": "integer"},
                "statusText": {"type": "string"},
                "httpVersion": {"type": "string"},
                "cookies": NAME_VALUE_LIST,
                "headers": NAME_VALUE_LIST,
                "content": {
                    "type": "object",
                    "required": ["size", "mimeType"],
                    "properties": {"size": {"type": "integer"}, "mimeType": {"type": "string"}},
                },
                "redirectURL": {"type": "string"},
                "headersSize": {"type": "integer"},
                "bodySize": {"type": "integer"},
            },
        },
    },
}
