"""ENGINE = "webhook_site.db.mysql_iam": Django's MySQL backend, logging in with IAM auth tokens."""
