"""One `make stack` per state directory; a crashed one leaves nothing that blocks the next."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from local_stack.state_dir import StateDirInUse, own_state_dir

CHECKOUT = Path(__file__).resolve().parents[2]
HOLDER = """
import sys, time
from pathlib import Path
from local_stack.state_dir import own_state_dir
with own_state_dir(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(120)
"""


def test_a_second_stack_is_refused_with_the_first_ones_pid(tmp_path: Path) -> None:
    refusal = rf"another make stack \(pid {os.getpid()}\) is running on"
    with own_state_dir(tmp_path), pytest.raises(StateDirInUse, match=refusal), own_state_dir(tmp_path):
        pass
    with own_state_dir(tmp_path):  # free again once the first one is done
        assert (tmp_path / "stack.pid").read_text() == f"{os.getpid()}\n"


def test_a_killed_stack_leaves_the_state_dir_free(tmp_path: Path) -> None:
    holder = subprocess.Popen(  # noqa: S603 -- this interpreter running the script above
        [sys.executable, "-c", HOLDER, str(tmp_path)], cwd=CHECKOUT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(StateDirInUse, match=rf"kill {holder.pid}\)"), own_state_dir(tmp_path):
            pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with own_state_dir(tmp_path):
        assert (tmp_path / "stack.pid").read_text() == f"{os.getpid()}\n"
