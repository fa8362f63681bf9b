"""Fixtures for dataset tests."""

from tests.realdata import real_data  # noqa: F401 (a pytest fixture)
