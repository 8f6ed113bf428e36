import json

import pytest

from contract.errors import ConfigError
from pipelines.config import PathwaysConfig, load_config


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
    path.write_text("[survival]\ngrace_days = 28\n")
    config = load_config(path)
    assert config.survival.grace_days == 28
    assert config.disclosure.threshold == 10


def test_every_setting_carries_its_reason():
    for section in PathwaysConfig.model_fields.values():
        for name, field in section.annotation.model_fields.items():
            assert field.description, f"{section.annotation.__name__}.{name} has no reason"
