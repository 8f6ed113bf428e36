"""A protected test release, built once per session, for the dashboard's page tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "app_release_builder", Path(__file__).with_name("app_release_builder.py")
)
builder = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(builder)


@pytest.fixture(scope="session")
def release_dir(tmp_path_factory) -> Path:
    return builder.build_release(tmp_path_factory.mktemp("release") / "release")


@pytest.fixture(scope="session")
def real_release_dir(tmp_path_factory) -> Path:
    """The same tables with a manifest that does not say synthetic."""
    return builder.build_release(
        tmp_path_factory.mktemp("release-real") / "release", synthetic=False
    )
