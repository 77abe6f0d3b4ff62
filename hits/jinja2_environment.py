"""The Jinja2 environment of the hits pages: autoescaping always on, unknown names an error."""

from __future__ import annotations

from typing import Any

import jinja2
from django.templatetags.static import static
from django.urls import reverse

from hits.display_formats import byte_size, received_time, shortened


def url(name: str, *args: object) -> str:
    return reverse(name, args=args)


def environment(**options: Any) -> jinja2.Environment:
    # Captured data reaches these templates: escaping is stated here rather than inherited from the
    # backend's default, and a misspelt name fails a test instead of rendering as nothing.
    options["autoescape"] = True
    options["undefined"] = jinja2.StrictUndefined
    jinja = jinja2.Environment(**options)  # noqa: S701 - autoescape is set on the line above
    jinja.globals.update(static=static, url=url)
    jinja.filters.update(byte_size=byte_size, received_time=received_time, shortened=shortened)
    return jinja
