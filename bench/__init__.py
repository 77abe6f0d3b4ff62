"""Benchmarks for the production path: Zappa's handler -> Django -> RDS Proxy stand-in -> MariaDB.

``python -m bench`` (``make bench``) writes docs/benchmarks.md and the plots in docs/benchmarks/;
``python -m bench --quick`` (``make bench-quick``) is the CI smoke size. See docs/benchmarks.md.
"""
