"""A local stand-in for Amazon RDS Proxy (MySQL engine family) in front of a real MariaDB/MySQL.

For development and tests only: it requires TLS, checks IAM auth tokens by recomputing their SigV4
signature, logs in to the database with the user's stored password, and pools/multiplexes/pins
connections the way RDS Proxy documents. Standard library only at run time.

    config = ProxyConfig(tls_cert=..., tls_key=..., backend_port=3306,
                         secrets={"app": "db-password"}, credentials=[AwsCredential("AKID", "secret")])
    with ProxyServer(config).start_in_thread() as proxy:
        ...  # connect to 127.0.0.1:proxy.port with a token; read proxy.stats()
"""

from local_rds_proxy.certificates import CertificatePaths, make_test_certificates
from local_rds_proxy.config import ConfigError, ProxyConfig, config_to_toml, load_config
from local_rds_proxy.iam_token import AwsCredential, TokenRejected, TokenVerifier, build_auth_token
from local_rds_proxy.ready_file import ReadySignal, read_ready_file
from local_rds_proxy.server import ProxyServer, RunningProxy

__all__ = [
    "AwsCredential",
    "CertificatePaths",
    "ConfigError",
    "ProxyConfig",
    "ProxyServer",
    "ReadySignal",
    "RunningProxy",
    "TokenRejected",
    "TokenVerifier",
    "build_auth_token",
    "config_to_toml",
    "load_config",
    "make_test_certificates",
    "read_ready_file",
]
