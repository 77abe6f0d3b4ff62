"""Python run inside a started function after its timed first response, through Zappa's own handler.

Each is the code of a raw_command event (what `zappa invoke --raw` sends; the handler exec()s it
inside a method, so it has its own locals: plain loops, no closures over them). Each writes a JSON
report to a file the benchmark names and reads back.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# Which loaded modules come from neither the zip, the runtime directory nor the standard library.
MODULE_AUDIT = """
import json, os, sys
allowed = ()
for root in (os.environ["LAMBDA_TASK_ROOT"], os.environ["LAMBDA_RUNTIME_DIR"], sys.base_prefix):
    allowed += (os.path.realpath(root) + os.sep,)
elsewhere = []
for module in list(sys.modules.values()):
    file = getattr(module, "__file__", None)
    if file and not os.path.realpath(file).startswith(allowed):
        elsewhere.append(file)
with open({report!r}, "w") as report:
    json.dump({{"modules": len(sys.modules), "elsewhere": sorted(elsewhere)}}, report)
"""

# The production stage's read of Django's secret key, as settings do it at a cold start: the first
# in this process, so it includes building botocore's Secrets Manager client.
KEY_READ_TIMING = """
import json, os, time
os.environ["AWS_ENDPOINT_URL_SECRETS_MANAGER"] = {endpoint!r}
from site_platform.aws import read_secret_string
started = time.perf_counter_ns()
read_secret_string({secret_arn!r})
elapsed_ms = (time.perf_counter_ns() - started) / 1e6
with open({report!r}, "w") as report:
    json.dump({{"elapsed_ms": elapsed_ms}}, report)
"""


def raw_command(template: str, report: Path, **values: str) -> dict[str, Any]:
    """The event that makes Zappa's handler run ``template`` (filled in) and write to ``report``."""
    return {"raw_command": template.format(report=str(report), **values)}


def read_report(report: Path) -> dict[str, Any]:
    answer = dict(json.loads(report.read_text()))
    report.unlink()
    return answer
