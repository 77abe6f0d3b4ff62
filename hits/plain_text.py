"""The plain-text answers of the capture view and the pages (refusals, confirmations, "ok")."""

from __future__ import annotations

from django.http import HttpResponse


def plain_text(message: str, status: int) -> HttpResponse:
    return HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")
