"""Create the app and admin database users with exactly the grants they need; idempotent.

Run once per database with the master credentials. The passwords set here are the ones stored in
the Secrets Manager secrets that RDS Proxy uses to log in to the database on our behalf: clients
never see them (they present IAM tokens to the proxy), so the web path holds no database password.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from typing import Any

import MySQLdb
from django.conf import settings

from db_roles.admin_role import database_users, refuse_in_web_stage
from db_roles.credentials import master_connection_params, role_login

# The web path reads and writes rows, nothing more: a bug or an injection in a request can never
# alter or drop a table.
APP_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")
# What Django migrations need: DDL plus the data migrations' DML. No GRANT OPTION, nothing global.
ADMIN_PRIVILEGES = (*APP_PRIVILEGES, "CREATE", "ALTER", "DROP", "INDEX", "REFERENCES")


@dataclass(frozen=True)
class DatabaseUser:
    name: str
    password: str
    privileges: Sequence[str]


def quote_identifier(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


class Bootstrapper:
    """Brings users and schema grants to the wanted state over one master connection (MySQLdb)."""

    def __init__(self, connection: Any, database: str) -> None:
        self.cursor = connection.cursor()
        self.database = database
        self.changes: list[str] = []

    def run(self, users: Sequence[DatabaseUser], reset_passwords: bool = False) -> list[str]:
        self.ensure_database()
        for user in users:
            self.ensure_user(user, reset_passwords)
            self.ensure_privileges(user)
        return self.changes

    def execute(self, statement: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self.cursor.execute(statement, tuple(args) or None)
        return list(self.cursor.fetchall())

    @staticmethod
    def account(user: DatabaseUser) -> list[str]:
        """Parameters for an account written as %s@%s: users may connect from any host (the proxy)."""
        return [user.name, "%"]

    def ensure_database(self) -> None:
        exists = self.execute(
            "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", [self.database]
        )
        if not exists:
            self.execute(
                f"CREATE DATABASE {quote_identifier(self.database)} "
                "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )
            self.changes.append(f"created database {self.database}")

    def ensure_user(self, user: DatabaseUser, reset_password: bool) -> None:
        exists = self.execute("SELECT 1 FROM mysql.user WHERE User = %s AND Host = '%%'", [user.name])
        if not exists:
            self.execute("CREATE USER %s@%s IDENTIFIED BY %s", [*self.account(user), user.password])
            self.changes.append(f"created user {user.name}")
        elif reset_password:
            self.execute("ALTER USER %s@%s IDENTIFIED BY %s", [*self.account(user), user.password])
            self.changes.append(f"reset the password of {user.name} to its secret's")

    def ensure_privileges(self, user: DatabaseUser) -> None:
        current = {
            row[0]
            for row in self.execute(
                "SELECT PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES "
                "WHERE GRANTEE = %s AND TABLE_SCHEMA = %s",
                [f"'{user.name}'@'%'", self.database],
            )
        }
        wanted = set(user.privileges)
        schema = f"{quote_identifier(self.database)}.*"
        if missing := sorted(wanted - current):
            self.execute(f"GRANT {', '.join(missing)} ON {schema} TO %s@%s", self.account(user))
            self.changes.append(f"granted {', '.join(missing)} on {self.database} to {user.name}")
        if extra := sorted(current - wanted):
            self.execute(f"REVOKE {', '.join(extra)} ON {schema} FROM %s@%s", self.account(user))
            self.changes.append(f"revoked {', '.join(extra)} on {self.database} from {user.name}")
        global_privileges = self.execute(
            "SELECT PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = %s",
            [f"'{user.name}'@'%'"],
        )
        if {row[0] for row in global_privileges} - {"USAGE"}:
            self.execute("REVOKE ALL PRIVILEGES, GRANT OPTION FROM %s@%s", self.account(user))
            self.execute(f"GRANT {', '.join(sorted(wanted))} ON {schema} TO %s@%s", self.account(user))
            self.changes.append(f"revoked global privileges from {user.name}")


def bootstrap_db_users(
    reset_passwords: bool = False, app: dict[str, Any] | None = None, admin: dict[str, Any] | None = None
) -> list[str]:
    """Bring both users to the wanted state; return a line per change (or one saying none).

    ``app`` and ``admin`` are DATABASES-style dicts (USER, NAME), given together; by default the users
    this process's configuration names (db_roles.admin_role.database_users) in the default database.
    """
    refuse_in_web_stage("bootstrap_db_users")
    if app is not None and admin is not None:
        app_user, admin_user = app["USER"], admin["USER"]
    else:
        app_user, admin_user = database_users()
    database = (app or settings.DATABASES["default"])["NAME"]
    users = [
        DatabaseUser(
            *role_login(app_user, "DATABASE_APP_SECRET_ARN", "DATABASE_APP_PASSWORD"), APP_PRIVILEGES
        ),
        DatabaseUser(
            *role_login(admin_user, "DATABASE_ADMIN_SECRET_ARN", "DATABASE_ADMIN_PASSWORD"), ADMIN_PRIVILEGES
        ),
    ]
    with closing(
        MySQLdb.connect(**master_connection_params(), charset="utf8mb4", autocommit=True)
    ) as connection:
        changes = Bootstrapper(connection, database).run(users, reset_passwords=reset_passwords)
    return changes or [f"nothing to change: {', '.join(user.name for user in users)} are as wanted"]
