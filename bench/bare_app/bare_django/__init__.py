"""Django's minimum behind Zappa's handler: settings and one view, no database, apps or middleware."""
