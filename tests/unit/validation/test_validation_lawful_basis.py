"""Each source's lawful basis is a code from a fixed list, carried into the release."""

from __future__ import annotations

import json

import pytest

from contract.errors import PathwaysError
from contract.reference import LAWFUL_BASES
from pipelines.sources.files import read_manifest


def _manifest(tmp_path, **chain):
    (tmp_path / "manifest.json").write_text(
        json.dumps({"extract_date": "2025-03-31", "sources": {"chain": chain}}), encoding="utf-8"
    )
    return tmp_path


def test_a_known_basis_and_condition_are_read(tmp_path):
    manifest = read_manifest(
        _manifest(tmp_path, lawful_basis="public_task",
                  special_category_condition="substantial_public_interest")
    )  # fmt: skip
    assert manifest.sources["chain"].lawful_basis == "public_task"
    assert "Article 6(1)(e)" in LAWFUL_BASES["public_task"]


@pytest.mark.parametrize(
    "given",
    [
        {"lawful_basis": "because we asked"},
        {"lawful_basis": "Public task"},
        {"lawful_basis": "public_task", "special_category_condition": "it is useful"},
    ],
)
def test_an_unknown_basis_stops_the_run_with_one_line(tmp_path, given):
    with pytest.raises(PathwaysError) as e:
        read_manifest(_manifest(tmp_path, **given))
    assert "is not a" in str(e.value) and "use one of" in str(e.value)
    assert "\n" not in str(e.value)


def test_the_pipeline_carries_the_bases_into_the_release(release_dir):
    manifest = json.loads((release_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["lawful_bases"]["chain"]["lawful_basis"] == "public_task"
    assert manifest["lawful_bases"]["inform"]["special_category_condition"] == (
        "health_or_social_care"
    )
