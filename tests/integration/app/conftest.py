"""The page tests run on the release the real pipeline builds from a small synthetic London
(``release_dir`` in tests/conftest.py); a hand-built release stands in for a real, non-synthetic one."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import release_builder as builder


@pytest.fixture(scope="session")
def real_release_dir(tmp_path_factory) -> Path:
    """The same tables with a manifest that does not say synthetic."""
    return builder.build_release(
        tmp_path_factory.mktemp("release-real") / "release", synthetic=False
    )


@pytest.fixture(scope="session")
def built_release_dir(tmp_path_factory) -> Path:
    """The hand-built synthetic release: every borough comparison label as the pipeline writes
    it, for Camden, Lambeth and the rest of London."""
    return builder.build_release(tmp_path_factory.mktemp("release-built") / "release")


@pytest.fixture
def env(release_dir, tmp_path, monkeypatch) -> Path:
    """The dashboard in demo mode on the pipeline's release, with a fresh audit log (returned)."""
    from app.audit import AuditLog

    audit_db = tmp_path / "audit.sqlite"
    monkeypatch.setenv("PATHWAYS_RELEASE", str(release_dir))
    monkeypatch.setenv("PATHWAYS_AUDIT_DB", str(audit_db))
    AuditLog.create(audit_db)
    monkeypatch.setenv("PATHWAYS_DEMO", "1")
    return audit_db


@pytest.fixture
def deferred(monkeypatch) -> dict:
    """What Streamlit would serve for each download button, by its deferred file id: the callable
    it runs when the user clicks (AppTest drops its media manager after each run)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    found: dict = {}
    real = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        file_id = real(self, data_callable, mimetype, coordinates, file_name=file_name, **kw)
        found[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return found
