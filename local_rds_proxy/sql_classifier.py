"""Decide, from a query's text, whether it pins the session and which tracked session state it changes.

The rules are RDS Proxy's documented ones for the MySQL engine family (see docs/local-rds-proxy.md):
tracked variables and the statements USE / DROP DATABASE are replayed on whichever backend the client
gets next; everything else that changes session state pins the client to its backend.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

# Statement text longer than this pins, whatever it says.
MAX_UNPINNED_STATEMENT_BYTES = 16 * 1024

# RDS Proxy's tracked system variables, mapped to one key per setting (aliases share a key).
TRACKED_VARIABLES = {
    "autocommit": "autocommit",
    "auto_increment_increment": "auto_increment_increment",
    "character_set_client": "character_set_client",
    "character_set_connection": "character_set_connection",
    "character_set_database": "character_set_database",
    "character_set_filesystem": "character_set_filesystem",
    "character_set_results": "character_set_results",
    "character_set_server": "character_set_server",
    "collation_connection": "collation_connection",
    "collation_database": "collation_database",
    "collation_server": "collation_server",
    "interactive_timeout": "interactive_timeout",
    "net_write_timeout": "net_write_timeout",
    "query_cache_type": "query_cache_type",
    "session_track_schema": "session_track_schema",
    "sql_mode": "sql_mode",
    "time_zone": "time_zone",
    "transaction_isolation": "transaction_isolation",
    "tx_isolation": "transaction_isolation",
    "transaction_read_only": "transaction_read_only",
    "tx_read_only": "transaction_read_only",
    "wait_timeout": "wait_timeout",
}
# `SET @@transaction_isolation = ...` (no explicit scope) applies to the next transaction only.
_TRANSACTION_VARIABLES = {"transaction_isolation", "tx_isolation", "transaction_read_only", "tx_read_only"}
# NAMES and CHARACTER SET overwrite these, so earlier settings of them need not be replayed.
CHARSET_KEYS = frozenset(
    {
        "names",
        "character_set_client",
        "character_set_connection",
        "character_set_results",
        "collation_connection",
    }
)
_SESSION_FUNCTIONS = {"LAST_INSERT_ID", "FOUND_ROWS", "ROW_COUNT"}


class PinReason(enum.StrEnum):
    """Why a client was pinned; the values are the keys of the ``pinned_by_reason`` metric."""

    USER_VARIABLE = "user_variable"
    UNTRACKED_VARIABLE = "untracked_variable"
    NEXT_TRANSACTION_SCOPE = "next_transaction_scope"
    TEMPORARY_TABLE = "temporary_table"
    TABLE_LOCK = "table_lock"
    PREPARED_STATEMENT = "prepared_statement"
    NAMED_LOCK = "get_lock"
    EXECUTABLE_COMMENT = "executable_comment"
    STATEMENT_OVER_16KB = "statement_over_16kb"
    SESSION_FUNCTION = "session_function"
    SET_OPTION = "com_set_option"


@dataclass(frozen=True)
class TrackedChange:
    """One tracked setting made by a statement: its key and the SQL that recreates it on another backend."""

    key: str
    replay_sql: str


@dataclass(frozen=True)
class StatementEffects:
    """What one statement of a (possibly multi-statement) query does to session state."""

    tracked: tuple[TrackedChange, ...] = ()
    use_schema: str | None = None
    dropped_schema: str | None = None


@dataclass(frozen=True)
class QueryClassification:
    pin_reason: PinReason | None
    statements: tuple[StatementEffects, ...] = field(default_factory=tuple)


class _Kind(enum.Enum):
    WORD = enum.auto()
    STRING = enum.auto()
    QUOTED_NAME = enum.auto()
    VARIABLE = enum.auto()
    SYMBOL = enum.auto()


@dataclass(frozen=True)
class _Token:
    kind: _Kind
    text: str
    start: int
    end: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind is _Kind.WORD else ""


_WORD = re.compile(r"[A-Za-z0-9_$\x80-\U0010ffff]+(?:\.[A-Za-z0-9_$\x80-\U0010ffff]+)*")
_VARIABLE = re.compile(r"@@?(?:[A-Za-z0-9_$.]+|`[^`]*`|'[^']*'|\"[^\"]*\")?")


class _ExecutableComment(Exception):
    pass


def _tokens(sql: str) -> Iterator[_Token]:
    """Split SQL into tokens, skipping comments; raises _ExecutableComment on /*! or /*M!."""
    position, length = 0, len(sql)
    while position < length:
        char = sql[position]
        if char.isspace():
            position += 1
        elif sql.startswith("/*", position):
            if sql.startswith(("/*!", "/*M!"), position):
                raise _ExecutableComment
            end = sql.find("*/", position + 2)
            position = length if end < 0 else end + 2
        elif char == "#" or (
            sql.startswith("--", position) and sql[position + 2 : position + 3] in " \t\r\n"
        ):
            end = sql.find("\n", position)
            position = length if end < 0 else end + 1
        elif char in "'\"`":
            end = _closing_quote(sql, position)
            kind = _Kind.QUOTED_NAME if char == "`" else _Kind.STRING
            yield _Token(kind, sql[position:end], position, end)
            position = end
        elif char == "@":
            match = _VARIABLE.match(sql, position)
            assert match is not None  # the pattern always matches at least "@"
            yield _Token(_Kind.VARIABLE, match.group(), position, match.end())
            position = match.end()
        elif match := _WORD.match(sql, position):
            yield _Token(_Kind.WORD, match.group(), position, match.end())
            position = match.end()
        else:
            width = 2 if sql.startswith(":=", position) else 1
            yield _Token(_Kind.SYMBOL, sql[position : position + width], position, position + width)
            position += width


def _closing_quote(sql: str, start: int) -> int:
    """Index just past the quote closing the one at ``start`` (doubled quotes and backslashes escape)."""
    quote, position = sql[start], start + 1
    while position < len(sql):
        char = sql[position]
        if char == "\\" and quote != "`":
            position += 2
        elif char == quote:
            if sql[position + 1 : position + 2] == quote:
                position += 2
            else:
                return position + 1
        else:
            position += 1
    return len(sql)


def split_statements(sql: str) -> list[list[_Token]]:
    """Tokens of each non-empty statement of a multi-statement query."""
    statements: list[list[_Token]] = [[]]
    for token in _tokens(sql):
        if token.kind is _Kind.SYMBOL and token.text == ";":
            statements.append([])
        else:
            statements[-1].append(token)
    return [statement for statement in statements if statement]


def split_sql(sql: str) -> list[str]:
    """The statements of ``sql`` as separate strings (for running an InitQuery one statement at a time)."""
    return [sql[statement[0].start : statement[-1].end] for statement in split_statements(sql)]


def classify_query(sql_bytes: bytes) -> QueryClassification:
    """Classify the text of a COM_QUERY."""
    if len(sql_bytes) > MAX_UNPINNED_STATEMENT_BYTES:
        return QueryClassification(PinReason.STATEMENT_OVER_16KB)
    sql = sql_bytes.decode("utf-8", "replace")
    try:
        statements = split_statements(sql)
    except _ExecutableComment:
        return QueryClassification(PinReason.EXECUTABLE_COMMENT)
    pin_reason: PinReason | None = None
    effects: list[StatementEffects] = []
    for index, tokens in enumerate(statements):
        reason, effect = _classify_statement(sql, tokens, first=index == 0)
        pin_reason = pin_reason or reason
        effects.append(effect)
    return QueryClassification(pin_reason, tuple(effects))


def _classify_statement(
    sql: str, tokens: list[_Token], first: bool
) -> tuple[PinReason | None, StatementEffects]:
    words = [token.upper for token in tokens]
    if words[0] == "SET":
        return _classify_set(sql, tokens)
    if words[0] == "USE" and len(tokens) >= 2:
        return None, StatementEffects(use_schema=_identifier(tokens[1]))
    if words[:2] == ["DROP", "DATABASE"] or words[:2] == ["DROP", "SCHEMA"]:
        return None, StatementEffects(dropped_schema=_identifier(tokens[-1]))
    return _pin_reason_of_statement(tokens, words, first), StatementEffects()


def _pin_reason_of_statement(tokens: list[_Token], words: list[str], first: bool) -> PinReason | None:
    if words[0] == "PREPARE":
        return PinReason.PREPARED_STATEMENT
    if words[0] == "LOCK" and words[1:2] in (["TABLE"], ["TABLES"]):
        return PinReason.TABLE_LOCK
    if words[0] == "FLUSH" and ("LOCK" in words or "EXPORT" in words):
        return PinReason.TABLE_LOCK  # FLUSH TABLES [t] WITH READ LOCK / FOR EXPORT
    if words[0] == "CREATE" and "TEMPORARY" in words[1:4]:
        return PinReason.TEMPORARY_TABLE
    for index, token in enumerate(tokens):
        if _is_user_variable(token) and _next_text(tokens, index) == ":=":
            return PinReason.USER_VARIABLE
        if token.upper == "INTO" and index + 1 < len(tokens) and _is_user_variable(tokens[index + 1]):
            return PinReason.USER_VARIABLE
        if _next_text(tokens, index) == "(":
            if token.upper == "GET_LOCK":
                return PinReason.NAMED_LOCK
            # Later statements of the same query run on the same backend, so only a first
            # statement can be reading state left by an earlier, separate query.
            if first and token.upper in _SESSION_FUNCTIONS:
                return PinReason.SESSION_FUNCTION
    return None


def _classify_set(sql: str, tokens: list[_Token]) -> tuple[PinReason | None, StatementEffects]:
    words = [token.upper for token in tokens]
    if words[1:2] in (["PASSWORD"], ["STATEMENT"]) or words[1:3] == ["DEFAULT", "ROLE"]:
        return None, StatementEffects()  # no session state (SET STATEMENT ... FOR is per statement)
    if "TRANSACTION" in words[1:3]:
        return _classify_set_transaction(sql, tokens, words)
    tracked: list[TrackedChange] = []
    scope = "SESSION"
    for assignment in _split_on_commas(tokens[1:]):
        head = assignment[0].upper
        if head in ("GLOBAL", "SESSION", "LOCAL", "PERSIST", "PERSIST_ONLY"):
            scope = "GLOBAL" if head.startswith(("GLOBAL", "PERSIST")) else "SESSION"
            assignment = assignment[1:]
        if not assignment:
            return PinReason.UNTRACKED_VARIABLE, StatementEffects()
        change = _classify_assignment(sql, assignment, scope)
        if isinstance(change, PinReason):
            return change, StatementEffects()
        tracked.append(change)
    return None, StatementEffects(tracked=tuple(tracked))


def _classify_assignment(sql: str, assignment: list[_Token], scope: str) -> TrackedChange | PinReason:
    words = [token.upper for token in assignment]
    if words[0] in ("NAMES", "CHARSET") or words[:2] == ["CHARACTER", "SET"]:
        return TrackedChange("names", f"SET {_source(sql, assignment)}")
    target = assignment[0]
    if _is_user_variable(target):
        return PinReason.USER_VARIABLE
    if target.kind is _Kind.VARIABLE:  # @@name, @@session.name, @@global.name
        prefix, _, name = target.text[2:].strip("`'\"").lower().rpartition(".")
        if prefix == "global":
            return PinReason.UNTRACKED_VARIABLE
        if not prefix and name in _TRANSACTION_VARIABLES:
            return PinReason.NEXT_TRANSACTION_SCOPE
    elif target.kind in (_Kind.WORD, _Kind.QUOTED_NAME):
        name = target.text.strip("`").lower()
    else:
        return PinReason.UNTRACKED_VARIABLE
    key = TRACKED_VARIABLES.get(name)
    if scope != "SESSION" or key is None or len(assignment) < 3 or assignment[1].text not in ("=", ":="):
        return PinReason.UNTRACKED_VARIABLE
    return TrackedChange(key, f"SET SESSION {name} = {_source(sql, assignment[2:])}")


def _classify_set_transaction(
    sql: str, tokens: list[_Token], words: list[str]
) -> tuple[PinReason | None, StatementEffects]:
    if words[1] == "TRANSACTION":
        return PinReason.NEXT_TRANSACTION_SCOPE, StatementEffects()
    if words[1] != "SESSION":
        return PinReason.UNTRACKED_VARIABLE, StatementEffects()  # GLOBAL TRANSACTION
    tracked = []
    for characteristic in _split_on_commas(tokens[3:]):
        key = "transaction_isolation" if characteristic[0].upper == "ISOLATION" else "transaction_read_only"
        tracked.append(TrackedChange(key, f"SET SESSION TRANSACTION {_source(sql, characteristic)}"))
    return None, StatementEffects(tracked=tuple(tracked))


def _split_on_commas(tokens: list[_Token]) -> list[list[_Token]]:
    parts: list[list[_Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.kind is _Kind.SYMBOL and token.text in "()":
            depth += 1 if token.text == "(" else -1
        if depth == 0 and token.kind is _Kind.SYMBOL and token.text == ",":
            parts.append([])
        else:
            parts[-1].append(token)
    return [part for part in parts if part]


def _is_user_variable(token: _Token) -> bool:
    return token.kind is _Kind.VARIABLE and not token.text.startswith("@@")


def _next_text(tokens: list[_Token], index: int) -> str:
    return tokens[index + 1].text if index + 1 < len(tokens) else ""


def _source(sql: str, tokens: list[_Token]) -> str:
    return sql[tokens[0].start : tokens[-1].end]


def _identifier(token: _Token) -> str:
    if token.kind is _Kind.QUOTED_NAME:
        return token.text[1:-1].replace("``", "`")
    return token.text
