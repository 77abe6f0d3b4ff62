"""Stands in for a long DDL statement (an ALTER TABLE copying a big table): 25 s of server time,
longer than the web path's 20 s read timeout (webhook_site/database_config.py)."""

from django.db import migrations

STATEMENT_SECONDS = 25


class Migration(migrations.Migration):
    operations = [
        migrations.RunSQL(f"SELECT SLEEP({STATEMENT_SECONDS})", reverse_sql=migrations.RunSQL.noop),
    ]
