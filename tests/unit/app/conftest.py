"""The dashboard's test release, built once per session, for figure and data-layer tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import release_builder as builder


@pytest.fixture(scope="session")
def release_dir(tmp_path_factory) -> Path:
    return builder.build_release(tmp_path_factory.mktemp("release") / "release")


@pytest.fixture(scope="session")
def release(release_dir):
    from app.data import load_release

    return load_release(release_dir)
