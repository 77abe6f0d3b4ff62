"""Which database user does what: schema changes as the admin user, everything else as the app user."""
