"""The monthly chart pack, built by ``pathways pack`` on the release the real pipeline writes from a
small synthetic London, drawn by Kaleido in Debian Chromium, and read back with pypdf."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from app.audit import AuditLog
from app.pack import build_pack
from contract.errors import PathwaysError
from contract.reference import borough_codes, borough_name
from tests.conftest import AUDIT_TEST_KEY

CAMDEN = "E09000007"
MONTH = "2025-03"
FOOTER = re.compile(r"Page (\d+) of (\d+)")


def _pages(pdf: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(pdf).pages]


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def manifest(release_dir) -> dict:
    return json.loads((release_dir / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def london_pack(release_dir, tmp_path_factory) -> tuple[Path, Path, str]:
    """The London edition, through the command as a user runs it."""
    root = tmp_path_factory.mktemp("pack-london")
    audit = root / "audit.sqlite"  # the command records its export here before it writes
    AuditLog.create(audit, key=AUDIT_TEST_KEY.encode())
    env = os.environ | {"PATHWAYS_AUDIT_DB": str(audit), "PATHWAYS_AUDIT_KEY": AUDIT_TEST_KEY}
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines.commands.cli", "pack", "--release", str(release_dir),
         "--month", MONTH, "--out", str(root / "pack.pdf"), "--png-dir", str(root / "png")],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert [e.action for e in AuditLog(audit, key=AUDIT_TEST_KEY.encode()).entries()] == ["export"]
    return root / "pack.pdf", root / "png", proc.stdout


@pytest.fixture(scope="module")
def camden_pack(release_dir, tmp_path_factory) -> tuple[Path, Path, str]:
    root = tmp_path_factory.mktemp("pack-camden")
    said = build_pack(release_dir, MONTH, root / "camden.pdf", borough=CAMDEN, png_dir=root / "png")
    return root / "camden.pdf", root / "png", said


def OUTCOMES_TITLES(place: str, borough: bool = False) -> list[str]:  # noqa: N802
    """The Outcomes section's pages, the three Life off the Streets aims in catalogue order."""
    p1 = [f"New to the borough (P1) — {place}"] if borough else []
    return [
        f"New people, and those leaving institutions — {place}",
        f"No second night out, missed prevention — {place}",
        *p1,
        f"Living on the streets, and intermittent — {place}",
        f"Long-term rough sleeping (B1) — {place}",
        f"New people against people moving in — {place}",
        f"Moves into accommodation by kind — {place}",
        f"How often people were seen rough sleeping — {place}",
        f"Returning to rough sleeping (NR1) — {place}",
        f"Accommodation sustained 3, 6, 12 months — {place}",
        f"Returned to the street 3, 6 and 12 months after moving in — {place}",
    ]


LONDON_TITLES = [
    "Pathways: monthly taskforce chart pack — London, March 2025",
    "Headline indicators — London, March 2025",
    "People seen rough sleeping — London, by",
    "New, stock and returners — London, by",
    "Rare, brief, non-recurrent — London",
    "People seen rough sleeping by borough, map and ranking —",
    "Pathways of people first seen in",
    "Most common paths, people first seen in",
    "Return to the street — London",
    *OUTCOMES_TITLES("London"),
    "Before and after: Housing First in Camden, from April 2023",
    "Pilot evaluation: Housing First in Camden, from April 2023",
    "Before and after: Supported housing in Lambeth, from April 2023",
    "Pilot evaluation: Supported housing in Lambeth, from April 2023",
    "Methods and disclosure",
]


def _title(text: str) -> str:
    """A page's own title: the line under the running header."""
    return text.splitlines()[1].strip()


def _check_numbering_titles_and_footnotes(pdf: Path, manifest: dict, expected: list[str]):
    pages = _pages(pdf)
    # every physical page says 'Page N of M', N counting up and M the real page count
    numbers = [FOOTER.findall(text) for text in pages]
    assert all(len(n) == 1 for n in numbers), numbers
    assert [int(n[0][0]) for n in numbers] == list(range(1, len(pages) + 1))
    assert {int(n[0][1]) for n in numbers} == {len(pages)}
    # every page: the running header, its own title, and the footnote (source and disclosure)
    sections = []
    for i, text in enumerate(pages, start=1):
        flat = _flat(text)
        assert text.startswith("Pathways · Monthly taskforce chart pack · "), i
        assert f"Source: Pathways release {manifest['release_id']}" in flat, i
        assert "Counts below 10 are suppressed" in flat and "rounded to the nearest 5" in flat, i
        assert "Synthetic data — not real people" in flat, i
        title = _title(text)
        if title.endswith(" (continued)"):
            # a page that runs over keeps its section's title
            assert sections and title == f"{sections[-1][0]} (continued)", (i, title)
        else:
            sections.append((title, i))
    assert len(sections) == len(expected), [t for t, _ in sections]
    for (title, i), want in zip(sections, expected, strict=True):
        assert title.startswith(want), (i, title, want)
    return pages, sections


def test_the_london_pack_has_every_page_numbered_titled_and_footnoted(london_pack, manifest):
    pdf, png_dir, said = london_pack
    pages, _ = _check_numbering_titles_and_footnotes(pdf, manifest, LONDON_TITLES)
    # each page carries its own chart's footnote, not its neighbour's
    aims = "Lower is better for rare and non-recurrent"
    assert [aims in _flat(t) for t in pages].count(True) == 1
    assert aims in _flat(pages[4]) and _title(pages[4]).startswith("Rare, brief")
    assert "Boroughs are the finest geography" in _flat(pages[5])
    assert said.strip() == f"Wrote {len(pages)} pages to {pdf} and 18 chart images to {png_dir}."


def test_the_cover_gives_the_data_period_extract_dates_and_contents(london_pack, manifest):
    pdf, _, _ = london_pack
    pages, sections = _check_numbering_titles_and_footnotes(pdf, manifest, LONDON_TITLES)
    cover = pages[0]
    period = manifest["data_period"]
    start, end = (date.fromisoformat(period[k]) for k in ("start", "end"))
    assert f"Data period: {start:%B %Y} to {end:%B %Y}." in cover
    for source in ("CHAIN", "H-CLIC", "In-Form"):
        day = date.fromisoformat(manifest["source_extract_dates"][source.lower().replace("-", "")])
        assert f"{source} {day.day} {day:%B %Y}" in cover
    assert manifest["release_id"] in cover and manifest["code_version"] in cover
    # the contents list names each section with the page it starts on
    for title, number in sections[1:]:
        assert re.search(rf"^{number}\s+{re.escape(title)}$", cover, re.M), (number, title)


def test_the_methods_page_carries_the_manifests_disclosure_words(london_pack, manifest):
    pdf, _, _ = london_pack
    methods = " ".join(_flat(t) for t in _pages(pdf) if "Methods and disclosure" in t)
    sdc = manifest["sdc"]
    assert f"Counts below {sdc['threshold']} are suppressed" in methods
    assert f"rounded to the nearest {sdc['rounding_base']}" in methods
    assert f"Definitions version {manifest['definitions_version']}" in methods
    assert f"code version {manifest['code_version']}" in methods
    period = manifest["data_period"]
    assert f"data from {period['start']} to {period['end']}" in methods
    assert "This release is synthetic" in methods


def test_every_chart_was_drawn_into_the_pdf_and_as_a_png(london_pack):
    pdf, png_dir, _ = london_pack
    reader = PdfReader(pdf)
    pngs = sorted(png_dir.glob("*.png"))
    # one image per chart, named by the page it is on and the chart
    # pages 3 to 9, then the Outcomes section's ten charts, one a page
    assert [p.name[:3] for p in pngs] == ["03-", "04-", "05-", "06-", "06-", "07-", "08-", "09-",
                                          *(f"{n}-" for n in range(10, 20))]  # fmt: skip
    assert any("map-seen_rough_sleeping" in p.name for p in pngs)
    assert any("sankey-E12000007" in p.name for p in pngs)
    for p in pngs:
        image = Image.open(p).convert("RGB")
        assert image.width > 800 and image.height > 300, p.name
        # a drawn chart has many colours (lines, text anti-aliasing); a blank one has one
        assert len(image.getcolors(maxcolors=1 << 16) or range(1 << 16)) > 50, p.name
        page = int(p.name[:2])
        assert len(reader.pages[page - 1].images) >= 1, p.name
    assert not reader.pages[0].images and not reader.pages[1].images  # cover and table


def test_the_borough_edition_shows_the_borough_london_and_only_totals_of_others(
    camden_pack, manifest
):
    pdf, png_dir, said = camden_pack
    expected = [
        "Pathways: monthly taskforce chart pack — Camden, March 2025",
        "Headline indicators — Camden, March 2025",
        "People seen rough sleeping — Camden, by",
        "New, stock and returners — Camden, by",
        "Rare, brief, non-recurrent — Camden",
        "Camden against London",
        "People seen rough sleeping by borough, map and ranking —",
        # too few people in Camden's cohort to draw: London's follows, for context
        "Pathways of people first seen in 2023-24 — Camden",
        "Pathways of people first seen in 2023-24 — London (for context)",
        "Return to the street — Camden",
        *OUTCOMES_TITLES("Camden", borough=True),
        # the borough's own pilot only
        "Before and after: Housing First in Camden, from April 2023",
        "Pilot evaluation: Housing First in Camden, from April 2023",
        "Methods and disclosure",
    ]
    pages, _ = _check_numbering_titles_and_footnotes(pdf, manifest, expected)
    assert said.startswith(f"Wrote {len(pages)} pages to {pdf}")
    others = [borough_name(c) for c in borough_codes() if c != CAMDEN]
    for i, text in enumerate(pages, start=1):
        flat = _flat(text)
        if "map and ranking" in _title(text):
            assert "Camden (outlined on the map" in flat
            assert "Contains OS data © Crown copyright and database right" in flat
            continue
        named = [o for o in others if re.search(rf"\b{re.escape(o)}\b", flat)]
        assert not named, (i, named)
    headline = _flat(pages[1])
    assert "London" in headline and "Mar 2025" in headline
    assert any("survival-return_to_street-E09000007" in p.name for p in png_dir.glob("*.png"))


def test_an_earlier_month_stops_at_that_month(release_dir, tmp_path):
    build_pack(release_dir, "2024-09", tmp_path / "sep.pdf")
    headline = _flat(_pages(tmp_path / "sep.pdf")[1])
    assert "Headline indicators — London, September 2024" in headline
    # the latest complete month, quarter and financial year at the end of September 2024
    assert "Sep 2024" in headline and "2024-25 Q2" in headline and "2023-24" in headline
    assert "Oct 2024" not in headline and "2024-25 Q3" not in headline


@pytest.mark.parametrize(
    ("month", "borough", "message"),
    [
        ("2025-3", None, "is not a month written YYYY-MM"),
        ("2025-04", None, "2025-04 is outside this release's data period"),
        ("2019-12", None, "2019-12 is outside this release's data period"),
        ("2025-03", "E09000099", "is not a London borough code"),
    ],
)
def test_a_wrong_request_is_one_plain_error(release_dir, tmp_path, month, borough, message):
    with pytest.raises(PathwaysError, match=re.escape(message)):
        build_pack(release_dir, month, tmp_path / "x.pdf", borough=borough)
    assert not (tmp_path / "x.pdf").exists()


def test_the_command_says_a_wrong_borough_in_one_line(release_dir, tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines.commands.cli", "pack", "--release", str(release_dir),
         "--month", MONTH, "--out", str(tmp_path / "x.pdf"), "--borough", "Camden"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "pathways: 'Camden' is not a London borough code; use an ONS code such as E09000007 "
        "(Camden)."
    ]


@pytest.mark.parametrize("borough", [None, CAMDEN])
def test_every_chart_in_the_pack_is_borough_level_or_above_with_no_nationality(
    release_dir, borough
):
    # What the pack draws is what its charts hold: every figure is for London or a whole
    # borough, none is broken down (so nationality never meets a place), and a borough edition
    # holds other boroughs only on the map and its ranking.
    from app.auth import Role
    from app.data import ScopedRelease, load_release
    from app.pack import Edition, plan
    from contract.reference import LONDON_CODE

    role = Role("borough", borough) if borough else Role("london")
    pages = plan(ScopedRelease(load_release(release_dir), role), Edition(date(2025, 3, 1), borough))
    charts = [chart for page in pages for chart in page.charts]
    assert len(charts) >= 8
    places = {LONDON_CODE, *borough_codes()}
    for chart in charts:
        data = chart.data
        assert "nationality" not in chart.csv_bytes().decode("utf-8").lower(), chart.key
        if "breakdown" in data.columns:
            assert set(data["breakdown"].drop_nulls()) <= {"all"}, chart.key
        if "geography_code" in data.columns:
            codes = set(data["geography_code"].drop_nulls())
            assert codes <= places, chart.key
            if borough and not chart.key.startswith(("map-", "ranking-")):
                assert codes <= {LONDON_CODE, borough}, chart.key


@pytest.mark.parametrize("borough", [None, CAMDEN])
def test_the_pack_has_the_outcomes_pages_and_the_aims_in_its_headline_table(release_dir, borough):
    # The Outcomes section follows the catalogue: the three Life off the Streets aims, inflow
    # against outflow and returns at 3, 6 and 12 months; P1 only in a borough's edition.
    from app.auth import Role
    from app.catalogue import CATALOGUE, PACK
    from app.data import AIM_HEADLINES, ScopedRelease, load_release
    from app.pack import Edition, plan

    role = Role("borough", borough) if borough else Role("london")
    release = ScopedRelease(load_release(release_dir), role)
    pages = plan(release, Edition(date(2025, 3, 1), borough))
    titles = [page.title for page in pages]
    place = borough_name(borough) if borough else "London"
    for start in (
        "New people, and those leaving institutions",
        "Living on the streets, and intermittent",
        "Long-term rough sleeping (B1)",
        "New people against people moving in",
        "Returning to rough sleeping (NR1)",
        "Accommodation sustained 3, 6, 12 months",
        "Returned to the street 3, 6 and 12 months after moving in",
    ):
        assert any(t.startswith(f"{start} — {place}") for t in titles), (start, titles)
    assert any(t.startswith("New to the borough (P1)") for t in titles) == bool(borough)
    (headlines,) = [page for page in pages if page.key == "headlines"]
    words = {row[0] for row in headlines.table[1:]}
    titles_of = {d.id: d.title for d in release.manifest.definitions}
    assert {titles_of[m] for m in AIM_HEADLINES} <= words
    # the methods page defines every metric the pack draws
    (methods,) = [page for page in pages if page.key == "methods"]
    text = " ".join(t for _, t in methods.paragraphs)
    drawn = {m for e in CATALOGUE if PACK in e.places for m in e.metrics}
    if not borough:
        drawn.discard("p1_new_to_borough")
    assert all(f"**{titles_of[m]}**" in text for m in drawn)


def test_the_pack_is_a_tagged_pdf_in_english_with_a_bookmark_per_section(london_pack):
    import pikepdf
    from pdfua import Severity, validate

    pdf, _, _ = london_pack
    with pikepdf.open(pdf) as doc:
        assert str(doc.Root.Lang) == "en-GB"
        assert doc.Root.MarkInfo.Marked and doc.Root.ViewerPreferences.DisplayDocTitle
        with doc.open_outline() as outline:
            bookmarks = [item.title for item in outline.root]
        (document,) = (
            list(doc.Root.StructTreeRoot.K)
            if isinstance(doc.Root.StructTreeRoot.K, pikepdf.Array)
            else [doc.Root.StructTreeRoot.K]
        )
        kinds = [str(e.S) for e in document.K]
        figures = [str(e.Alt) for e in document.K if str(e.S) == "/Figure"]
    # one bookmark and one top-level heading per section, in the pack's order
    assert len(bookmarks) == len(LONDON_TITLES) == kinds.count("/H1")
    for bookmark, title in zip(bookmarks, LONDON_TITLES, strict=True):
        assert bookmark.startswith(title), (bookmark, title)
    assert kinds.count("/H2") >= 3 and kinds.count("/P") > 20
    # every chart image says what it shows, with its figures
    assert len(figures) == len(list(_pngs(london_pack)))
    for alt in figures:
        assert len(alt) > 60 and any(ch.isdigit() for ch in alt), alt
    found = validate(str(pdf)).findings
    assert not [f for f in found if f.severity == Severity.ERROR], found


def _pngs(pack):
    return sorted(pack[1].glob("*.png"))
