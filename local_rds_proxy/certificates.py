"""Make a throwaway CA and a server certificate for 127.0.0.1/localhost, so clients can verify the stand-in.

It shells out to the ``openssl`` command line so that the package stays standard-library only (the
stdlib can use certificates but not create them). Usable from tests and from ``make stack``:

    python -m local_rds_proxy.certificates DIRECTORY
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

DEFAULT_NAMES = ("IP:127.0.0.1", "DNS:localhost")
VALID_DAYS = 825  # the longest validity clients accept for a server certificate


@dataclass(frozen=True)
class CertificatePaths:
    ca_cert: Path  # give this to clients: ssl={"ca": ...}
    server_cert: Path
    server_key: Path


def make_test_certificates(
    directory: Path, subject_alt_names: tuple[str, ...] = DEFAULT_NAMES, common_name: str = "localhost"
) -> CertificatePaths:
    """Write ca.pem, server.pem and server-key.pem (ECDSA P-256) into ``directory``."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeError(
            "the openssl command is needed to make test certificates: apt-get install -y openssl"
        )
    directory.mkdir(parents=True, exist_ok=True)
    paths = CertificatePaths(directory / "ca.pem", directory / "server.pem", directory / "server-key.pem")
    ca_key = directory / "ca-key.pem"
    with tempfile.TemporaryDirectory() as scratch:
        request = Path(scratch) / "server.csr"
        extensions = Path(scratch) / "server.ext"
        extensions.write_text(
            f"subjectAltName={','.join(subject_alt_names)}\n"
            "basicConstraints=critical,CA:FALSE\n"
            "keyUsage=critical,digitalSignature,keyEncipherment\n"
            "extendedKeyUsage=serverAuth\n"
        )
        for command in (
            ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", ca_key],
            ["req", "-x509", "-new", "-key", ca_key, "-sha256", "-days", str(VALID_DAYS),
             "-subj", "/CN=local_rds_proxy test CA", "-out", paths.ca_cert,
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
            ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", paths.server_key],
            ["req", "-new", "-key", paths.server_key, "-subj", f"/CN={common_name}", "-out", request],
            ["x509", "-req", "-in", request, "-CA", paths.ca_cert, "-CAkey", ca_key, "-CAcreateserial",
             "-days", str(VALID_DAYS), "-sha256", "-extfile", extensions, "-out", paths.server_cert],
        ):  # fmt: skip
            _run_openssl(openssl, [str(part) for part in command])
    return paths


def _run_openssl(openssl: str, arguments: list[str]) -> None:
    # Fixed arguments built above, no shell: running the local openssl binary is this module's job.
    result = subprocess.run([openssl, *arguments], capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(arguments[:2])} failed:\n{result.stderr}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Write a test CA and a server certificate for the stand-in.")
    parser.add_argument("directory", type=Path)
    parser.add_argument(
        "--name", action="append", help="subjectAltName entry such as DNS:proxy.local (repeatable)"
    )
    args = parser.parse_args()
    paths = make_test_certificates(args.directory, tuple(args.name) if args.name else DEFAULT_NAMES)
    print(f"CA certificate (give to clients): {paths.ca_cert}")
    print(f"server certificate: {paths.server_cert}\nserver key: {paths.server_key}")


if __name__ == "__main__":
    main()
