"""`make stack`: the production database path on one machine, to click through.

MariaDB (local_mariadb) -> RDS Proxy stand-in (local_rds_proxy: TLS, IAM tokens, pooling) -> the site
on the mysql_iam backend, migrated as the admin user, served by runserver.
"""
