"""Stands in for the python3.12 runtime's /var/runtime/bootstrap.py: run as a script, stdlib only.

What that file does (as public copies of the python3.12 image's file show; AWS does not document it): put
LAMBDA_TASK_ROOT first on sys.path, add it as a site directory (so the zip's .pth files run), then
hand over to the runtime interface client: ``awslambdaric.__main__.main([task_root, _HANDLER])``,
which reads AWS_LAMBDA_RUNTIME_API, imports the handler (the init phase) and loops on
/runtime/invocation/next. The Layer directories (/opt/python...) it also adds are empty for this
function and left out. The interpreter runs with -I -S -B: nothing from this machine's environment
or site-packages is importable, and nothing is written next to the code, as on the read-only
/var/task; LAMBDA_RUNTIME_DIR (where awslambdaric is installed) comes after the task root, as there.
"""

import os
import site
import sys


def main() -> None:
    task_root, runtime_dir = os.environ["LAMBDA_TASK_ROOT"], os.environ["LAMBDA_RUNTIME_DIR"]
    # The runtime's PYTHONPATH (its own directory) is how its bootstrap imports awslambdaric first.
    sys.path.insert(0, runtime_dir)
    from awslambdaric import __main__ as runtime_interface_client

    sys.path.insert(0, task_root)
    site.addsitedir(task_root)
    runtime_interface_client.main([task_root, os.environ["_HANDLER"]])


if __name__ == "__main__":
    main()
