"""Writes a release directory (SPEC section 6): atomically, deterministically, checked first.

The release is built in a temporary directory beside the target and renamed into place, so a
failed run leaves the previous release untouched. The same tables give byte-identical Parquet
files (rows sorted, no timestamps inside), so ``release_id``, derived from the content, only
changes when the figures or the rules change.

Example:
    >>> safe = protect(unsuppressed, config.disclosure)  # doctest: +SKIP
    >>> write_release(Path("release"), safe, {"data_period": {...}, ...}, config.disclosure)  # doctest: +SKIP
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from pipelines.config import DisclosureConfig
from pipelines.disclosure import assert_release_safe
from pipelines.errors import PathwaysError
from pipelines.release_reader import (
    DISCLOSURE_RULES_FILE,
    MANIFEST_FILE,
    RELEASE_SCHEMAS,
    ReleaseManifest,
    content_release_id,
    sha256_bytes,
)

_HERE = Path(__file__).resolve().parent
#: The disclosure rules: ``docs/disclosure.md`` in a checkout, or the copy an installed wheel
#: carries inside the package (``pyproject.toml`` puts it there).
DISCLOSURE_DOC = next(
    (
        path
        for path in (_HERE.parent / "docs" / "disclosure.md", _HERE / "disclosure.md")
        if path.is_file()
    ),
    _HERE.parent / "docs" / "disclosure.md",
)


def disclosure_rules_text(config: DisclosureConfig) -> str:
    """The plain-words disclosure rules that travel with every release, with this run's settings."""
    settings = "\n".join(
        f"| `{name}` | {value} | {field.description} |"
        for name, field in DisclosureConfig.model_fields.items()
        for value in [getattr(config, name)]
    )
    try:
        doc = DISCLOSURE_DOC.read_text(encoding="utf-8")
    except OSError:
        # A release never travels without the rules it was made under.
        raise PathwaysError(
            f"The disclosure rules ({DISCLOSURE_DOC}) are missing from this installation, so no "
            "release can be written."
        ) from None
    return (
        doc.rstrip("\n")
        + "\n\n## Settings used for this release\n\n| setting | value | why |\n|---|---|---|\n"
        + settings
        + "\n"
    )


def table_bytes(frame: pl.DataFrame) -> bytes:
    """A table as Parquet bytes that depend only on its content: rows sorted, no timestamps."""
    ordered = frame.sort(frame.columns, nulls_last=True, maintain_order=True)
    path = Path(tempfile.mkstemp(suffix=".parquet")[1])
    try:
        ordered.write_parquet(path, compression="zstd", statistics=True)
        return path.read_bytes()
    finally:
        path.unlink(missing_ok=True)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_release(
    release_dir: Path,
    tables: dict[str, pl.DataFrame],
    manifest: dict[str, Any],
    config: DisclosureConfig | None = None,
) -> Path:
    """Check the tables and write them, with ``manifest.json`` and the rules, as one release.

    Args:
        release_dir: the release directory to create or replace.
        tables: the protected release tables (output of ``pipelines.disclosure.protect``).
        manifest: the run's facts: ``data_period`` {start, end}, ``source_extract_dates``,
            ``definitions_version``, ``code_version``, ``synthetic``, ``definitions`` and
            optionally ``created_at``. ``sdc``, ``tables``, ``documents`` and ``release_id`` are
            filled in here.
        config: the disclosure settings the tables were protected with (default: the defaults).

    Returns:
        The release directory.

    Raises:
        PathwaysError: a table breaks the disclosure rules or the manifest is incomplete; the
            previous release, if any, is left as it was.
    """
    config = config or DisclosureConfig()
    release_dir = Path(release_dir)
    assert_release_safe(tables, config)

    files: dict[str, bytes] = {
        f"{name}.parquet": table_bytes(tables[name].select(list(schema)))
        for name, schema in RELEASE_SCHEMAS.items()
    }
    files[DISCLOSURE_RULES_FILE] = disclosure_rules_text(config).encode("utf-8")
    hashes = {name: sha256_bytes(data) for name, data in files.items()}
    table_hashes = {name: hashes[f"{name}.parquet"] for name in RELEASE_SCHEMAS}
    documents = {DISCLOSURE_RULES_FILE: hashes[DISCLOSURE_RULES_FILE]}
    sdc = config.model_dump()
    content = {k: v for k, v in manifest.items() if k not in ("created_at", "release_id")}
    content.update(sdc=sdc, tables=table_hashes, documents=documents)
    try:
        model = ReleaseManifest.model_validate(
            {
                **content,
                "release_id": "",
                "created_at": manifest.get("created_at") or datetime.now(UTC).isoformat(),
            }
        )
    except ValueError as e:
        raise PathwaysError(f"The release manifest is incomplete or invalid: {e}") from None
    model = model.model_copy(update={"release_id": content_release_id(model)})
    files[MANIFEST_FILE] = (model.model_dump_json(indent=2) + "\n").encode("utf-8")

    release_dir.parent.mkdir(parents=True, exist_ok=True)
    building = Path(
        tempfile.mkdtemp(prefix=f".{release_dir.name}.building-", dir=release_dir.parent)
    )
    retired: Path | None = None
    try:
        for filename, data in files.items():
            with open(building / filename, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        _fsync_dir(building)
        if release_dir.exists():
            retired = Path(
                tempfile.mkdtemp(prefix=f".{release_dir.name}.previous-", dir=release_dir.parent)
            )
            retired.rmdir()
            os.replace(release_dir, retired)
        try:
            os.replace(building, release_dir)
        except OSError:
            if retired is not None:
                os.replace(retired, release_dir)  # put the previous release back
                retired = None
            raise
        _fsync_dir(release_dir.parent)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)
    return release_dir
