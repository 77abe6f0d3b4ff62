"""The reference for B5: a bare Django project (no database, no apps, no middleware) answering one view."""
