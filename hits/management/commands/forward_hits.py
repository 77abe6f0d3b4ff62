"""manage.py forward_hits --to http://localhost:3000 [--from https://site] [--filter 'method=POST'] ..."""

from __future__ import annotations

import http.client
import os
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict

from hits.filters import FilterError, HitFilter, refuse_unknown_parameters
from hits.forwarding import (
    ForwardingError,
    Source,
    State,
    Target,
    new_hits,
    plan_replay,
    send,
)

DEFAULT_SOURCE = "http://127.0.0.1:8000"  # `make run`
DEFAULT_STATE = Path(".forward_hits.json")
TOKEN_VARIABLE = "WEBHOOK_SITE_TOKEN"  # noqa: S105 - the variable's name, not a secret
MAX_BACKOFF_SECONDS = 30.0


class Command(BaseCommand):
    # A client of a site, possibly on a machine without the site's database or AWS configuration:
    # the site's own system checks are not this command's business.
    requires_system_checks = ()
    help = (
        "Follow new hits through the site's JSON API and re-send each one to --to as it was received "
        "(method, path, query, headers in order minus hop-by-hop and redacted ones, body). Prints "
        "status and latency per hit; resumes after the last forwarded id (--state) after a restart."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--to", required=True, metavar="URL", help="where to send hits (http or https)")
        parser.add_argument(
            "--from",
            dest="source",
            default=DEFAULT_SOURCE,
            metavar="URL",
            help=f"the site (default {DEFAULT_SOURCE})",
        )
        parser.add_argument(
            "--filter",
            default="",
            metavar="QUERY",
            help="only hits this filter matches, e.g. 'method=POST&path=/github/'",
        )
        parser.add_argument(
            "--token", help=f"API token (default: ${TOKEN_VARIABLE}); needed when the site requires login"
        )
        parser.add_argument(
            "--state", type=Path, default=DEFAULT_STATE, help=f"state file (default {DEFAULT_STATE})"
        )
        parser.add_argument(
            "--start-after",
            type=int,
            metavar="ID",
            help="first run only: forward hits after this id (default: only new hits)",
        )
        parser.add_argument(
            "--host-header", metavar="HOST", help="Host header to send (default: the --to host)"
        )
        parser.add_argument(
            "--strip-prefix", default="", metavar="PATH", help="remove this prefix from paths"
        )
        parser.add_argument("--add-prefix", default="", metavar="PATH", help="put this prefix before paths")
        parser.add_argument("--ui-prefix", default="_", help="the site's HITS_UI_PREFIX (default _)")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls (default 1)")
        parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request (default 30)")
        parser.add_argument("--once", action="store_true", help="forward the hits there are now, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        target = self.target_from(options)
        filter_query = self.filter_from(options["filter"])
        token = options["token"] or os.environ.get(TOKEN_VARIABLE) or None
        source = Source(options["source"], token, filter_query, options["ui_prefix"], options["timeout"])
        check_url("--from", source.site_url)
        state_path: Path = options["state"]
        try:
            state = self.starting_state(source, state_path, options["start_after"])
            self.stdout.write(f"forwarding hits after #{state.after} from {source.site_url} to {target.url}")
            self.follow(source, target, state, state_path, options)
        except ForwardingError as error:
            raise CommandError(str(error)) from error
        except KeyboardInterrupt:
            self.stdout.write("stopped")

    def target_from(self, options: dict[str, Any]) -> Target:
        check_url("--to", options["to"])
        for name in ("strip_prefix", "add_prefix"):
            if options[name] and not options[name].startswith("/"):
                raise CommandError(f"--{name.replace('_', '-')} must start with /, not {options[name]!r}")
        return Target(options["to"], options["host_header"], options["strip_prefix"], options["add_prefix"])

    def filter_from(self, text: str) -> str:
        """The filter as the site will read it, checked here first: unknown names are refused."""
        query = QueryDict(text)
        try:
            refuse_unknown_parameters(query)
            return HitFilter.from_query(query).as_query()
        except FilterError as error:
            raise CommandError(f"--filter: {error}") from error

    def starting_state(self, source: Source, path: Path, start_after: int | None) -> State:
        newest = source.newest_id()  # first, so a refused token or a wrong URL writes no state
        saved = State.load(path)
        if saved is not None:
            if start_after is not None:
                raise CommandError(
                    f"--start-after conflicts with the saved state in {path} "
                    f"(after #{saved.after}): give one or the other"
                )
            if (saved.site_url, saved.filter_query) != (source.site_url, source.filter_query):
                raise CommandError(
                    f"{path} holds the position of another source or filter "
                    f"({saved.site_url} {saved.filter_query!r}): use another --state file or remove it"
                )
            return saved
        after = start_after if start_after is not None else newest
        state = State(source.site_url, source.filter_query, after)
        state.save(path)
        return state

    def follow(
        self, source: Source, target: Target, state: State, path: Path, options: dict[str, Any]
    ) -> None:
        pause = options["interval"]
        while True:
            forwarded = 0
            for hit_id, hit in new_hits(source, state.after):
                if hit is not None:
                    self.forward(hit_id, hit, target, options["timeout"], options["once"])
                    forwarded += 1
                state = State(state.site_url, state.filter_query, hit_id)
                state.save(path)
            if options["once"]:
                return
            # Idle: poll less often, up to MAX_BACKOFF_SECONDS; busy: at the given interval.
            pause = options["interval"] if forwarded else min(pause * 2, MAX_BACKOFF_SECONDS)
            time.sleep(pause)

    def forward(self, hit_id: int, hit: dict[str, Any], target: Target, timeout: float, once: bool) -> None:
        replay = plan_replay(hit, target)
        backoff = 1.0
        while True:
            try:
                delivery = send(replay, target, timeout)
            except ValueError as error:
                # http.client refuses what HTTP cannot carry (a header name outside ASCII, a line
                # break in a value): no retry can deliver it, so it is reported and passed over.
                self.stderr.write(f"#{hit_id} cannot be sent as HTTP/1.1 ({error}); skipped")
                return
            except (OSError, http.client.HTTPException) as error:
                # Not delivered: keep the hit (no gap) and retry, or stop in --once mode.
                if once:
                    raise ForwardingError(f"#{hit_id} not delivered to {target.url}: {error}") from error
                self.stderr.write(f"#{hit_id} not delivered ({error}); retrying in {backoff:.0f} s")
                time.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
                continue
            latency_ms = delivery.seconds * 1000
            self.stdout.write(
                f"#{hit_id} {replay.method} {replay.target} -> {delivery.status} in {latency_ms:.1f} ms"
            )
            return


def check_url(option: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CommandError(f"{option} must be an http:// or https:// URL, not {url!r}")
