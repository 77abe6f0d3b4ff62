"""Where a warm capture's time goes, from cProfile: own time by layer, and the top functions."""

from __future__ import annotations

import pstats
import re
from typing import Any

# Path fragments -> layer, first match wins. C functions (file "~") are classified by their name.
LAYERS = (
    ("/zappa/", "Zappa (event to WSGI and back)"),
    ("/werkzeug/", "Zappa (event to WSGI and back)"),
    ("/django/db/", "Django ORM and DB backend"),
    ("/django/", "Django (request, middleware, response)"),
    ("/MySQLdb/", "mysqlclient (Python part)"),
    ("/webhook_site/", "webhook_site (IAM backend, settings)"),
    ("/hits/", "hits app (capture view)"),
)
DATABASE_CALL = "database round trip (mysqlclient C calls)"
TOP_FUNCTIONS = 12
# mysqlclient's C methods show up as "<method 'ping' of '_mysql.connection' objects>" or, wrapped,
# "<function Connection.query at 0x...>".
DATABASE_C_NAMES = ("_mysql", "Connection.")
ADDRESS = re.compile(r" at 0x[0-9a-f]+")


def layer_of(filename: str, function: str) -> str:
    if filename == "~":
        return DATABASE_CALL if any(name in function for name in DATABASE_C_NAMES) else "other C built-ins"
    for fragment, layer in LAYERS:
        if fragment in filename:
            return layer
    return "stdlib (json, logging, uuid, ...)"


def function_label(filename: str, line: int, function: str) -> str:
    if filename == "~":
        return ADDRESS.sub("", function)
    short = filename.split("site-packages/")[-1].split("/work/main/")[-1]
    return f"{short}:{line} {function}"


def summarise(stats: pstats.Stats, invocations: int) -> dict[str, Any]:
    """Own time per layer (share of the total) and the functions with the most own time."""
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(own for (_, _, own, _, _) in entries.values()) or 1.0
    layers: dict[str, float] = {}
    for (filename, _line, function), (_, _, own, _, _) in entries.items():
        layer = layer_of(filename, function)
        layers[layer] = layers.get(layer, 0.0) + own
    ranked = sorted(entries.items(), key=lambda item: item[1][2], reverse=True)[:TOP_FUNCTIONS]
    return {
        "invocations": invocations,
        "total_ms_per_invocation": total * 1000 / invocations,
        "layers": [
            {"layer": layer, "share": own / total, "ms_per_invocation": own * 1000 / invocations}
            for layer, own in sorted(layers.items(), key=lambda item: item[1], reverse=True)
        ],
        "top_functions": [
            {
                "function": function_label(*key),
                "layer": layer_of(key[0], key[2]),
                "calls_per_invocation": calls / invocations,
                "own_us_per_invocation": own * 1e6 / invocations,
                "cumulative_us_per_invocation": cumulative * 1e6 / invocations,
            }
            for key, (_, calls, own, cumulative, _) in ranked
        ],
    }
