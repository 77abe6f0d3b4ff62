"""The backend connector's password scrambles, checked against PyMySQL's independent implementation."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from pymysql import _auth as pymysql_auth

from local_rds_proxy.backend import scramble_caching_sha2_password, scramble_native_password

passwords = st.binary(min_size=1, max_size=64)
salts = st.binary(min_size=20, max_size=20)


@given(passwords, salts)
def test_mysql_native_password_scramble(password: bytes, salt: bytes) -> None:
    assert scramble_native_password(password, salt) == pymysql_auth.scramble_native_password(password, salt)


@given(passwords, salts)
def test_caching_sha2_password_fast_path_scramble(password: bytes, salt: bytes) -> None:
    # No MySQL 8 server here, so this comparison is the only check of the caching_sha2 path.
    expected = pymysql_auth.scramble_caching_sha2(password, salt)
    assert scramble_caching_sha2_password(password, salt) == expected
