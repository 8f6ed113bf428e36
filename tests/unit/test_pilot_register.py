"""The pilot register: pilots named in the run's configuration, checked, carried in the release."""

from __future__ import annotations

import pytest

from app.charts.evaluation import register_table
from contract.errors import ConfigError
from contract.release import PilotEntry
from pipelines.config import load_config

CAMDEN = """
[[evaluation.pilots]]
id = "camden-housing-first"
borough = "E09000007"
intervention = "housing_first"
start = "2023-04"
target_group = "mental_health"
description = "Housing First for people with a mental health need."
"""


def test_a_registered_pilot_is_read_with_every_field(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(CAMDEN)
    (pilot,) = load_config(path).evaluation.pilots
    assert (pilot.id, pilot.borough, pilot.intervention, pilot.start, pilot.end) == (
        "camden-housing-first", "E09000007", "housing_first", "2023-04", None,
    )  # fmt: skip
    assert pilot.target_group == "mental_health"


def test_no_pilot_is_registered_by_default():
    assert load_config(None).evaluation.pilots == ()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('"E09000007"', '"E09000099"'),
         "config.toml: evaluation.pilots[1].borough: 'E09000099' is not the ONS code of a London "
         "borough (E09000001 to 33)."),
        (('"housing_first"', '"housing first"'),
         "config.toml: evaluation.pilots[1].intervention: 'housing first' is not one of hostel, "
         "temporary_accommodation, supported_housing, housing_first, settled."),
        (('start = "2023-04"', 'start = "2023-4"'),
         "config.toml: evaluation.pilots[1].start: '2023-4' is not a month written YYYY-MM."),
        (('start = "2023-04"', 'start = "2023-04"\nend = "2022-12"'),
         "config.toml: evaluation.pilots[1]: the pilot camden-housing-first ends (2022-12) before "
         "it starts (2023-04)."),
        (('"mental_health"', '"homeless"'),
         "config.toml: evaluation.pilots[1].target_group: 'homeless' is not one of mental_health, "
         "alcohol, drugs, physical_health, learning_disability."),
        (('id = "camden-housing-first"', 'id = "Camden HF"'),
         "config.toml: evaluation.pilots[1].id: 'Camden HF' is not a pilot id: use 2 to 48 "
         "lower-case letters, digits and hyphens."),
    ],
)  # fmt: skip
def test_a_bad_pilot_is_refused_in_one_line_naming_it(tmp_path, change, message):
    path = tmp_path / "config.toml"
    path.write_text(CAMDEN.replace(*change))
    with pytest.raises(ConfigError) as refused:
        load_config(path)
    assert str(refused.value) == message
    assert "\n" not in str(refused.value)


def test_a_pilot_id_registered_twice_is_refused(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(CAMDEN + CAMDEN.replace('"E09000007"', '"E09000022"'))
    with pytest.raises(ConfigError, match="the pilot id camden-housing-first is registered twice"):
        load_config(path)


def test_the_register_reads_in_words_on_the_about_and_transparency_pages():
    pilots = [
        PilotEntry(id="camden-housing-first", borough="E09000007", intervention="housing_first",
                   start="2023-04", target_group="mental_health", description="Housing First."),
        PilotEntry(id="lambeth-supported", borough="E09000022", intervention="supported_housing",
                   start="2023-10", end="2024-09"),
    ]  # fmt: skip
    table = register_table(pilots)
    assert table.rows() == [
        ("camden-housing-first", "Camden", "Housing First", "April 2023", "ongoing",
         "people with a mental health need", "Housing First."),
        ("lambeth-supported", "Lambeth", "Supported housing", "October 2023", "September 2024",
         "everyone", ""),
    ]  # fmt: skip
