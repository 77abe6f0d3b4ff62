"""`make chaos`: capture under faults, audited.

Concurrent webhook captures go to the site (gunicorn, the mysql_iam backend) through the RDS Proxy
stand-in to MariaDB while one of them is killed with SIGKILL and restarted; afterwards every answer
is checked against what the database holds: each acknowledged capture stored byte-exact, no 500, no
"nothing was stored" for a body that was stored. A soak then checks that file descriptors, proxy
client connections and memory stop growing after warm-up.
"""
