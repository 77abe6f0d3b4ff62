"""The project's own wiring that needs Django ready: the IAM backend's system checks, SnapStart hooks."""

from django.apps import AppConfig


class WebhookSiteConfig(AppConfig):
    name = "webhook_site"
    verbose_name = "webhook_site project wiring"

    def ready(self) -> None:
        from webhook_site.db.mysql_iam.checks import register_checks

        register_checks()
        # Zappa's handler sets Django up during the function's init, so hooks registered here are in
        # place before Lambda takes a SnapStart snapshot.
        from webhook_site import snapstart

        snapstart.register_hooks()
