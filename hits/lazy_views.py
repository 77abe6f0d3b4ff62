"""URLconf entries whose view module is imported by the first request routed to it, not by the URLconf.

A Lambda cold start imports the URLconf to route its first request, which is nearly always a
capture. The pages and the API import what only they use (Jinja2 rendering, the body views with
defusedxml and multipart parsing, replay commands, exports, filters); imported by the URLconf, all of
that would be on every cold start's path (bench B5, docs/benchmarks.md). tests/hits/test_cold_path.py
checks that routing and storing a capture leave those modules unimported.

The wrapper carries the view's dotted path as its name (reverse(), resolve() and debug pages see the
real view) but none of the attributes decorators set for middleware to read before the call, such as
csrf_exempt: only views without such attributes belong here (the capture view stays a direct import).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.http import HttpRequest, HttpResponseBase
from django.utils.module_loading import import_string

View = Callable[..., HttpResponseBase]
# Every view lazy_view() was given, for import_lazy_views().
LAZY_VIEW_PATHS: set[str] = set()


def lazy_view(dotted_path: str) -> View:
    """A view that imports ``dotted_path`` ("package.module.view") on its first call, then calls it."""
    module_name, _, view_name = dotted_path.rpartition(".")

    def view(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        target = cast(View, import_string(dotted_path))  # a dict lookup once the module is imported
        return target(request, *args, **kwargs)

    view.__module__ = module_name
    view.__name__ = view.__qualname__ = view_name
    LAZY_VIEW_PATHS.add(dotted_path)
    return view


def import_lazy_views() -> None:
    """Import every lazy view now: SnapStart's before-snapshot hook (webhook_site/snapstart.py) puts
    them in the snapshot, which restored environments start from, so no first page view pays for them."""
    for dotted_path in sorted(LAZY_VIEW_PATHS):
        import_string(dotted_path)
