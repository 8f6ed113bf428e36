"""Monthly runs that link only the new records against the people already found.

A full rebuild retrains the model and scores every pair of records; a monthly increment keeps
both from the last run and scores only the pairs that involve a record not seen before.

State kept in the secure-zone work directory (``incremental/``), next to the trained model
(``linkage_model.json``, written by every full link):

- ``clusters.parquet``: every linked record (``source``, ``source_record_id``) with its
  person's ``anchor``, the record identity its pseudonym is the keyed hash of;
- ``merges.parquet``: each time a new record joined two existing people into one, the anchor
  that was retired and the one that survived.

How an increment works:

1. The identity features of all records in the sources are rebuilt (cheap; contacts since the
   last run update the old records' places and dates too). Records not in ``clusters.parquet``
   are the new ones.
2. The saved model predicts with each blocking rule narrowed to pairs where at least one record
   is new (``AND (l.is_new OR r.is_new)``): new against old and new against new.
3. Pairs at or above the threshold join new records to existing people, or form new people.
   Existing links are kept as they are: an increment never splits a person.

Pseudonyms stay stable for existing people. A new person's anchor is its smallest
(``source``, ``source_record_id``), as in a full link. An existing person keeps its anchor even
when a new record sorts before it; a full rebuild would re-anchor such a person, so over many
months a rebuild and the increments may name a few people differently. When a new record links
two or more existing people, they become one person named by the smallest of their anchors
(which is the merged person's smallest record, as in a full link); the other pseudonyms are
retired, and the change is recorded in ``merges.parquet`` so that the secure zone can trace it.

Records that have left the sources (erasure) are dropped from the state; if one was a person's
anchor, the person keeps its pseudonym until the next full rebuild, which is due after erasures.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import networkx as nx
import polars as pl

from pipelines.config import LinkageConfig
from pipelines.contracts import LINKS_SCHEMA, check_schema
from pipelines.errors import PathwaysError
from pipelines.link import LINKS_FILE, MODEL_FILE, LinkResult, engine_warnings, link_records

__all__ = [
    "IncrementResult",
    "agreement",
    "as_of",
    "full_link",
    "link_increment",
    "narrowed_to_new",
]

STATE_DIR = "incremental"
CLUSTERS_FILE = "clusters.parquet"
MERGES_FILE = "merges.parquet"
_SEPARATOR = "\x1f"


@dataclass(frozen=True)
class IncrementResult:
    """The links after an increment, and what the increment changed."""

    links: pl.DataFrame
    report: dict[str, Any] = field(default_factory=dict)


def _anchor(source: pl.Expr, record: pl.Expr) -> pl.Expr:
    # The same record identity as pipelines.linkage.pseudonyms hashes.
    return pl.concat_str(source, pl.lit(_SEPARATOR), record)


def _pseudonyms(anchors: pl.Series, key: bytes) -> pl.Series:
    return anchors.map_elements(
        lambda anchor: hmac.new(key, anchor.encode("utf-8"), hashlib.sha256).hexdigest(),
        return_dtype=pl.String,
    )


def _state(work_dir: Path) -> Path:
    return Path(work_dir) / STATE_DIR


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
    result = link_records(tables, config, key, work_dir=work_dir)
    anchors = (
        result.links.with_columns(_anchor(pl.col("source"), pl.col("source_record_id")).alias("a"))
        .group_by("person_key")
        .agg(pl.col("a").min().alias("anchor"))
    )
    clusters = result.links.join(anchors, on="person_key").select(
        "source", "source_record_id", "anchor"
    )
    state = _state(work_dir)
    state.mkdir(parents=True, exist_ok=True)
    clusters.sort("source", "source_record_id").write_parquet(state / CLUSTERS_FILE)
    (state / MERGES_FILE).unlink(missing_ok=True)
    return result


def narrowed_to_new(model: dict[str, Any]) -> dict[str, Any]:
    """The saved model with every prediction blocking rule limited to pairs with a new record."""
    model = json.loads(json.dumps(model))
    rules = []
    for rule in model["blocking_rules_to_generate_predictions"]:
        if isinstance(rule, str):
            rule = {"blocking_rule": rule}
        rule["blocking_rule"] = f"({rule['blocking_rule']}) AND (l.is_new OR r.is_new)"
        rules.append(rule)
    model["blocking_rules_to_generate_predictions"] = rules
    return model


def _new_pairs(
    features: pl.DataFrame,
    model: dict[str, Any],
    config: LinkageConfig,
    warnings: list[dict[str, object]],
):
    from splink import Linker

    from pipelines.linkage.engine import engine_session, to_polars

    with engine_warnings(warnings), engine_session(config.engine) as database:
        records = database.register(features.to_arrow())
        linker = Linker(records, narrowed_to_new(model), log_level=None)
        scored = linker.inference.predict(threshold_match_probability=config.match_threshold)
        return to_polars(scored).select("unique_id_l", "unique_id_r")


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
        Links for every record in ``tables`` (``LINKS_SCHEMA``) and a report of what changed.

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
    model = json.loads((work_dir / MODEL_FILE).read_text(encoding="utf-8"))
    features = identity_features(tables).join(known, on=["source", "source_record_id"], how="left")
    features = features.with_columns(pl.col("anchor").is_null().alias("is_new"))
    new = features.filter("is_new")
    warned: list[dict[str, object]] = []
    pairs = (
        _new_pairs(features.drop("anchor"), model, config, warned)
        if new.height
        else pl.DataFrame(schema={"unique_id_l": pl.String, "unique_id_r": pl.String})
    )

    # One node per existing person (its anchor) and per new record (its own identity).
    node = features.select(
        "unique_id",
        "source",
        "source_record_id",
        pl.coalesce("anchor", _anchor(pl.col("source"), pl.col("source_record_id"))).alias("node"),
        pl.col("anchor").alias("old_anchor"),
    )
    node_of = dict(zip(node["unique_id"], node["node"], strict=True))
    graph = nx.Graph()
    graph.add_nodes_from(new.select(_anchor(pl.col("source"), pl.col("source_record_id")))[:, 0])
    graph.add_edges_from(
        (node_of[left], node_of[right])
        for left, right in pairs.iter_rows()
        if node_of[left] != node_of[right]
    )
    existing = set(known["anchor"])
    renamed, merges = {}, []
    for component in nx.connected_components(graph):
        old = sorted(n for n in component if n in existing)
        survivor = old[0] if old else min(component)
        for n in component:
            renamed[n] = survivor
        merges += [{"retired_anchor": a, "surviving_anchor": survivor} for a in old[1:]]

    mapping = pl.DataFrame(
        {"node": list(renamed), "anchor": list(renamed.values())},
        schema={"node": pl.String, "anchor": pl.String},
    )
    clusters = (
        node.join(mapping, on="node", how="left")
        .with_columns(pl.coalesce("anchor", "node").alias("anchor"))
        .select("source", "source_record_id", "anchor")
        .sort("source", "source_record_id")
    )
    keys = clusters.select("anchor").unique()
    keys = keys.with_columns(_pseudonyms(keys["anchor"], key).alias("person_key"))
    links = (
        clusters.join(keys, on="anchor")
        .select("source", "source_record_id", "person_key")
        .sort("source", "source_record_id")
    )
    check_schema(links, LINKS_SCHEMA, "links")

    clusters.write_parquet(state / CLUSTERS_FILE)
    if merges:
        merged = pl.DataFrame(merges)
        if (state / MERGES_FILE).exists():
            merged = pl.concat([pl.read_parquet(state / MERGES_FILE), merged])
        merged.write_parquet(state / MERGES_FILE)
    links.write_parquet(work_dir / LINKS_FILE)
    joined_existing = node.filter(pl.col("old_anchor").is_null()).join(
        mapping.filter(pl.col("anchor").is_in(list(existing))), on="node"
    )
    report = {
        "records": features.height,
        "new_records": new.height,
        "records_gone": known.height - (features.height - new.height),
        "pairs_scored_at_or_above_threshold": pairs.height,
        "new_records_joining_existing_people": joined_existing.height,
        "people_merged_away": len(merges),
        "people": links["person_key"].n_unique(),
        "engine_warnings": warned,
    }
    return IncrementResult(links=links, report=report)


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
