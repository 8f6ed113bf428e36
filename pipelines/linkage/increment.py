"""Monthly runs that link only the new records against the people already found.

A full link trains the model and scores every pair of records; a monthly increment keeps both
from the last run and scores only the pairs that involve a record not seen before. ``link_month``
chooses between them; ``pathways run`` calls it.

State kept in the secure-zone work directory, next to the trained model (``linkage_model.json``)
and every pair it scored (``scored_pairs.parquet``: record ids and a probability):

- ``incremental/clusters.parquet``: every linked record (``source``, ``source_record_id``) with
  its person's ``anchor``, the record identity its pseudonym is the keyed hash of (with the
  last run's ``links.parquet``, each anchor's pseudonym: an increment hashes only new anchors);
- ``incremental/merges.parquet``: each time a new record joined two existing people into one,
  the anchor that was retired and the one that survived;
- ``incremental/version.json``: the link stage's code and configuration the state was made with.

How an increment works:

1. The identity features of all records in the sources are rebuilt (cheap; contacts since the
   last run update the old records' places and dates too). Records not in ``clusters.parquet``
   are the new ones.
2. The saved model scores the pairs its prediction blocking rules find where at least one record
   is new (``scored_new_pairs``): new against old and new against new.
3. The new records, the people they were scored against, and every pair scored among them
   (new, and kept from earlier runs) go through the full link's clustering
   (``pipelines.linkage.clustering.cluster_links``), with the people already found as starting
   groups: links strongest first, never across a contradiction the model has not outvoted.
   An increment never splits a person, and leaves people no new record was scored against as
   they were.
4. Pseudonyms come from the one pseudonym function (``pipelines.linkage.pseudonyms``): an
   existing person keeps its anchor even when a new record sorts before it; a new person's
   anchor is its smallest record, as in a full link. When a new record links two or more
   existing people, they become one person named by the smallest of their anchors; the others
   are retired, and the change is recorded in ``merges.parquet``.

A full relink is done instead, and the state rebuilt, when asked for (``pathways run
--full-relink``), when there is no state, when the link stage's code or configuration changed
since the state was made, and when any record linked before has left the sources. The last is
erasure (SPEC section 2.9): an increment would keep the erased record's identity as a person's
anchor and pseudonym, and its pairs and merges in the state; a full relink rewrites all of it
from the records that remain, so nothing of the erased record is left in the work directory.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from contract.errors import PathwaysError
from metrics.journeys import check_schema
from pipelines.config import LinkageConfig
from pipelines.linkage.clustering import cluster_links
from pipelines.linkage.link import (
    LINKS_FILE,
    LINKS_SCHEMA,
    MODEL_FILE,
    REPORT_FILE,
    SCORED_FILE,
    SCORED_SCHEMA,
    LinkResult,
    engine_warnings,
    link_records,
    link_stage_version,
)
from pipelines.linkage.pseudonyms import person_anchors, person_keys
from pipelines.linkage.report import linkage_report

__all__ = [
    "IncrementResult",
    "agreement",
    "as_of",
    "full_link",
    "link_increment",
    "link_month",
    "scored_new_pairs",
]

STATE_DIR = "incremental"
CLUSTERS_FILE = "clusters.parquet"
MERGES_FILE = "merges.parquet"
VERSION_FILE = "version.json"


@dataclass(frozen=True)
class IncrementResult:
    """The links after an increment, and what the increment changed."""

    links: pl.DataFrame
    report: dict[str, Any] = field(default_factory=dict)


def _state(work_dir: Path) -> Path:
    return Path(work_dir) / STATE_DIR


def _write_state(
    work_dir: Path,
    clusters: pl.DataFrame,
    config: LinkageConfig,
    anchors: pl.DataFrame | None = None,
) -> None:
    """Keep each record's person: its anchor (``person_anchors``)."""
    state = _state(work_dir)
    state.mkdir(parents=True, exist_ok=True)
    if anchors is None:
        anchors = person_anchors(clusters)
    clusters.drop("anchor", strict=False).join(anchors, on="cluster").select(
        "source", "source_record_id", "anchor"
    ).sort("source", "source_record_id").write_parquet(state / CLUSTERS_FILE)
    (state / VERSION_FILE).write_text(json.dumps(link_stage_version(config)), encoding="utf-8")


def _known_pseudonyms(work_dir: Path, known: pl.DataFrame) -> pl.DataFrame | None:
    """The anchor and pseudonym of every person the last run named (``person_keys``): its
    links beside its anchors."""
    path = work_dir / LINKS_FILE
    if not path.exists():
        return None
    record = ["source", "source_record_id"]
    links = pl.read_parquet(path, columns=[*record, "person_key"])
    return known.join(links, on=record).select("anchor", "person_key").unique("anchor")


def full_link(
    tables: dict[str, pl.DataFrame], config: LinkageConfig, key: bytes, work_dir: Path
) -> LinkResult:
    """Link every record from scratch (``link_records``) and keep the state increments need.

    Args:
        tables: validated source tables by name (as ``link_records`` takes them).
        config: the ``linkage`` section of the configuration.
        key: the pseudonym secret.
        work_dir: the secure-zone work directory; the model, links and state are written there.
    """
    work_dir = Path(work_dir)
    (work_dir / SCORED_FILE).unlink(missing_ok=True)
    (_state(work_dir) / MERGES_FILE).unlink(missing_ok=True)
    result = link_records(tables, config, key, work_dir=work_dir)
    clusters = result.links.select(
        "source", "source_record_id", pl.col("person_key").alias("cluster")
    )
    _write_state(work_dir, clusters, config)
    return result


def scored_new_pairs(database, features: pl.DataFrame, model: dict[str, Any]) -> pl.DataFrame:
    """Every pair the saved model's prediction rules find that has a new record, scored by it.

    The same pairs and probabilities as the saved model's prediction over all records, kept to
    the pairs with a new record; each pair once, its record ids in order.

    Args:
        database: a Splink database from ``engine_session``.
        features: the identity features of every record, with ``is_new``.
        model: the saved model (``linkage_model.json``).
    """
    from pipelines.linkage.engine import register_records
    from pipelines.linkage.link import scored_pairs
    from pipelines.linkage.splink_api import Linker

    records = register_records(database, features)
    # the saved model was checked against the same columns when the full link trained it
    linker = Linker(records, model, log_level=None, validate_settings=False)
    return scored_pairs(linker, database, records, features.columns, new_only=True)


def _new_pairs(
    features: pl.DataFrame,
    model: dict[str, Any],
    config: LinkageConfig,
    warnings: list[dict[str, object]],
):
    from pipelines.linkage.engine import engine_session

    with engine_warnings(warnings), engine_session(config.engine) as database:
        return scored_new_pairs(database, features, model)


def _earlier_pairs(work_dir: Path, ids: pl.Series) -> pl.DataFrame:
    path = work_dir / SCORED_FILE
    if not path.exists():
        return pl.DataFrame(schema=SCORED_SCHEMA)
    return pl.read_parquet(path).filter(
        pl.col("unique_id_l").is_in(ids.implode()) & pl.col("unique_id_r").is_in(ids.implode())
    )


def _clusters(
    features: pl.DataFrame, pairs: pl.DataFrame, new_pairs: pl.DataFrame, threshold: float
) -> pl.DataFrame:
    """Every record's cluster after an increment (``unique_id``, ``cluster``).

    Only the people a new record was scored against can change: they, with the new records and
    every pair scored among them, go through the full link's clustering. Everyone else keeps
    their records as they were (a link between two of them was weighed in an earlier run, and
    neither has gained a record since). Clusters are named by their smallest record, as
    ``cluster_links`` names them.
    """
    scored_against = pl.concat([new_pairs["unique_id_l"], new_pairs["unique_id_r"]]).implode()
    old_records = features.filter(~pl.col("is_new"))
    touched_people = old_records.filter(pl.col("unique_id").is_in(scored_against))["anchor"]
    touched_people = touched_people.implode()
    touched = pl.col("is_new") | pl.col("anchor").is_in(touched_people)
    changing = features.filter(touched)
    ids = changing["unique_id"].implode()
    reclustered = cluster_links(
        changing,
        pairs.filter(pl.col("unique_id_l").is_in(ids) & pl.col("unique_id_r").is_in(ids)),
        threshold,
        people=changing.filter(~pl.col("is_new")).select(
            "unique_id", pl.col("anchor").alias("person")
        ),
    )
    unchanged = features.filter(~touched).select(
        "unique_id", pl.col("unique_id").min().over("anchor").alias("cluster")
    )
    return pl.concat([reclustered, unchanged])


def link_increment(
    tables: dict[str, pl.DataFrame], config: LinkageConfig, key: bytes, work_dir: Path
) -> IncrementResult:
    """Link the records that are new since the last run to the people already found.

    Args:
        tables: this month's validated source tables (all records, old and new).
        config: the ``linkage`` section; its engine and threshold apply, the model is the saved one.
        key: the pseudonym secret (the same as for every earlier run).
        work_dir: the work directory of earlier runs (``full_link`` first).

    Returns:
        Links for every record in ``tables`` (``LINKS_SCHEMA``) and a report of what changed:
        the linkage report's counts, and the increment's own.

    Raises:
        PathwaysError: when the work directory holds no earlier full link.
    """
    from pipelines.linkage.prepare import identity_features

    work_dir = Path(work_dir)
    state = _state(work_dir)
    if not (state / CLUSTERS_FILE).exists() or not (work_dir / MODEL_FILE).exists():
        raise PathwaysError(
            f"No earlier linkage in {work_dir} to add records to; run a full link there first."
        )
    known = pl.read_parquet(state / CLUSTERS_FILE)
    last_pseudonyms = _known_pseudonyms(work_dir, known)
    model = json.loads((work_dir / MODEL_FILE).read_text(encoding="utf-8"))
    features = identity_features(tables).join(known, on=["source", "source_record_id"], how="left")
    features = features.with_columns(pl.col("anchor").is_null().alias("is_new"))
    new_records = int(features["is_new"].sum())
    warned: list[dict[str, object]] = []
    new_pairs = (
        _new_pairs(features.drop("anchor"), model, config, warned)
        if new_records
        else pl.DataFrame(schema=SCORED_SCHEMA)
    )
    pairs = pl.concat([_earlier_pairs(work_dir, features["unique_id"]), new_pairs]).unique(
        ["unique_id_l", "unique_id_r"], keep="last"
    )
    clusters = features.select("unique_id", "source", "source_record_id", "anchor").join(
        _clusters(features, pairs, new_pairs, config.match_threshold), on="unique_id", how="left"
    )
    named = person_anchors(clusters)
    links = person_keys(clusters, key, anchors=named, known=last_pseudonyms)
    check_schema(links, LINKS_SCHEMA, "links")

    anchors = clusters.drop("anchor").join(named, on="cluster")
    merges = (
        clusters.filter(pl.col("anchor").is_not_null())
        .select(pl.col("anchor").alias("retired_anchor"), "cluster")
        .unique()
        .join(
            anchors.select("cluster", pl.col("anchor").alias("surviving_anchor")).unique(),
            on="cluster",
        )
        .filter(pl.col("retired_anchor") != pl.col("surviving_anchor"))
        .select("retired_anchor", "surviving_anchor")
        .sort("retired_anchor")
    )
    joined_existing = anchors.join(features.select("unique_id", "is_new"), on="unique_id").filter(
        pl.col("is_new") & pl.col("anchor").is_in(known["anchor"].implode())
    )

    _write_state(work_dir, clusters, config, named)
    if merges.height:
        if (state / MERGES_FILE).exists():
            merges = pl.concat([pl.read_parquet(state / MERGES_FILE), merges])
        merges.write_parquet(state / MERGES_FILE)
    pairs.write_parquet(work_dir / SCORED_FILE)
    links.write_parquet(work_dir / LINKS_FILE)
    report = linkage_report(clusters.select("source", "source_record_id", "cluster"))
    report["match_threshold"] = config.match_threshold
    report |= {
        "linkage_run": "increment",
        "records": features.height,
        "new_records": new_records,
        "pairs_scored_at_or_above_threshold": new_pairs.filter(
            pl.col("match_probability") >= config.match_threshold
        ).height,
        "new_records_joining_existing_people": joined_existing.height,
        "people_merged_away": merges.height,
        "people": links["person_key"].n_unique(),
        "engine_warnings": warned,
    }
    (work_dir / REPORT_FILE).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return IncrementResult(links=links, report=report)


def full_relink_reason(
    tables: dict[str, pl.DataFrame], config: LinkageConfig, work_dir: Path
) -> str | None:
    """Why this month's records must be linked in full, or None when an increment will do."""
    from pipelines.linkage.prepare import record_ids

    state = _state(work_dir)
    needed = (state / CLUSTERS_FILE, state / VERSION_FILE, Path(work_dir) / MODEL_FILE)
    if not all(path.exists() for path in needed):
        return "no earlier linkage in the work directory"
    saved = json.loads((state / VERSION_FILE).read_text(encoding="utf-8"))
    if saved != link_stage_version(config):
        return "the link stage's code or configuration changed since the last run"
    known = pl.read_parquet(state / CLUSTERS_FILE, columns=["source", "source_record_id"])
    records = record_ids(tables)
    if known.join(records, on=["source", "source_record_id"], how="anti").height:
        return "records linked before have left the sources (erasure)"
    return None


def link_month(
    tables: dict[str, pl.DataFrame],
    config: LinkageConfig,
    key: bytes,
    work_dir: Path,
    full_relink: bool = False,
) -> LinkResult:
    """The monthly link: an increment on the last run's state, or a full link when needed.

    Args:
        tables: this month's validated source tables.
        config: the ``linkage`` section of the configuration.
        key: the pseudonym secret (the same every month).
        work_dir: the secure-zone work directory of earlier runs.
        full_relink: link every record from scratch whatever the state.

    Returns:
        The links, and a report whose ``linkage_run`` says which was done and why.
    """
    work_dir = Path(work_dir)
    reason = "asked for" if full_relink else full_relink_reason(tables, config, work_dir)
    if reason is None:
        result = link_increment(tables, config, key, work_dir)
        return LinkResult(links=result.links, report=result.report)
    result = full_link(tables, config, key, work_dir)
    result.report.update(linkage_run="full", full_relink_reason=reason)
    return result


def as_of(tables: dict[str, pl.DataFrame], before: date) -> dict[str, pl.DataFrame]:
    """The source tables as an extract taken on the day before ``before`` would have held them.

    For measuring increments on one extract: each record is kept when it was made before the
    day (a CHAIN person at their first contact, an H-CLIC case at its approach, a hostel stay at
    its move-in); contacts and outcomes from that day on are dropped.
    """
    dated = {
        "chain_contacts": "contact_date",
        "chain_outcomes": "outcome_date",
        "hclic_cases": "approach_date",
        "inform_stays": "move_in",
    }
    cut = {
        name: frame.filter(pl.col(dated[name]) < before) if name in dated else frame
        for name, frame in tables.items()
    }
    if "chain_people" in cut and "chain_contacts" in cut:
        seen = cut["chain_contacts"].select("chain_id").unique()
        cut["chain_people"] = cut["chain_people"].join(seen, on="chain_id", how="semi")
    return cut


def agreement(links: pl.DataFrame, reference: pl.DataFrame) -> dict[str, float | int]:
    """How closely two sets of links agree, as pairs of records put in one person.

    Args:
        links: ``source``, ``source_record_id``, ``person_key`` (e.g. after increments).
        reference: the same columns (e.g. a full rebuild); only records in both count.

    Returns:
        Pairs in each, pairs in both, and the share of each's pairs the other has too.
    """
    both = links.join(
        reference.rename({"person_key": "reference_key"}),
        on=["source", "source_record_id"],
        how="inner",
    )

    def pairs(by: list[str]) -> int:
        sizes = both.group_by(by).len()
        return int(sizes.select((pl.col("len") * (pl.col("len") - 1) // 2).sum()).item() or 0)

    ours, theirs, shared = (
        pairs(["person_key"]),
        pairs(["reference_key"]),
        pairs(["person_key", "reference_key"]),
    )
    return {
        "records": both.height,
        "pairs": ours,
        "reference_pairs": theirs,
        "pairs_in_both": shared,
        "share_of_pairs_in_reference": shared / ours if ours else 1.0,
        "share_of_reference_pairs_found": shared / theirs if theirs else 1.0,
        "same_pseudonym_share": both.select(
            (pl.col("person_key") == pl.col("reference_key")).mean()
        ).item(),
    }
