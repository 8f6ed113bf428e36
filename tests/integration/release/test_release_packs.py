"""The chart packs the monthly run draws into the release: the latest complete month, London's
edition and each borough's, under ``packs/``, hashed in the manifest like every table, set in the
font Pathways ships, and copied whole by a publish."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest
from pypdf import PdfReader

from app.data import load_release, pack_edition
from app.pack import pack_month, release_packs
from app.pack.draw import FONT_DIR
from contract.errors import PathwaysError
from contract.reference import ASSETS, borough_codes, borough_name
from contract.release import PACKS_DIR, DataPeriod, open_release, sha256_bytes
from pipelines.release.write import publish

ROOT_PACKAGE = ASSETS.parent


@pytest.mark.parametrize(
    ("data_end", "month"),
    [
        ("2025-03-31", date(2025, 3, 1)),  # the extract closes March: March is complete
        ("2025-04-05", date(2025, 3, 1)),  # five days into April: April is not
        ("2024-12-31", date(2024, 12, 1)),
        ("2025-01-30", date(2024, 12, 1)),
        ("2021-04-29", None),  # not one whole month since the reporting start: no pack yet
        ("2021-03-31", None),  # a first year of data is all look-back: the period is empty
    ],
)
def test_the_packs_show_the_latest_month_wholly_inside_the_data(data_end, month):
    period = DataPeriod(start=date(2021, 4, 1), end=date.fromisoformat(data_end))
    assert pack_month(period) == month


def test_the_run_draws_the_packs_into_the_release_with_their_hashes(release_dir):
    release = open_release(release_dir)  # every pack checked with the tables
    assert sorted(release.manifest.packs) == [
        "pathways-pack-2025-03-e09000007.pdf",
        "pathways-pack-2025-03-e09000033.pdf",
        "pathways-pack-2025-03-london.pdf",
    ]
    on_disk = sorted(p.name for p in (release_dir / PACKS_DIR).iterdir())
    assert on_disk == sorted(release.manifest.packs)
    for name, expected in release.manifest.packs.items():
        data = (release_dir / PACKS_DIR / name).read_bytes()
        assert sha256_bytes(data) == expected and data.startswith(b"%PDF")
        _, borough = pack_edition(name)
        cover = PdfReader(release_dir / PACKS_DIR / name).pages[0].extract_text()
        place = borough_name(borough) if borough else "London"
        assert f"monthly taskforce chart pack — {place}, March 2025" in cover


def test_a_changed_pack_makes_the_release_refused(release_dir, tmp_path):
    copy = tmp_path / "release"
    shutil.copytree(release_dir.resolve(), copy)
    (copy / PACKS_DIR / "pathways-pack-2025-03-london.pdf").write_bytes(b"%PDF-1.4 other")
    with pytest.raises(PathwaysError, match="packs/pathways-pack-2025-03-london.pdf .* does not"):
        open_release(copy)


def test_a_publish_carries_the_packs(release_dir, tmp_path):
    publish(release_dir, tmp_path / "apphost" / "release")
    copied = open_release(tmp_path / "apphost" / "release")
    assert copied.manifest.packs == open_release(release_dir).manifest.packs
    assert (
        copied.pack("pathways-pack-2025-03-london.pdf")
        == (release_dir / PACKS_DIR / "pathways-pack-2025-03-london.pdf").read_bytes()
    )


def test_the_packs_are_set_in_the_font_pathways_ships(release_dir):
    assert FONT_DIR.is_relative_to(ROOT_PACKAGE)  # inside the package, not a system path
    assert "License: bitstream-vera" in (FONT_DIR / "LICENSE.txt").read_text()
    fonts = subprocess.run(
        ["pdffonts", str(release_dir / PACKS_DIR / "pathways-pack-2025-03-london.pdf")],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "DejaVuSansBook" in fonts and "DejaVuSansBold" in fonts
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])  # all embedded


@pytest.mark.slow  # every edition: about 7 s each, 4 minutes on a shared machine
def test_every_edition_is_drawn_london_and_each_of_the_33_boroughs(release_dir):
    packs = release_packs(load_release(release_dir).release_dir)
    assert len(packs) == 34
    assert {pack_edition(name)[1] for name in packs} == {None, *borough_codes()}
    assert all(data.startswith(b"%PDF") for data in packs.values())
