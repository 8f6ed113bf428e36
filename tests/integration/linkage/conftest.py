"""Noisy street records with known identities, linked once per test session."""

from __future__ import annotations

import pytest
from support.street_records import street_records


@pytest.fixture(scope="session")
def street():
    """(tables, truth) for 500 people written down by busy outreach, council and hostel staff."""
    return street_records(500, seed=11)
