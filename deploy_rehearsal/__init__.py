"""The deploy rehearsal: docs/deploy.md's Zappa flow run with the real zappa CLI, on this machine.

    python -m deploy_rehearsal [production] [--zip build/webhook-site-production.zip]   # make rehearse

moto (server mode, its own process) stands in for the AWS APIs; a local API Gateway behind an HTTPS
CONNECT proxy answers the CLI's post-deploy touch with the deployed zip's own code; MariaDB behind
the RDS Proxy stand-in is the database. Nothing reaches AWS or the internet. Not shipped in the
Lambda zip (zappa_settings.json exclude_glob).

Modules: driver (the steps, in the docs' order), checks and expectations (what must be true after
each step, from the stage's settings), moto_server, api_gateway, local_lambda + function_worker,
rehearsal_stack (the stack's stand-ins), rehearsal_settings (§2/§3), zappa_cli, moto_gaps, report.
"""
