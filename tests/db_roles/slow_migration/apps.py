from django.apps import AppConfig


class SlowMigrationConfig(AppConfig):
    name = "tests.db_roles.slow_migration"
    label = "slow_migration"
