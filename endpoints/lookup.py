"""Which rule a captured path falls under: one query on the unique prefix index, whatever the table sizes.

Prefixes match whole segments (/hooks matches /hooks and /hooks/x, never /hooksx), so the candidates
for a path are its first MAX_PREFIX_SEGMENTS segment prefixes plus "/": at most 17 values in one
`path_prefix IN (...)` lookup on the unique index. Not cached: a rule saved in the admin takes effect on
the next request in every Lambda container, without cross-process invalidation.
"""

from __future__ import annotations

from endpoints.models import MAX_PREFIX_SEGMENTS, EndpointRule


def candidate_prefixes(path: str) -> list[str]:
    """/a/b/c -> ["/", "/a", "/a/b", "/a/b/c"] (empty segments skipped, at most MAX_PREFIX_SEGMENTS)."""
    segments = [segment for segment in path.split("/") if segment][:MAX_PREFIX_SEGMENTS]
    return ["/"] + ["/" + "/".join(segments[: count + 1]) for count in range(len(segments))]


def rule_for_path(path: str) -> EndpointRule | None:
    """The rule with the longest prefix of ``path``, or None (today's behaviour)."""
    candidates = candidate_prefixes(path)
    # MySQL's default collations compare case-insensitively: keep only exact, case-sensitive matches.
    found = [
        rule
        for rule in EndpointRule.objects.filter(path_prefix__in=candidates)
        if rule.path_prefix in candidates
    ]
    return max(found, key=lambda rule: len(rule.path_prefix), default=None)
