import polars as pl
import pytest
from support.tables import unsuppressed_tables

from pipelines.config import DisclosureConfig
from pipelines.disclosure import protect


@pytest.fixture
def unsuppressed() -> dict[str, pl.DataFrame]:
    return unsuppressed_tables()


@pytest.fixture
def protected(unsuppressed) -> dict[str, pl.DataFrame]:
    return protect(unsuppressed, DisclosureConfig())


@pytest.fixture
def run_facts() -> dict:
    return {
        "data_period": {"start": "2019-04-01", "end": "2025-03-31"},
        "source_extract_dates": {"chain": "2025-03-31", "hclic": "2025-03-31"},
        "definitions_version": "1.0",
        "code_version": "0.1.0",
        "synthetic": True,
        "definitions": [
            {"id": "seen_rough_sleeping", "definition": "People seen rough sleeping in the period.",
             "unit": "people", "version": "1.0"}
        ],
    }  # fmt: skip
