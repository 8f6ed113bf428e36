"""Record linkage: which CHAIN records, H-CLIC cases and hostel stays belong to one person.

One public function per use: ``link_records`` for the pipeline, ``link_command`` for
``pathways link``, ``pseudonym_key`` for the secret. Names, dates of birth and NI numbers go in;
only ``source``, ``source_record_id`` and a keyed pseudonym come out (``LINKS_SCHEMA``), with a
report of counts and shares. Nothing identifying is logged or written.

How it works (details in ``pipelines/linkage``): the person tables are stacked into one frame
of cleaned identity features and deduplicated as one with Splink, trained without labels;
record pairs at or above ``linkage.match_threshold`` are joined into people, strongest first,
never across contradicting NI numbers, dates of birth, years of birth or genders that the model
has not itself linked; and each person is named by an HMAC of their smallest record identity.
``docs/linkage.md`` gives the measured quality.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import polars as pl

from contract.errors import PathwaysError
from metrics.journeys import check_schema
from pipelines import progress
from pipelines.config import LinkageConfig, PathwaysConfig
from pipelines.linkage.pseudonyms import person_keys, pseudonym_key
from pipelines.linkage.report import linkage_report

#: What the link stage hands on: one row per person record, nothing else about the person.
LINKS_SCHEMA: dict[str, pl.DataType] = {
    "source": pl.String(),  # chain | hclic | inform
    "source_record_id": pl.String(),  # chain_id; la_code/case_ref; provider/resident_id
    "person_key": pl.String(),  # HMAC-SHA256 hex of the cluster
}

__all__ = [
    "LinkResult",
    "engine_warnings",
    "link_command",
    "link_records",
    "link_stage_version",
    "pseudonym_key",
    "scored_pairs",
]

MODEL_FILE = "linkage_model.json"
REPORT_FILE = "linkage_report.json"
LINKS_FILE = "links.parquet"
# Every scored pair (record ids and a probability, nothing identifying), for the next increment.
SCORED_FILE = "scored_pairs.parquet"
SCORED_SCHEMA: dict[str, pl.DataType] = {
    "unique_id_l": pl.String(),
    "unique_id_r": pl.String(),
    "match_probability": pl.Float64(),
}
# u-probabilities sampled by the first full link of this model version, reused by later ones.
U_FILE = "linkage_u.json"
# Fixed so that the same inputs always train the same model and give the same links.
TRAINING_SEED = 20190401


@dataclass(frozen=True)
class LinkResult:
    """Links (one row per person record, ``LINKS_SCHEMA``) and the linkage report."""

    links: pl.DataFrame
    report: dict[str, Any] = field(default_factory=dict)


_MESSAGE_CHARS = 300  # an engine's message, cut short for the report
# An engine quotes the values it could not read ("Could not convert 'Ana' to DATE"): the report
# keeps the words of a message and never a quoted value.
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


class _Recorder(logging.Handler):
    def __init__(self, messages: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.messages = messages

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.name}: {record.getMessage()}")


@contextlib.contextmanager
def engine_warnings(report: list[dict[str, object]]) -> Iterator[None]:
    """Record the warnings Splink and DuckDB give during the link stage, for the linkage report.

    Python warnings and Splink's log records at warning level and above are kept, each distinct
    message once with how often it came; nothing reaches the terminal. Their messages name
    columns and settings; anything an engine quotes is masked, in case it is a value.
    """
    messages: list[str] = []
    splink_logger = logging.getLogger("splink")
    level, propagate = splink_logger.level, splink_logger.propagate
    recorder = _Recorder(messages)
    splink_logger.addHandler(recorder)
    splink_logger.setLevel(logging.WARNING)
    splink_logger.propagate = False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
        messages += [f"{w.category.__name__}: {w.message}" for w in caught]
    finally:
        splink_logger.removeHandler(recorder)
        splink_logger.setLevel(level)
        splink_logger.propagate = propagate
        counts: dict[str, int] = {}
        for message in messages:
            short = _QUOTED.sub("'…'", " ".join(message.split()))[:_MESSAGE_CHARS]
            counts[short] = counts.get(short, 0) + 1
        report.extend({"message": m, "times": n} for m, n in counts.items())
        for m in counts:
            progress.detail(f"link: engine warning: {m}")


def link_stage_version(config: LinkageConfig) -> dict[str, str]:
    """What a saved model and its links depend on: the package version, the link stage's code
    and the ``linkage`` configuration. When any changes, the next run relinks in full."""
    code = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        code.update(path.read_bytes())
    try:
        package = version("pathways")
    except PackageNotFoundError:
        package = "unknown"
    return {
        "package": package,
        "code": code.hexdigest(),
        "config": config.model_dump_json(),
    }


# Scored pairs below this probability count as no link at all when contradictions are weighed.
WEIGHED_FROM = 0.05


def scored_pairs(
    linker, database, records, columns: list[str], new_only: bool = False
) -> pl.DataFrame:
    """Every pair the linker's prediction rules find (``model.prediction_pairs``), scored by it,
    at ``WEIGHED_FROM`` or more; with ``new_only``, the pairs with a new record only.

    Pairs below the match threshold are kept too: they are not links, but they weigh in when
    two groups of records contradict (``pipelines.linkage.clustering``).
    """
    from pipelines.linkage.engine import to_polars
    from pipelines.linkage.model import prediction_pairs

    query = prediction_pairs(
        linker.misc.save_model_to_json(),
        records.physical_name,
        columns,
        database.sql_dialect,
        new_only=new_only,
    )
    pairs = database.sql_pipeline_to_splink_dataframe(query)
    linker.table_management.register_blocked_pairs_for_predict(pairs)
    scored = linker.inference.predict(threshold_match_probability=WEIGHED_FROM)
    return to_polars(scored).select("unique_id_l", "unique_id_r", "match_probability")


def _cached_u(path: Path | None, stage_version: dict[str, str]) -> dict | None:
    """u-probabilities sampled by an earlier full link of the same model version, if any.

    u is how often two different people agree by chance; it changes little from month to
    month, so it is sampled once per model version (code and configuration) and kept in the
    work directory rather than sampled again at every full link.
    """
    if path is None or not path.exists():
        return None
    cached = json.loads(path.read_text(encoding="utf-8"))
    return cached["u"] if cached.get("version") == stage_version else None


def _cluster(features: pl.DataFrame, config: LinkageConfig, work_dir: Path | None) -> pl.DataFrame:
    """Train, score and cluster; returns ``unique_id`` and ``cluster``.

    With a work directory, the model and the scored pairs are kept there for increments.
    """
    from pipelines.linkage import model
    from pipelines.linkage.clustering import cluster_links
    from pipelines.linkage.engine import engine_session, register_records

    u_file = work_dir / U_FILE if work_dir is not None else None
    stage_version = link_stage_version(config)
    cached = _cached_u(u_file, stage_version)
    with engine_session(config.engine) as database:
        records = register_records(database, features)
        progress.step(f"link: training the model on {features.height:,} records")
        linker, u = model.fit(
            records,
            use_context=config.use_context,
            max_pairs_for_u=config.max_pairs_for_u,
            seed=TRAINING_SEED,
            recall=config.sure_rules_recall,
            record_count=features.height,
            u=cached,
        )
        if u_file is not None and cached is None:
            u_file.write_text(json.dumps({"version": stage_version, "u": u}), encoding="utf-8")
        if work_dir is not None:
            linker.misc.save_model_to_json(str(work_dir / MODEL_FILE), overwrite=True)
        progress.step("link: scoring record pairs")
        links = scored_pairs(linker, database, records, features.columns)
    if work_dir is not None:
        links.write_parquet(work_dir / SCORED_FILE)
    progress.step(f"link: joining {links.height:,} scored pairs into people")
    return cluster_links(features, links, config.match_threshold)


def link_records(
    tables: dict[str, pl.DataFrame],
    config: LinkageConfig,
    key: bytes,
    work_dir: Path | None = None,
    truth: pl.DataFrame | None = None,
) -> LinkResult:
    """Find the people behind the person records of all sources.

    Args:
        tables: validated source tables by name; ``chain_people`` is required,
            ``hclic_cases`` and ``inform_stays`` are linked when present (``chain_contacts``,
            when present, dates each CHAIN record's age guess).
        config: the ``linkage`` section of the configuration.
        key: the pseudonym secret (``pseudonym_key``).
        work_dir: when given, ``links.parquet``, ``linkage_report.json`` and the trained model
            (``linkage_model.json``) are written there.
        truth: optional ``source``, ``source_record_id``, ``true_person`` to measure quality.

    Returns:
        ``LinkResult`` with one row per person record and the linkage report.

    Example:
        >>> result = link_records(tables, PathwaysConfig().linkage, key)  # doctest: +SKIP
        >>> result.links.columns
        ['source', 'source_record_id', 'person_key']
    """
    from pipelines.linkage.prepare import identity_features

    if tables.get("chain_people") is None:
        raise PathwaysError("Linkage needs the chain_people table; it is missing from the sources.")
    if work_dir is not None:
        work_dir = Path(work_dir)
        work_dir.mkdir(parents=True, exist_ok=True)
    progress.step("link: identity features")
    features = identity_features(tables)
    warned: list[dict[str, object]] = []
    with engine_warnings(warned):
        if features.height >= 2:
            clusters = _cluster(features, config, work_dir)
        else:
            clusters = features.select("unique_id", pl.col("unique_id").alias("cluster"))
    clusters = features.select("unique_id", "source", "source_record_id").join(
        clusters, on="unique_id", how="left"
    )
    # Any record the engine did not return stands alone rather than vanishing.
    clusters = clusters.with_columns(
        pl.col("cluster").cast(pl.String).fill_null(pl.col("unique_id"))
    )
    progress.step("link: pseudonyms")
    links = person_keys(clusters, key)
    check_schema(links, LINKS_SCHEMA, "links")
    report = linkage_report(clusters, truth)
    report["match_threshold"] = config.match_threshold
    report["engine_warnings"] = warned
    if work_dir is not None:
        links.write_parquet(work_dir / LINKS_FILE)
        (work_dir / REPORT_FILE).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return LinkResult(links=links, report=report)


def _read_truth(path: Path) -> pl.DataFrame:
    if not path.exists():
        raise PathwaysError(f"The truth file {path} does not exist.")
    truth = pl.read_csv(path, infer_schema=False)
    missing = {"source", "source_record_id", "true_person"} - set(truth.columns)
    if missing:
        raise PathwaysError(
            f"The truth file {path} lacks the column(s) {', '.join(sorted(missing))}; it needs "
            "source, source_record_id and true_person."
        )
    return truth


def link_command(
    sources: Path, out: Path, truth_path: Path | None, config: PathwaysConfig
) -> tuple[str, dict[str, Any]]:
    """``pathways link``: link the sources' person records and write the links Parquet file.

    Runs in demo mode (a random pseudonym key) when ``PATHWAYS_DEMO=1``; otherwise it needs
    ``PATHWAYS_PSEUDONYM_KEY``.

    Returns:
        A short summary for the terminal, with precision, recall and F1 when a truth is given,
        and the linkage report (counts and shares only).
    """
    from pipelines.sources.validate import load_sources

    key = pseudonym_key(demo=os.environ.get("PATHWAYS_DEMO") == "1")
    sources, out = Path(sources), Path(out)
    if not sources.is_dir():
        raise PathwaysError(f"The sources directory {sources} does not exist.")
    truth = _read_truth(Path(truth_path)) if truth_path is not None else None
    validated = load_sources(sources, config, required_tables=("chain_people",))
    result = link_records(validated.tables, config.linkage, key, truth=truth)
    out.parent.mkdir(parents=True, exist_ok=True)
    result.links.write_parquet(out)
    report = result.report
    per_source = ", ".join(f"{s} {n:,}" for s, n in report["records_per_source"].items())
    summary = (
        f"Linked {report['records']:,} person records ({per_source}) into "
        f"{report['people_found']:,} people; {report['people_in_more_than_one_source']:,} "
        f"appear in more than one source. Links written to {out}."
    )
    quality = report.get("quality_against_truth")
    if quality:
        summary += (
            f"\nAgainst the truth: pairwise precision {quality['pairwise_precision']:.3f}, "
            f"recall {quality['pairwise_recall']:.3f}, F1 {quality['pairwise_f1']:.3f}; "
            f"{quality['people_exactly_recovered']:.1%} of true people recovered exactly."
        )
    return summary, report
