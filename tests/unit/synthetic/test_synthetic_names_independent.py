"""The synthetic London's name noise is made apart from what the linker knows about names.

If the generator varied names with the linker's own nickname and variant lists, linkage F1 on
synthetic London would partly measure the model agreeing with itself. These tests hold the two
apart: no shared import, no shared table, and most generated variants not in the linker's lists.
"""

from __future__ import annotations

import ast
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest

from pipelines.linkage import names as linker
from pipelines.synthetic import names as synthetic

SYNTHETIC_DIR = Path(synthetic.__file__).parent


def _strings(value) -> list[str]:
    """Every string inside a (nested) table, lower case."""
    if isinstance(value, str):
        return [value.lower()]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(k) + _strings(v)]
    if isinstance(value, list | tuple | set | frozenset):
        return [s for item in value for s in _strings(item)]
    return []


def _flat(value) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(x, str) for x in value)


def _pairs(value, group: bool = False) -> set[frozenset[str]]:
    """The name pairs a table relates: a key with its values, a rule with what it writes, the
    members of a group. A plain list of words at the top relates nothing."""
    out: set[frozenset[str]] = set()
    if _flat(value):
        return (
            {frozenset(p) for p in combinations(_strings(value), 2) if p[0] != p[1]}
            if group
            else out
        )
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str) or _flat(item):
                words = [*_strings(key), *_strings(item)]
                out |= {frozenset(p) for p in combinations(words, 2) if p[0] != p[1]}
            else:
                out |= _pairs(item, group=True)
    elif isinstance(value, list | tuple):
        for item in value:
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
                out |= {frozenset((item[0].lower(), w)) for w in _strings(item[1])} - {
                    frozenset((item[0].lower(),))
                }
            else:
                out |= _pairs(item, group=True)
    return out


def _tables(module) -> dict[str, object]:
    """A module's tables: its top-level dicts, lists, tuples and sets holding strings."""
    return {
        name: value
        for name, value in vars(module).items()
        if not name.startswith("__")
        and isinstance(value, dict | list | tuple | set | frozenset)
        and _strings(value)
    }


def test_no_synthetic_module_imports_the_linkers_code():
    for path in SYNTHETIC_DIR.glob("*.py"):
        tree = ast.parse(path.read_text())
        imported = [
            node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
        ] + [a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names]
        assert not [m for m in imported if m.startswith("pipelines.linkage")], path.name


def test_no_table_is_shared_with_the_linkers_name_lists():
    """No generator table holds more than a tenth of its word pairs or words in a linker table.

    Word lists are compared with word lists (the linker's descriptive nicknames, placeholders,
    titles); pair tables (what may be written for what) with pair tables (the linker's name
    forms and spelling rules). Name pools are not pair tables: Robert is a name to both.
    """
    theirs = _tables(linker)
    their_words = {n: set(_strings(v)) for n, v in theirs.items() if isinstance(v, frozenset)}
    their_pairs = {n: _pairs(v) for n, v in theirs.items() if _pairs(v)}
    shared = []
    for name, table in _tables(synthetic).items():
        words, pairs = set(_strings(table)), _pairs(table)
        for other, their in their_words.items():
            if isinstance(table, tuple | frozenset) and not pairs:
                overlap = len(words & their) / len(words)
                if overlap > 0.1:
                    shared.append((name, other, round(overlap, 2)))
        for other, their in their_pairs.items():
            if pairs and len(pairs & their) / len(pairs) > 0.1:
                shared.append((name, other, round(len(pairs & their) / len(pairs), 2)))
    assert shared == []


KINDS = ("spelling", "short form", "heard", "typed", "street name")


def _vary(kind: str, name: str, surname: str, culture: str, rng: np.random.Generator):
    """One kind of variation, as the generator applies it."""
    if kind == "spelling":
        return synthetic.spelling_variant(name, culture, rng)
    if kind == "short form":
        return synthetic.short_form(name, culture, rng)
    if kind == "heard":
        return synthetic.misheard(name, culture, rng)
    if kind == "typed":
        return synthetic.keyed(name, rng)
    return synthetic.street_name(surname, rng)


def variant_pairs(count: int = 4000, seed: int = 11) -> list[tuple[str, str, str]]:
    """(kind, true name, written name) drawn as the generator draws them, written != true."""
    rng = np.random.default_rng(seed)
    out = []
    cultures = list(synthetic.POOLS)
    while len(out) < count:
        culture = cultures[int(rng.integers(0, len(cultures)))]
        given, share = synthetic.given_pool(culture, male=bool(rng.random() < 0.84))
        name = str(given[rng.choice(len(given), p=share)])
        surnames, share = synthetic.surname_pool(culture)
        surname = str(surnames[rng.choice(len(surnames), p=share)])
        kind = KINDS[int(rng.integers(0, len(KINDS)))]
        written = _vary(kind, name, surname, culture, rng)
        if written and written != name:
            out.append((kind, name, written))
    return out


def _recognised_by_lists(true: str, written: str) -> bool:
    a, b = linker.fold_name(true), linker.fold_name(written)
    if not a or not b or a == b:
        return False
    return bool(set(linker.name_forms(a)) & set(linker.name_forms(b)))


def test_most_generated_variants_are_not_in_the_linkers_lists(capsys):
    pairs = variant_pairs()
    by_lists = [_recognised_by_lists(t, w) for _, t, w in pairs]
    share = sum(by_lists) / len(pairs)
    by_key = sum(linker.name_key(t) == linker.name_key(w) for _, t, w in pairs) / len(pairs)
    with capsys.disabled():
        print(
            f"\n{len(pairs)} generated variant pairs: {share:.1%} recognised by the linker's "
            f"name lists, {by_key:.1%} share its spelling key"
        )
    # Before the generator had its own models, 84% (243 of 291) were in the linker's lists.
    assert share < 0.25


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("spelling", 0.5), ("short form", 0.6), ("heard", 0.6), ("typed", 0.9), ("street name", 0.9)],
)
def test_every_kind_of_variation_changes_the_name_it_is_applied_to(kind, expected):
    # Each model finds something to change in most names: none is a near no-op.
    rng = np.random.default_rng(3)
    names, share = synthetic.given_pool("british", male=True)
    culture_names = [str(n) for n in names[rng.choice(len(names), size=300, p=share)]]
    changed = [_vary(kind, n, n, "british", rng) or n for n in culture_names]
    assert np.mean([c != n for c, n in zip(changed, culture_names, strict=True)]) >= expected


def test_surname_pools_are_wide_with_a_few_very_common_names():
    total = sum(len(synthetic.surname_pool(c)[0]) for c in synthetic.POOLS)
    names, share = synthetic.surname_pool("british")
    assert total > 5_000
    assert len(set(names)) == len(names) > 1_000
    # a few very common (the commonest about 1.5% of people), a long tail of rare ones
    assert 0.01 < share[0] < 0.03
    assert share[:10].sum() < 0.15
    assert share[len(share) // 2 :].sum() > 0.05
    assert share[-1] < share[0] / 100


def test_keyboard_slips_land_on_neighbouring_keys():
    near = synthetic.key_neighbours()
    assert set(near["s"]) == set("adwezx")
    assert set(near["p"]) == set("ol")
    rng = np.random.default_rng(0)
    for _ in range(200):
        typed = synthetic.keyed("Robert", rng)
        assert typed[0] == "R" and abs(len(typed) - 6) <= 1
