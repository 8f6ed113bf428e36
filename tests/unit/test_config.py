import json

import pytest

from contract.errors import ConfigError
from pipelines.config import (
    DOCUMENT,
    SECTIONS,
    PathwaysConfig,
    defaults,
    defaults_reference,
    load_config,
)


def test_defaults_follow_the_ons_10_5_rule():
    sdc = PathwaysConfig().disclosure
    assert (sdc.threshold, sdc.rounding_base) == (10, 5)


def test_a_config_file_cannot_lower_the_threshold_below_five(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"disclosure": {"threshold": 3}}))
    with pytest.raises(ConfigError, match="disclosure.threshold may not be set below 5"):
        load_config(path)


def test_a_config_file_overrides_only_what_it_names(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[metrics]\nsustained_grace_days = 28\n")
    config = load_config(path)
    assert config.metrics.sustained_grace_days == 28
    assert config.disclosure.threshold == 10


def test_every_setting_carries_its_reason():
    for section_name, section in PathwaysConfig.model_fields.items():
        assert section.description, f"the {section_name} section says not what it is for"
        for name, field in section.annotation.model_fields.items():
            assert field.description, f"{section.annotation.__name__}.{name} has no reason"


def test_the_committed_settings_reference_is_what_the_code_writes():
    assert DOCUMENT.read_text(encoding="utf-8") == defaults_reference(), (
        "docs/config.md is stale: run python -m pipelines.config"
    )


def test_the_reference_lists_every_setting_with_its_default_and_reason():
    reference = defaults_reference()
    config = PathwaysConfig()
    for section in SECTIONS:
        for name, field in type(getattr(config, section)).model_fields.items():
            row = next(line for line in reference.splitlines() if f"| `{section}.{name}` |" in line)
            assert field.description in row
    assert "| `disclosure.threshold` | `10` | ONS 10-5 rule" in reference
    assert '| `metrics.borough_breakdown_periods` | `["quarter", "fy"]` |' in reference
    assert reference.index("## `validation`") < reference.index("## `disclosure`")


def test_the_defaults_written_in_the_reference_load_back_as_the_defaults(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(
        json.dumps(
            {
                section: {name: setting["default"] for name, setting in settings.items()}
                for section, settings in defaults().items()
            }
        )
    )
    assert load_config(path) == PathwaysConfig()


@pytest.mark.parametrize(
    ("old", "message"),
    [
        (
            "[survival]\ngrace_days = 28\n",
            "config.toml: survival.grace_days is now metrics.sustained_grace_days: set it there "
            "(one setting per rule, in the section that reads it).",
        ),
        (
            "[survival]\ncompare_min_group = 30\n",
            "config.toml: survival.compare_min_group is now comparisons.min_group: set it there "
            "(one setting per rule, in the section that reads it).",
        ),
        (
            "[survival]\nreport_days = [90]\n",
            "config.toml: survival.report_days is no longer a setting: nothing read it.",
        ),
    ],
)
def test_a_setting_that_moved_is_refused_with_its_new_name(tmp_path, old, message):
    path = tmp_path / "config.toml"
    path.write_text(old)
    with pytest.raises(ConfigError) as refused:
        load_config(path)
    assert str(refused.value) == message


def test_each_rule_has_one_setting_in_the_section_that_reads_it(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(
        json.dumps({"pathways": {"top_paths": 3}, "comparisons": {"reference_intervention": "ta"}})
    )
    config = load_config(path)
    assert (config.pathways.top_paths, config.comparisons.reference_intervention) == (3, "ta")
    assert set(PathwaysConfig().survival.model_dump()) == {"confidence_level"}
    assert set(PathwaysConfig.model_fields) == set(SECTIONS)


def test_the_pack_map_draws_the_real_outlines_unless_told_tiles(tmp_path):
    assert PathwaysConfig().map.style == "boundaries"
    path = tmp_path / "config.toml"
    path.write_text('[map]\nstyle = "tiles"\n')
    assert load_config(path).map.style == "tiles"
    path.write_text('[map]\nstyle = "hexes"\n')
    with pytest.raises(ConfigError, match="map.style"):
        load_config(path)


def test_the_service_register_is_read_from_toml_and_refuses_a_name_that_is_not_plain(tmp_path):
    assert PathwaysConfig().services.directory == ()
    path = tmp_path / "config.toml"
    path.write_text(
        '[[services.directory]]\nkind = "outreach"\nname = "Camden outreach team"\n'
        'boroughs = ["E09000007"]\n\n[[services.directory]]\nkind = "hostel"\nname = "SHP"\n'
    )
    [team, hostel] = load_config(path).services.directory
    assert (team.name, team.boroughs, hostel.kind) == (
        "Camden outreach team",
        ("E09000007",),
        "hostel",
    )
    for name in ("other outreach teams", "Joe: seen at the arches, 2am"):
        path.write_text(f'[[services.directory]]\nkind = "outreach"\nname = "{name}"\n')
        with pytest.raises(ConfigError, match="is not a service name"):
            load_config(path)
