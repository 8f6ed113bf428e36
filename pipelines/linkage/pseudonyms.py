"""Pseudonyms: keyed hashes of a stable cluster identity (SPEC section 2.8).

A cluster's identity is its smallest (source, source_record_id), so the same records and the
same key always give the same pseudonym, whatever order the records came in and whatever
numbers Splink gave its clusters. The key comes from the environment and is never written.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets

import polars as pl

from contract.errors import SetupError

KEY_VARIABLE = "PATHWAYS_PSEUDONYM_KEY"
MIN_KEY_CHARS = 32


def pseudonym_key(demo: bool) -> bytes:
    """The secret for person pseudonyms.

    Args:
        demo: draw a fresh random key for this run (synthetic data only), ignoring the
            environment.

    Raises:
        SetupError: outside demo mode, when ``PATHWAYS_PSEUDONYM_KEY`` is missing or
            shorter than 32 characters.
    """
    if demo:
        return secrets.token_bytes(32)
    key = os.environ.get(KEY_VARIABLE, "")
    if len(key) < MIN_KEY_CHARS:
        state = "is not set" if not key else f"is shorter than {MIN_KEY_CHARS} characters"
        raise SetupError(
            f"set {KEY_VARIABLE} to a secret of at least {MIN_KEY_CHARS} characters "
            f"(it {state}); the same secret must be used for every monthly run."
        )
    return key.encode("utf-8")


RECORD_SEPARATOR = "\x1f"


def record_identity(source: str | pl.Expr = "source", record: str | pl.Expr = "source_record_id"):
    """A record's identity, the text a person's pseudonym is the keyed hash of."""
    return pl.concat_str(source, pl.lit(RECORD_SEPARATOR), record)


def person_anchors(clusters: pl.DataFrame) -> pl.DataFrame:
    """Each cluster's anchor: the identity its pseudonym is the keyed hash of.

    A cluster's anchor is its smallest record identity. When ``clusters`` has an ``anchor``
    column (people named by an earlier run), a cluster holding named records keeps the
    smallest of their anchors instead, so a person keeps their pseudonym when a new record
    sorts before their first, and two people merged by a new record take the smaller name.

    Returns:
        ``cluster`` and ``anchor``.
    """
    named = pl.col("anchor") if "anchor" in clusters.columns else pl.lit(None, pl.String)
    return clusters.group_by("cluster").agg(
        pl.coalesce(named.min(), record_identity().min()).alias("anchor")
    )


def _hashed(anchors: pl.Series, key: bytes) -> pl.Series:
    return pl.Series(
        "person_key",
        [hmac.new(key, anchor.encode("utf-8"), hashlib.sha256).hexdigest() for anchor in anchors],
        dtype=pl.String,
    )


def person_keys(
    clusters: pl.DataFrame,
    key: bytes,
    anchors: pl.DataFrame | None = None,
    known: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Give every record its person's pseudonym, the keyed hash of the person's anchor.

    Args:
        clusters: ``source``, ``source_record_id`` and an arbitrary ``cluster`` label, and
            optionally the ``anchor`` an earlier run named the record's person by
            (``person_anchors``).
        key: the pseudonym secret.
        anchors: each cluster's anchor, when already found (``person_anchors(clusters)``).
        known: ``anchor`` and ``person_key`` of the people an earlier run named (a monthly
            increment's), so that only new anchors are hashed. Their keys are taken only when
            one of them hashes the same with ``key``; with another key every anchor is hashed.

    Returns:
        ``source``, ``source_record_id``, ``person_key`` sorted by source and record id.
    """
    if anchors is None:
        anchors = person_anchors(clusters)
    if known is not None and known.height:
        anchor, person_key = known.select("anchor", "person_key").row(0)
        if _hashed(pl.Series([anchor]), key).item() != person_key:
            known = None
    if known is None or not known.height:
        anchors = anchors.with_columns(_hashed(anchors["anchor"], key))
    else:
        anchors = anchors.join(known.select("anchor", "person_key"), on="anchor", how="left")
        fresh = anchors.filter(pl.col("person_key").is_null()).select("anchor")
        fresh = fresh.with_columns(_hashed(fresh["anchor"], key).alias("fresh_key"))
        anchors = anchors.join(fresh, on="anchor", how="left").with_columns(
            pl.coalesce("person_key", "fresh_key").alias("person_key")
        )
    return (
        clusters.join(anchors.select("cluster", "person_key"), on="cluster", how="left")
        .select("source", "source_record_id", "person_key")
        .sort("source", "source_record_id")
    )
