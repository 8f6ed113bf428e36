"""``pathways run``: sources → validate → link → events → metrics → disclosure control → release.

Each arrow is one stage with one public function; this module only strings them together. The
secure-zone files (links, people, events, unsuppressed tables, reports) go to ``--work``; the
release writer is handed nothing but the output of disclosure control.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from contract.errors import PathwaysError
from contract.periods import month_index, period_start
from contract.vocabulary import OBSERVATIONAL_CAVEAT
from metrics import survival as survival_curves
from metrics.compare import compute_comparisons
from metrics.counting import compute_metrics
from metrics.evaluation import compute_evaluation
from metrics.pathways import DEFINITION as PATHWAYS_DEFINITION
from metrics.pathways import compute_pathways
from metrics.registry import DEFINITIONS_VERSION, definitions
from metrics.survival import compute_survival
from pipelines import code_version
from pipelines.commands.timer import StageTimer
from pipelines.config import PathwaysConfig
from pipelines.disclosure import protect
from pipelines.disclosure.evaluation import with_before_after
from pipelines.events import build_journeys, service_counts
from pipelines.linkage.increment import link_month
from pipelines.linkage.link import pseudonym_key
from pipelines.release.quality import quality_table
from pipelines.release.write import write_release
from pipelines.sources.validate import load_sources


def is_demo() -> bool:
    """Demo mode: synthetic data only, a random pseudonym key per run."""
    return os.environ.get("PATHWAYS_DEMO") == "1"


@dataclass
class RunSummary:
    """What a run did, for the person who started it (no figure here is disclosive)."""

    release_dir: Path
    people_linked: int
    events: int
    timer: StageTimer

    def to_dict(self) -> dict[str, object]:
        return {
            "release": str(self.release_dir),
            "people_linked": self.people_linked,
            "events": self.events,
            "stages": self.timer.to_dict(),
        }

    def __str__(self) -> str:
        return (
            f"Release written to {self.release_dir}\n"
            f"{self.people_linked:,} people linked, {self.events:,} journey events.\n\n"
            f"{self.timer.table()}"
        )


def run_pipeline(
    sources: Path,
    work: Path,
    release: Path,
    config: PathwaysConfig | None = None,
    *,
    demo: bool | None = None,
    timer: StageTimer | None = None,
    packs: bool = True,
    pack_boroughs: Sequence[str] | None = None,
    full_relink: bool = False,
) -> RunSummary:
    """Run every stage from a sources directory to a release directory.

    Args:
        sources: the sources directory (``manifest.json`` and one file per table).
        work: the secure-zone work directory; created when missing.
        release: the release directory; replaced atomically, left untouched when a stage fails.
        config: the run's configuration (default: the documented defaults).
        demo: demo mode (a random key); default from ``PATHWAYS_DEMO=1``.
        timer: collects each stage's wall time and peak memory (``pathways bench`` passes one).
        packs: draw the month's chart packs into the release (``packs/``), so the app host
            serves finished files and runs no browser.
        pack_boroughs: the boroughs whose pack editions are drawn beside London's; None for all.
        full_relink: link every record from scratch. Without it, when ``work`` holds an earlier
            run's links made by the same link-stage code and configuration, only the new
            records are linked (``pipelines.linkage.increment``); an erasure forces a full relink.

    Raises:
        PathwaysError: bad sources, a missing pseudonym key, or a release that fails its checks.
    """
    config = config or PathwaysConfig()
    demo = is_demo() if demo is None else demo
    timer = timer or StageTimer()
    key = pseudonym_key(demo)
    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)

    validated = timer.run("validate", lambda: load_sources(Path(sources), config))
    validated.report.write(work / "validation")
    extract_date = validated.extract_date
    synthetic = validated.manifest.synthetic
    if demo and not synthetic:
        raise PathwaysError(
            'Demo mode runs only on synthetic sources (their manifest.json says "synthetic": '
            "true). Set PATHWAYS_PSEUDONYM_KEY and run without PATHWAYS_DEMO for real extracts."
        )

    linked = timer.run(
        "link", lambda: link_month(validated.tables, config.linkage, key, work, full_relink)
    )
    people, events = timer.run(
        "events", lambda: build_journeys(validated.tables, linked.links, extract_date)
    )
    people.write_parquet(work / "people.parquet")
    events.write_parquet(work / "events.parquet")

    reported_from = _reporting_start(events, config.metrics.history_months)
    unsuppressed = {
        **journey_aggregates(events, people, config, extract_date, reported_from, timer),
        "quality": quality_table(validated.report, linked.report, extract_date),
        "services": timer.run(
            "services",
            lambda: service_counts(
                validated.tables,
                linked.links,
                config.services.directory,
                reported_from,
                extract_date,
            ),
        ),
    }
    for name, frame in unsuppressed.items():
        frame.write_parquet(work / f"{name}_unsuppressed.parquet")

    protected = timer.run(
        "disclosure",
        lambda: with_before_after(protect(unsuppressed, config.disclosure), config),
    )
    manifest = {
        "data_period": {"start": reported_from, "end": extract_date},
        "source_extract_dates": {
            source: validated.manifest.extract_date_for(source)
            for source in ("chain", "hclic", "inform")
        },
        "lawful_bases": {
            source: {
                "provider": given.provider,
                "lawful_basis": given.lawful_basis,
                "special_category_condition": given.special_category_condition,
            }
            for source, given in validated.manifest.sources.items()
        },
        "definitions_version": DEFINITIONS_VERSION,
        "code_version": code_version(),
        "synthetic": synthetic,
        "definitions": definitions(config.metrics) + _analysis_definitions(),
        "pilots": [pilot.model_dump() for pilot in config.evaluation.pilots],
    }

    def draw(building: Path) -> dict[str, bytes]:
        from app.pack import release_packs  # plotly, kaleido and fpdf: only when packs are drawn

        return release_packs(building, pack_boroughs, config.map.style)

    timer.run(
        "release",
        lambda: write_release(
            Path(release), protected, manifest, config.disclosure, packs=draw if packs else None
        ),
    )
    return RunSummary(Path(release), people.height, events.height, timer)


def journey_aggregates(
    events: pl.DataFrame,
    people: pl.DataFrame,
    config: PathwaysConfig,
    extract_date: date,
    reported_from: date,
    timer: StageTimer | None = None,
) -> dict[str, pl.DataFrame]:
    """The unsuppressed release tables built from journeys (all but the quality table)."""
    timer = timer or StageTimer()
    metrics = timer.run(
        "metrics",
        lambda: compute_metrics(events, people, config.metrics, extract_date).filter(
            pl.col("period_start") >= reported_from
        ),
    )
    survival = timer.run("survival", lambda: compute_survival(events, people, config, extract_date))
    pathways, paths = timer.run(
        "pathways", lambda: compute_pathways(events, people, config, extract_date)
    )
    comparisons, comparison_curves = timer.run(
        "comparisons", lambda: compute_comparisons(events, people, config, extract_date)
    )
    evaluation = timer.run(
        "evaluation", lambda: compute_evaluation(events, people, config, extract_date)
    )
    return {
        "metrics": metrics,
        "survival": pl.concat([survival, comparison_curves], how="vertical_relaxed"),
        "pathways": pathways,
        "paths": paths,
        "comparisons": comparisons,
        "evaluation": evaluation,
    }


def _reporting_start(events: pl.DataFrame, history_months: int) -> date:
    """The first month reported: the month of the first bedded-down contact, plus the history."""
    first = events.filter(pl.col("event_type") == "seen_rough_sleeping")["event_date"].min()
    if first is None:
        return date.today().replace(day=1)
    return period_start("month", month_index(first) + history_months)


def _analysis_definitions() -> list[dict[str, str]]:
    """Survival, pathways and comparison words, so the dashboard can show them without
    importing ``metrics`` (it reads only the release)."""
    titles = {
        survival_curves.RETURN_TO_STREET: "Return to the street",
        survival_curves.RETURN_TO_STREET_CIF: "Returned to the street (cumulative incidence)",
        survival_curves.TIME_TO_ACCOMMODATION: "Time to accommodation",
    }
    rows = [
        {"id": k, "title": titles.get(k, k), "definition": v, "unit": "share", "version": "1.0"}
        for k, v in survival_curves.DEFINITIONS.items()
    ]
    rows.append(
        {
            "id": "pathways",
            "title": "Pathways",
            "definition": PATHWAYS_DEFINITION,
            "unit": "people",
            "version": "1.0",
        }
    )
    rows.append(
        {
            "id": "comparisons",
            "title": "Comparing interventions",
            "definition": OBSERVATIONAL_CAVEAT,
            "unit": "ratio",
            "version": "1.0",
        }
    )
    return rows
