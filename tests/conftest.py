"""Fixtures every test folder may use."""

from tests.pg import pg_url

__all__ = ["pg_url"]
