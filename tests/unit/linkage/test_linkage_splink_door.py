"""Splink is imported in one module only: the import-linter contract names every other one."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pipelines.linkage

ROOT = Path(__file__).resolve().parents[3]
DOOR = "pipelines.linkage.splink_api"


def test_the_splink_contract_names_every_linkage_module_but_the_door():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    (door,) = [c for c in contracts if c.get("forbidden_modules") == ["splink"]]
    modules = {
        f"pipelines.linkage.{path.stem}"
        for path in Path(pipelines.linkage.__file__).parent.glob("*.py")
        if path.stem != "__init__"
    }
    named = set(door["source_modules"])
    assert DOOR in modules and DOOR not in named
    assert modules - {DOOR} <= named, "a new linkage module must be named in the Splink contract"
