"""A sources directory written from small literal tables, for the validation tests."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

MANIFEST = {"extract_date": "2025-03-31"}

# The two tables a run needs, valid: tests replace the one they are about.
PEOPLE = """
    chain_id,gender
    C1,male
    C2,female
"""
CONTACTS = """
    chain_id,contact_date,borough,contact_type
    C1,2025-01-01,E09000033,bedded_down
    C2,2025-01-02,E09000022,street_contact
"""

Writer = Callable[..., Path]


def table_text(text: str) -> str:
    """A table drawn in a test, without its indentation and surrounding blank lines."""
    return textwrap.dedent(text).strip("\n") + "\n"


@pytest.fixture
def write_sources(tmp_path: Path) -> Writer:
    """Write manifest.json and tables (name.csv text, or bytes for a file as given)."""

    def write(
        tables: dict[str, str | bytes | None] | None = None,
        manifest: dict | str | None = MANIFEST,
    ) -> Path:
        folder = tmp_path / "sources"
        folder.mkdir(exist_ok=True)
        if manifest is not None:
            text = manifest if isinstance(manifest, str) else json.dumps(manifest)
            (folder / "manifest.json").write_text(text, encoding="utf-8")
        given = {"chain_people.csv": PEOPLE, "chain_contacts.csv": CONTACTS}
        for name, content in (tables or {}).items():
            given[name if "." in name else f"{name}.csv"] = content
        for name, content in given.items():
            if content is None:
                continue
            path = folder / name
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(table_text(content), encoding="utf-8")
        return folder

    return write
