"""/favicon.ico: browsers ask for it on every site they show (the admin, the API's JSON), and a
captured path would store each ask as a hit. It is answered from the app's own icon, no database."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

ICON = Path(__file__).resolve().parent / "static" / "hits" / "favicon.svg"
ONE_DAY = 24 * 60 * 60


@cache
def icon_bytes() -> bytes:
    return ICON.read_bytes()


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(icon_bytes(), content_type="image/svg+xml")
    response["Cache-Control"] = f"public, max-age={ONE_DAY}"
    response["X-Content-Type-Options"] = "nosniff"
    return response
