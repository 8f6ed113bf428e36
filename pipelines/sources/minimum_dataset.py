"""The minimum dataset for data providers, generated from ``pipelines.sources.tables`` so it cannot drift.

Three forms of the same facts:

- ``docs/minimum-dataset.md``, a document for the people who prepare the extracts;
- one Frictionless Table Schema per table (``assets/minimum_dataset/<table>.schema.json``), for
  the programs that prepare them;
- ``pathways validate --template DIR``: empty CSV files with the right header and a
  ``manifest.json`` to fill in.

The document and the schemas are committed and shipped in the package; ``python -m
pipelines.sources.minimum_dataset`` writes them again after a change to the schema, and a test fails
when they differ from what the code would write.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from contract.errors import PathwaysError
from contract.reference import ASSETS, LAWFUL_BASES, SPECIAL_CATEGORY_CONDITIONS, borough_codes
from pipelines.config import ValidationConfig
from pipelines.sources.files import MANIFEST
from pipelines.sources.tables import (
    EARLIEST_BIRTH_YEAR,
    FALSE_WORDS,
    ISO_ALPHA3,
    MAX_AGE,
    MAX_VALUE_CHARS,
    SUPPORT_NEED_CODES,
    TABLES,
    TRUE_WORDS,
    Column,
    TableSpec,
)

SCHEMA_DIR = ASSETS / "minimum_dataset"
DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "minimum-dataset.md"

# How a value of each kind is written, in the provider's words.
WRITTEN_AS = {
    "text": "text",
    "code": "one of the codes listed (any case)",
    "borough": "ONS borough code, E09000001 to E09000033",
    "nationality": "ISO 3166-1 alpha-3 code (GBR, ROU, ...) or unknown",
    "support_needs": "codes separated by | from: " + ", ".join(SUPPORT_NEED_CODES),
    "date": "date, YYYY-MM-DD",
    "dob": f"date, YYYY-MM-DD; from {EARLIEST_BIRTH_YEAR}, age at most {MAX_AGE}",
    "age": f"whole years, 0 to {MAX_AGE}",
    "boolean": "yes or no: " + "/".join(TRUE_WORDS) + " or " + "/".join(FALSE_WORDS),
    "ni_number": "two letters, six digits, a letter A to D (spaces allowed)",
}


def _field(column: Column) -> dict[str, object]:
    """One column as a Frictionless Table Schema field."""
    field: dict[str, object] = {
        "name": column.name,
        "description": f"{column.about} Written as: {WRITTEN_AS[column.kind]}.",
    }
    constraints: dict[str, object] = {"required": column.required}
    kind = column.kind
    if kind in ("date", "dob"):
        field |= {"type": "date", "format": "%Y-%m-%d"}
    elif kind == "age":
        field["type"] = "integer"
        constraints |= {"minimum": 0, "maximum": MAX_AGE}
    elif kind == "boolean":
        field |= {
            "type": "boolean",
            "trueValues": list(TRUE_WORDS),
            "falseValues": list(FALSE_WORDS),
        }
    else:
        field["type"] = "string"
        constraints["maxLength"] = MAX_VALUE_CHARS
        if kind == "code":
            constraints["enum"] = list(column.codes)
        elif kind == "borough":
            constraints["enum"] = list(borough_codes())
        elif kind == "nationality":
            constraints["enum"] = [*sorted(ISO_ALPHA3), "unknown"]
        elif kind == "support_needs":
            one = "(" + "|".join(SUPPORT_NEED_CODES) + ")"
            constraints["pattern"] = f"{one}( *\\| *{one})*"
        elif kind == "ni_number":
            constraints["pattern"] = "[A-Za-z]{2} ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-Da-d]"
    field["constraints"] = constraints
    return field


def table_schema(spec: TableSpec) -> dict[str, object]:
    """A table of the minimum dataset as a Frictionless Table Schema."""
    schema: dict[str, object] = {
        "name": spec.name,
        "description": spec.about,
        "fields": [_field(c) for c in spec.columns],
        "missingValues": [""],
    }
    if spec.key:
        schema["primaryKey"] = list(spec.key)
    if spec.person_table:
        schema["foreignKeys"] = [
            {
                "fields": ["chain_id"],
                "reference": {"resource": spec.person_table, "fields": ["chain_id"]},
            }
        ]
    return schema


def _manifest_example(extract: dt.date, example: bool = True) -> dict[str, object]:
    """The manifest as documented (``example``), or with its facts left empty to fill in."""
    source = {
        "provider": "the organisation that sent this extract" if example else "",
        "extract_date": extract.isoformat(),
        "lawful_basis": "public_task" if example else None,
        "special_category_condition": "substantial_public_interest" if example else None,
    }
    return {
        "extract_date": extract.isoformat(),
        "sources": {s: dict(source) for s in ("chain", "hclic", "inform")},
    }


def document() -> str:
    """``docs/minimum-dataset.md``: every table and column, how to write each value."""
    lines = [
        "# The minimum dataset (v1)",
        "",
        "<!-- Written by `python -m pipelines.sources.minimum_dataset` from pipelines/sources/tables.py; "
        "do not edit by hand. -->",
        "",
        "What Pathways reads from each data provider, every month. A *sources directory* holds "
        f"`{MANIFEST}` and one file per table, CSV (UTF-8, with a header row) or Parquet. "
        "Any table may be absent (a borough without hostel data, for example); a run needs "
        "`chain_people` and `chain_contacts`. Columns that are not required may be left out of a "
        "file altogether; an empty cell is a missing value. Columns not listed here are ignored "
        "and never travel further.",
        "",
        "`pathways validate --template DIR` writes an empty file of each table with its header, "
        f"and a `{MANIFEST}` to fill in. The same tables are described for programs as "
        "Frictionless Table Schemas, one per table, in `assets/minimum_dataset/`.",
        "",
        f"## {MANIFEST}",
        "",
        "The day the extracts were taken, and for each source who sent it and on what lawful "
        "basis, for example:",
        "",
        "```json",
        json.dumps(_manifest_example(dt.date(2025, 3, 31)), indent=2),
        "```",
        "",
        "`lawful_basis` is one of "
        + ", ".join(f"`{code}` — {words}" for code, words in LAWFUL_BASES.items())
        + ". `special_category_condition` is one of "
        + ", ".join(f"`{code}` — {words}" for code, words in SPECIAL_CATEGORY_CONDITIONS.items())
        + ".",
        "",
        "## How rows are checked",
        "",
        "A row is quarantined (left out of the run and listed in the validation report with its "
        "line number and the reason) when a required value is missing or not written as shown "
        "below, a date is after the extract date or before "
        f"{ValidationConfig().earliest_event_date.isoformat()} (the configurable "
        "`validation.earliest_event_date`), a key repeats, a contact or outcome names no "
        "`chain_id` of `chain_people`, or the row itself is damaged: a different number of "
        "values from the header, the header repeated, a NUL byte, a value longer than "
        f"{MAX_VALUE_CHARS:,} characters. An optional value written wrongly is blanked and "
        "counted; the rest of its row is kept.",
    ]
    for spec in TABLES.values():
        lines += ["", f"## {spec.name}", "", spec.about, ""]
        if spec.key:
            lines += [f"Each row is unique by {' + '.join(f'`{k}`' for k in spec.key)}.", ""]
        if spec.person_table:
            lines += [f"Every `chain_id` must be one of `{spec.person_table}`.", ""]
        lines += ["| column | required | written as | what it holds |", "|---|---|---|---|"]
        for c in spec.columns:
            written = WRITTEN_AS[c.kind]
            if c.kind == "code":
                written = "one of: " + ", ".join(f"`{code}`" for code in c.codes)
            required = "yes" if c.required else ""
            lines.append(
                f"| `{c.name}` | {required} | {written.replace('|', '&#124;')} | {c.about} |"
            )
    return "\n".join(lines) + "\n"


def write_documents(document_path: Path = DOCUMENT, schema_dir: Path = SCHEMA_DIR) -> list[Path]:
    """Write the document and one Table Schema per table; returns the paths written."""
    schema_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in TABLES.values():
        path = schema_dir / f"{spec.name}.schema.json"
        path.write_text(json.dumps(table_schema(spec), indent=2) + "\n", encoding="utf-8")
        written.append(path)
    document_path.write_text(document(), encoding="utf-8")
    return [document_path, *written]


def write_template(folder: Path, extract: dt.date | None = None) -> list[Path]:
    """Empty CSV files of every table, with their headers, and a manifest to fill in.

    Raises:
        PathwaysError: when ``folder`` already holds a file of the minimum dataset.
    """
    folder = Path(folder)
    names = [MANIFEST, *(f"{name}.csv" for name in TABLES)]
    taken = [n for n in names if (folder / n).exists()]
    if taken:
        raise PathwaysError(
            f"{folder} already holds {', '.join(taken)}; choose an empty directory."
        )
    folder.mkdir(parents=True, exist_ok=True)
    manifest = _manifest_example(extract or dt.date.today(), example=False)
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    for spec in TABLES.values():
        (folder / f"{spec.name}.csv").write_text(
            ",".join(spec.column_names) + "\n", encoding="utf-8"
        )
    return [folder / n for n in names]


if __name__ == "__main__":
    for written in write_documents():
        print(written)
