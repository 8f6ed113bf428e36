"""The minimum dataset as providers receive it: a document, a Table Schema per table and an empty
template, all generated from the code's own schema, so none of them can drift from what
validation does."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

from pipelines.config import PathwaysConfig
from pipelines.sources.minimum_dataset import DOCUMENT, SCHEMA_DIR, write_documents
from pipelines.sources.tables import TABLES
from pipelines.sources.validate import validate_sources

FRICTIONLESS_TYPES = {"string", "integer", "number", "boolean", "date", "datetime", "year"}


def test_the_committed_document_and_schemas_are_what_the_code_writes(tmp_path):
    written = write_documents(tmp_path / "minimum-dataset.md", tmp_path / "schemas")
    assert (tmp_path / "minimum-dataset.md").read_text() == DOCUMENT.read_text(), (
        "docs/minimum-dataset.md is stale: run python -m pipelines.sources.minimum_dataset"
    )
    for path in written[1:]:
        assert path.read_text() == (SCHEMA_DIR / path.name).read_text(), path.name
    assert sorted(p.name for p in SCHEMA_DIR.glob("*.schema.json")) == sorted(
        f"{name}.schema.json" for name in TABLES
    )


def test_each_table_schema_names_every_column_in_order_with_its_rules():
    for name, spec in TABLES.items():
        schema = json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text())
        fields = schema["fields"]
        assert [f["name"] for f in fields] == list(spec.column_names)
        assert [f["constraints"]["required"] for f in fields] == [c.required for c in spec.columns]
        assert {f["type"] for f in fields} <= FRICTIONLESS_TYPES
        assert schema.get("primaryKey", []) == list(spec.key)
        for field, column in zip(fields, spec.columns, strict=True):
            if column.kind == "code":
                assert field["constraints"]["enum"] == list(column.codes)
            assert field["description"].startswith(column.about)
    contacts = json.loads((SCHEMA_DIR / "chain_contacts.schema.json").read_text())
    assert contacts["foreignKeys"][0]["reference"]["resource"] == "chain_people"


def test_the_document_lists_every_table_and_column():
    text = DOCUMENT.read_text()
    for name, spec in TABLES.items():
        assert f"## {name}\n" in text
        for column in spec.column_names:
            assert f"| `{column}` |" in text


def test_the_template_is_empty_tables_with_their_headers_and_a_manifest(tmp_path):
    folder = tmp_path / "to_fill"
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines.commands.cli", "validate", "--template", str(folder)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    for name, spec in TABLES.items():
        with open(folder / f"{name}.csv", newline="", encoding="utf-8") as f:
            assert list(csv.reader(f)) == [list(spec.column_names)]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["sources"]) == {"chain", "hclic", "inform"}
    # As written, it is a well-formed sources directory that Pathways reads without complaint.
    report = validate_sources(folder, PathwaysConfig()).report
    assert not report.failures and not report.warnings and not report.absent_tables

    again = subprocess.run(
        [sys.executable, "-m", "pipelines.commands.cli", "validate", "--template", str(folder)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert again.returncode == 2 and "choose an empty directory" in again.stderr
