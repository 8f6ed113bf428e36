"""Every metric of the registry is drawn somewhere a user can see it: on at least one dashboard
page and in the monthly chart pack. A metric added to the registry without a catalogue entry
fails here, so nothing the pipeline publishes stays out of sight."""

from __future__ import annotations

from app.catalogue import CATALOGUE, EQUITY, LIFE_OFF_THE_STREETS, PACK
from app.pages import PAGES_BY_KEY
from metrics.registry import METRICS


def _drawn(where) -> set[str]:
    return {m for e in CATALOGUE if where(e.places) for m in e.metrics}


def test_every_registry_metric_is_on_a_page():
    on_pages = _drawn(lambda places: any(p in PAGES_BY_KEY for p in places))
    assert [m.id for m in METRICS if m.id not in on_pages] == []


def test_every_registry_metric_is_in_the_pack():
    in_pack = _drawn(lambda places: PACK in places)
    assert [m.id for m in METRICS if m.id not in in_pack] == []


def test_the_catalogue_names_only_registry_metrics_and_real_pages():
    ids = {m.id for m in METRICS}
    assert {m for e in CATALOGUE for m in e.metrics} <= ids
    assert {p for e in CATALOGUE for p in e.places} <= {*PAGES_BY_KEY, PACK}


def test_the_outcomes_page_is_laid_out_by_the_three_aims_in_order():
    headings = [e.heading for e in CATALOGUE if "outcomes" in e.places]
    assert list(dict.fromkeys(headings)) == [*LIFE_OFF_THE_STREETS, EQUITY]
