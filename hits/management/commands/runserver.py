"""runserver (with staticfiles' static handling) that ends its start-up output with the hits page URL.

It replaces django.contrib.staticfiles' runserver because hits is listed before staticfiles in
INSTALLED_APPS (the first app that has a command wins).
"""

from __future__ import annotations

from django.contrib.staticfiles.management.commands.runserver import Command as StaticFilesRunserver

from hits.startup_message import site_is_up


class Command(StaticFilesRunserver):
    def on_bind(self, server_port: int) -> None:
        """Called once the socket listens, after Django's own banner."""
        super().on_bind(server_port)
        host = "0.0.0.0" if self.addr == "0" else self.addr  # noqa: S104 - runserver's "0" means every interface
        if self._raw_ipv6:
            host = f"[{host}]"
        self.stdout.write(site_is_up(f"{self.protocol}://{host}:{server_port}"))
        # A pipe (make run in the background, make clean-room) would otherwise hold the line back.
        self.stdout.flush()
