"""What the Lambda python3.12 runtime gives a zip's native code, and nothing more than we can cite.

Sources (not checkable from this machine, which never reaches AWS):
- https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html : python3.12 runs on Amazon
  Linux 2023, x86_64 (the default architecture; zappa_settings.json sets none).
- https://docs.aws.amazon.com/linux/al2023/ug/core-glibc.html : AL2023's toolchain is glibc 2.34, so
  an object that binds to any GLIBC_2.35+ symbol version fails to load ("version `GLIBC_2.38' not
  found", as in aws/aws-lambda-rust-runtime#932).
- https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html : LD_LIBRARY_PATH contains
  $LAMBDA_TASK_ROOT and $LAMBDA_TASK_ROOT/lib, i.e. the zip's root and its lib/ folder.
"""

from __future__ import annotations

RUNTIME = "python3.12"
MACHINE = "EM_X86_64"
ELF_CLASS = 64
MAX_GLIBC = (2, 34)
TASK_ROOT = "/var/task"  # where Lambda unpacks the zip ($LAMBDA_TASK_ROOT)
LOADER_PATH_DIRECTORIES_IN_ZIP = ("", "lib")  # $LAMBDA_TASK_ROOT and $LAMBDA_TASK_ROOT/lib

# Libraries the runtime provides. Only glibc's own: every system runs them, manylinux wheels may
# assume them (PEP 600), and AL2023 ships glibc 2.34 in full. Deliberately absent: libstdc++.so.6,
# libgcc_s.so.1, libz.so.1, libssl.so.3, libcrypto.so.3 - likely present on AL2023 but not in any
# AWS statement we can cite for the python3.12 runtime, and nothing we ship needs them today. If a
# dependency starts to, verify on a real function (zappa invoke --raw <stage> "import ctypes;
# ctypes.CDLL('libstdc++.so.6')") before adding it here with that evidence.
RUNTIME_LIBRARIES: dict[str, str] = {
    "libc.so.6": "glibc 2.34 (AL2023)",
    "libm.so.6": "glibc 2.34 (AL2023)",
    "libdl.so.2": "glibc 2.34 (AL2023); a stub since 2.34, kept for old binaries",
    "libpthread.so.0": "glibc 2.34 (AL2023); a stub since 2.34, kept for old binaries",
    "librt.so.1": "glibc 2.34 (AL2023); a stub since 2.34, kept for old binaries",
    "libutil.so.1": "glibc 2.34 (AL2023); a stub since 2.34, kept for old binaries",
    "libresolv.so.2": "glibc 2.34 (AL2023)",
    "ld-linux-x86-64.so.2": "glibc 2.34 (AL2023): the dynamic loader itself",
}
