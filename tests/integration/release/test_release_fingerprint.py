"""The release a fixed synthetic London and a fixed key produce, kept as hashes: a change to the
code's layout (a move, a rename, a split) must leave every published byte where it was.

When a change is *meant* to alter the release (a new definition, a new table), rerun with
``PATHWAYS_WRITE_FINGERPRINT=1`` and commit ``release_fingerprint.json`` with the change, so the
diff shows which tables moved. The hashes hold for the locked Polars (``uv.lock``): Parquet files
carry the writer's version.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from pipelines.commands.run import run_pipeline
from pipelines.synthetic import generate
from tests.conftest import TEST_KEY

FINGERPRINT = Path(__file__).with_name("release_fingerprint.json")
FIXED_LONDON = {"scale": 0.01, "start": "2022-04", "end": "2025-03", "seed": 11}
# Facts of the moment and the build, not of the data: left out of the comparison.
MOMENT = ("created_at", "code_version", "release_id")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fingerprint(release: Path) -> dict[str, str]:
    """Every file's hash, the manifest's taken without its moment-and-build fields."""
    release = release.resolve()
    hashes = {}
    for path in sorted(p for p in release.rglob("*") if p.is_file()):
        name = str(path.relative_to(release))
        data = path.read_bytes()
        if name == "manifest.json":
            manifest = {k: v for k, v in json.loads(data).items() if k not in MOMENT}
            data = json.dumps(manifest, sort_keys=True).encode()
        hashes[name] = _sha(data)
    return hashes


def test_a_fixed_seed_and_key_give_the_same_release_bytes(tmp_path, monkeypatch):
    monkeypatch.setenv("PATHWAYS_PSEUDONYM_KEY", TEST_KEY)
    generate(tmp_path / "sources", truth_path=tmp_path / "truth.csv", **FIXED_LONDON)
    run_pipeline(tmp_path / "sources", tmp_path / "work", tmp_path / "release",
                 demo=False, packs=False)  # fmt: skip
    got = fingerprint(tmp_path / "release")
    if os.environ.get("PATHWAYS_WRITE_FINGERPRINT") == "1":
        FINGERPRINT.write_text(json.dumps(got, indent=2, sort_keys=True) + "\n")
    assert got == json.loads(FINGERPRINT.read_text())
