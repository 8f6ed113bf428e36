"""Writes and publishes releases (SPEC sections 6 and 9): versioned, atomic, checked first.

A release path such as ``/data/release`` is a *pointer*: a symbolic link to one complete version
in the folder beside it, ``/data/release.versions/<created>-<release_id>/``. A new version is
built (or copied) in a hidden folder there, checked, renamed into place, and only then is the
pointer swapped, by writing a new link and renaming it over the old one, which is one atomic
step. So whoever opens the pointer, at any moment, finds a whole release: the old one or the new
one, never a half-written one, and a run or a publish killed at any point leaves the previous
release served. The newest few versions are kept; older ones are deleted.

The same tables give byte-identical Parquet files (rows sorted, no timestamps inside), so
``release_id``, derived from the content, only changes when the figures or the rules change.

Example:
    >>> safe = protect(unsuppressed, config.disclosure)  # doctest: +SKIP
    >>> write_release(Path("release"), safe, {"data_period": {...}, ...}, config.disclosure)  # doctest: +SKIP
    >>> publish(Path("/data/release"), Path("/srv/pathways/release"))  # doctest: +SKIP
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from contract.errors import PathwaysError
from contract.release import (
    DISCLOSURE_RULES_FILE,
    MANIFEST_FILE,
    PACKS_DIR,
    RELEASE_SCHEMAS,
    ReleaseManifest,
    content_release_id,
    open_release,
    read_manifest,
    sha256_bytes,
)
from pipelines.config import DisclosureConfig
from pipelines.disclosure import assert_release_safe

KEEP_VERSIONS = 3
"""How many release versions a host keeps by default: the current one and two before it, so a
dashboard still reading the previous one is never cut short and a bad month can be rolled back."""

#: Called with the name of each step of an install (``copied``, ``moved``, ``flipped``,
#: ``pruned``, and ``file`` after each file written); the tests kill a publish there.
StepHook = Callable[[str], None]

#: Renders the chart packs of a release built so far: given its folder, returns the packs'
#: file names (within ``packs/``) and bytes.
PackRenderer = Callable[[Path], dict[str, bytes]]

_ROOT = Path(__file__).resolve().parents[2]
#: The disclosure rules: ``docs/disclosure.md`` in a checkout, or the copy an installed wheel
#: carries inside the package (``pyproject.toml`` puts it there).
DISCLOSURE_DOC = next(
    (
        path
        for path in (_ROOT / "docs" / "disclosure.md", _ROOT / "pipelines" / "disclosure.md")
        if path.is_file()
    ),
    _ROOT / "docs" / "disclosure.md",
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


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _no_step(step: str) -> None:
    return None


# -- versions and the pointer -----------------------------------------------------------------


def versions_dir(pointer: Path) -> Path:
    """The folder holding a release pointer's versions: ``release`` → ``release.versions``."""
    pointer = Path(pointer)
    return pointer.parent / f"{pointer.name}.versions"


def version_name(manifest: ReleaseManifest) -> str:
    """A version's folder name, in order of creation: ``20250405T060012.104233-3f2a9c0d1e4b5a67``."""
    return f"{manifest.created_at:%Y%m%dT%H%M%S.%f}-{manifest.release_id}"


def _versions(versions: Path) -> list[Path]:
    if not versions.is_dir():
        return []
    return sorted(p for p in versions.iterdir() if p.is_dir() and not p.name.startswith("."))


@contextmanager
def _locked(versions: Path) -> Iterator[None]:
    """One writer at a time on a host's versions (a run and a publish never interleave)."""
    versions.mkdir(parents=True, exist_ok=True)
    with open(versions / ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PathwaysError(
                f"Another run or publish is writing to {versions} now; try again when it is done."
            ) from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _staging(versions: Path, kind: str) -> Path:
    """A hidden folder for a version being built or copied; earlier killed attempts are removed."""
    for leftover in versions.glob(".*-*"):
        if leftover.is_dir() and leftover.name.startswith((".building-", ".incoming-")):
            shutil.rmtree(leftover, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{kind}-", dir=versions))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(staging, 0o777 & ~umask)  # readable as the host's umask allows, like any folder
    return staging


def _adopt_plain_directory(pointer: Path, versions: Path) -> None:
    """A release written before versions existed is a plain folder: move it in as a version."""
    if pointer.is_symlink() or not pointer.is_dir():
        return
    try:
        name = version_name(read_manifest(pointer))
    except PathwaysError:
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-unverified"
    os.replace(pointer, versions / name)


def _point(pointer: Path, version: Path) -> None:
    """Swap the pointer to ``version`` in one rename (a relative link, so the tree can move)."""
    for stray in pointer.parent.glob(f".{pointer.name}.pointer-*"):
        stray.unlink(missing_ok=True)  # left by a run killed before its swap
    link = pointer.parent / f".{pointer.name}.pointer-{os.getpid()}"
    os.symlink(os.path.relpath(version, pointer.parent), link)
    os.replace(link, pointer)
    _fsync_dir(pointer.parent)


def _prune(pointer: Path, versions: Path, keep: int) -> None:
    current = pointer.resolve()
    for old in _versions(versions)[: -max(keep, 1)]:
        if old.resolve() != current:
            shutil.rmtree(old, ignore_errors=True)


def _install(
    staging: Path, pointer: Path, versions: Path, name: str, keep: int, step: StepHook
) -> Path:
    """Rename a checked version into place, swap the pointer to it, then drop the oldest."""
    _fsync_dir(staging)
    version = versions / name
    if version.exists():  # the same release published again: point at the copy already there
        shutil.rmtree(staging)
    else:
        os.replace(staging, version)
        _fsync_dir(versions)
    step("moved")
    _adopt_plain_directory(pointer, versions)
    _point(pointer, version)
    step("flipped")
    _prune(pointer, versions, keep)
    step("pruned")
    return version


# -- writing a release on the secure host -----------------------------------------------------


def write_release(
    release_dir: Path,
    tables: dict[str, pl.DataFrame],
    manifest: dict[str, Any],
    config: DisclosureConfig | None = None,
    *,
    packs: PackRenderer | None = None,
    keep: int = KEEP_VERSIONS,
    on_step: StepHook = _no_step,
) -> Path:
    """Check the tables and write them, with ``manifest.json`` and the rules, as a new version.

    Args:
        release_dir: the release pointer to create or move on (see the module's words).
        tables: the protected release tables (output of ``pipelines.disclosure.protect``).
        manifest: the run's facts: ``data_period`` {start, end}, ``source_extract_dates``,
            ``definitions_version``, ``code_version``, ``synthetic``, ``definitions`` and
            optionally ``created_at``. ``sdc``, ``tables``, ``documents``, ``packs`` and
            ``release_id`` are filled in here.
        config: the disclosure settings the tables were protected with (default: the defaults).
        packs: draws the chart packs from the release built so far; they go under ``packs/``
            and their hashes into the manifest.
        keep: how many versions to keep, the new one included.
        on_step: called after each step (for the tests that interrupt a run).

    Returns:
        The release pointer.

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

    versions = versions_dir(release_dir)
    with _locked(versions):
        building = _staging(versions, "building")
        try:
            for filename, data in files.items():
                _write_file(building / filename, data)
            _write_file(building / MANIFEST_FILE, _manifest_bytes(model))
            if packs is not None:
                drawn = packs(building)
                for filename, data in drawn.items():
                    _write_file(building / PACKS_DIR / filename, data)
                model = model.model_copy(
                    update={"packs": {n: sha256_bytes(d) for n, d in sorted(drawn.items())}}
                )
                _write_file(building / MANIFEST_FILE, _manifest_bytes(model))
            on_step("copied")
            _install(building, release_dir, versions, version_name(model), keep, on_step)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
    return release_dir


def _manifest_bytes(model: ReleaseManifest) -> bytes:
    return (model.model_dump_json(indent=2) + "\n").encode("utf-8")


# -- publishing to the app host ---------------------------------------------------------------


def publish(
    release: Path, to: Path, *, keep: int = KEEP_VERSIONS, on_step: StepHook = _no_step
) -> str:
    """Copy a release to another host's pointer, check the copy, then swap the pointer to it.

    ``pathways publish``. The copy goes into a hidden folder beside the versions; the dashboard,
    reading the pointer, goes on serving the current release until the single rename that
    swaps the pointer, and picks the new one up at its next interaction.

    Args:
        release: the release to publish (a pointer or a plain release folder), checked first.
        to: the release pointer on the receiving side, e.g. ``/srv/pathways/release``.
        keep: how many versions to keep there, the new one included.
        on_step: called after each step (for the tests that interrupt a publish).

    Returns:
        One sentence saying what was published where.

    Raises:
        PathwaysError: the release is missing or fails its checks, or the copy does.
    """
    origin = Path(release).resolve()  # the version named now, even if the pointer moves on
    source = open_release(origin)  # every file checked against the manifest first
    to = Path(to).absolute()
    versions = versions_dir(to)
    name = version_name(source.manifest)
    files = [MANIFEST_FILE, *source.manifest.documents]
    files += [f"{table}.parquet" for table in source.manifest.tables]
    files += [f"{PACKS_DIR}/{pack}" for pack in source.manifest.packs]
    with _locked(versions):
        incoming = _staging(versions, "incoming")
        try:
            for filename in files:
                _write_file(incoming / filename, (origin / filename).read_bytes())
                on_step("file")
            on_step("copied")
            open_release(incoming)  # the copy, checked again where it landed
            _install(incoming, to, versions, name, keep, on_step)
        except BaseException:
            shutil.rmtree(incoming, ignore_errors=True)
            raise
    return f"Published release {source.manifest.release_id} to {to} (version {name})."
