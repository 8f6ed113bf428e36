"""Noisy street records with known identities, linked once per test session."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "linkage_street_records", Path(__file__).with_name("linkage_street_records.py")
)
street_records_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(street_records_module)


@pytest.fixture(scope="session")
def street():
    """(tables, truth) for 500 people written down by busy outreach, council and hostel staff."""
    return street_records_module.street_records(500, seed=11)
