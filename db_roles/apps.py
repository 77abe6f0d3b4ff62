from django.apps import AppConfig


class DbRolesConfig(AppConfig):
    name = "db_roles"
    verbose_name = "Database roles"
