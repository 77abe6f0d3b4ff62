"""What the site's packages share underneath, importing none of them.

- ``site_platform.aws``: the one module that talks to AWS (region, credentials, Secrets Manager).
- ``site_platform.connection_lifecycle``: database connection upkeep for work outside requests.

The packages stack one way (tests/test_package_layers.py): site_platform, then the apps (hits,
db_roles), then the project (webhook_site: settings, URLs, the database backend, Lambda entry
points), then the tools that start or build it.
"""
