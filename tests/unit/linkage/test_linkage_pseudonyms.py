"""Pseudonyms: the keyed hash of a person's anchor, and the last run's kept where still right.

record | cluster | anchor (smallest record identity)
chain 1 | a      | chain␟1
chain 2 | a      |
hclic 9 | b      | hclic␟9
"""

from __future__ import annotations

import hashlib
import hmac

import polars as pl

from pipelines.linkage.pseudonyms import RECORD_SEPARATOR, person_anchors, person_keys

KEY = b"a-test-pseudonym-key-of-32-chars!"
CLUSTERS = pl.DataFrame(
    {
        "source": ["chain", "chain", "hclic"],
        "source_record_id": ["1", "2", "9"],
        "cluster": ["a", "a", "b"],
    }
)


def _hmac(text: str, key: bytes = KEY) -> str:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def test_a_persons_pseudonym_is_the_keyed_hash_of_their_smallest_record() -> None:
    keys = person_keys(CLUSTERS, KEY)
    assert keys["person_key"].to_list() == [
        _hmac(f"chain{RECORD_SEPARATOR}1"),
        _hmac(f"chain{RECORD_SEPARATOR}1"),
        _hmac(f"hclic{RECORD_SEPARATOR}9"),
    ]


def test_the_last_runs_pseudonyms_are_taken_and_only_new_anchors_hashed() -> None:
    anchors = person_anchors(CLUSTERS)
    # The last run named both people; the first key checks out with this secret, so the
    # second is taken as it was kept (here a marker, to show it is not hashed again).
    known = pl.DataFrame(
        {
            "anchor": [f"chain{RECORD_SEPARATOR}1", f"hclic{RECORD_SEPARATOR}9"],
            "person_key": [_hmac(f"chain{RECORD_SEPARATOR}1"), "kept from the last run"],
        }
    )
    keys = person_keys(CLUSTERS, KEY, anchors=anchors, known=known)
    assert keys["person_key"].to_list() == [
        _hmac(f"chain{RECORD_SEPARATOR}1"),
        _hmac(f"chain{RECORD_SEPARATOR}1"),
        "kept from the last run",
    ]
    # a person the last run did not name is hashed
    only_first = known.head(1)
    assert person_keys(CLUSTERS, KEY, known=only_first).equals(person_keys(CLUSTERS, KEY))


def test_pseudonyms_kept_under_another_secret_are_all_hashed_afresh() -> None:
    other = b"another-pseudonym-key-of-32-chars"
    known = pl.DataFrame(
        {
            "anchor": [f"chain{RECORD_SEPARATOR}1"],
            "person_key": [_hmac(f"chain{RECORD_SEPARATOR}1", other)],
        }
    )
    keys = person_keys(CLUSTERS, KEY, known=known)
    assert keys.equals(person_keys(CLUSTERS, KEY))
    assert _hmac(f"chain{RECORD_SEPARATOR}1", other) not in keys["person_key"].to_list()
