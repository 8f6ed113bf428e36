"""The pack's pilot pages: for each pilot the edition's reader may see, its before-and-after
chart and a page of the designs' results, checks, assumptions and caveat (the words are the
Compare page's own, from ``app.charts.evaluation``)."""

from __future__ import annotations

from app.charts import evaluation
from app.charts.common import Words
from app.data import ScopedRelease
from app.pack.edition import Page, chart_page

_OUTCOME = "returned_6m"  # the pack's chart: returns within 6 months, the pilots' usual aim


def _plain(text: str) -> str:
    return text.replace("**", "")


def pilot_pages(release: ScopedRelease, words: Words) -> list[Page]:
    """Two pages per pilot in scope (none when no pilot is registered)."""
    table = release.evaluation()
    pages: list[Page] = []
    for pilot in release.pilots():
        title = evaluation.pilot_title(pilot)
        chart = evaluation.before_after_chart(words, table, pilot, _OUTCOME)
        chart.title = f"Before and after: {title}"
        chart.subtitle = (
            f"{evaluation.OUTCOME_WORDS[_OUTCOME].capitalize()}, "
            f"{chart.subtitle[:1].lower()}{chart.subtitle[1:]}"
        )
        page = chart_page(chart, words)
        page.notes = [
            _plain(s) for s in evaluation.before_after_summary(table, pilot, _OUTCOME)
        ] + page.notes
        pages.append(page)
        paragraphs: list[tuple[str, str]] = [("", pilot.description)] if pilot.description else []
        paragraphs.append(("H", "Before and after, with London as the comparison"))
        for outcome in evaluation.OUTCOMES:
            said = " ".join(evaluation.before_after_summary(table, pilot, outcome))
            paragraphs.append(("", f"**{evaluation.OUTCOME_WORDS[outcome].capitalize()}.** {said}"))
        paragraphs.append(("", evaluation.assumptions(evaluation.BEFORE_AFTER_ASSUMPTIONS)))
        paragraphs.append(("H", "People in the pilot against similar people"))
        paragraphs += [("", s) for s in evaluation.weighted_summary(table, pilot)]
        adjusted = evaluation.adjusted_returns_table(table, pilot)
        if not adjusted.is_empty():
            paragraphs.append(
                (
                    "",
                    "Returned to the street, adjusted for case mix: "
                    + "; ".join(f"{g} {r} by {b}" for g, b, r in adjusted.rows())
                    + ".",
                )  # fmt: skip
            )
        paragraphs.append(("", evaluation.assumptions(evaluation.WEIGHTED_ASSUMPTIONS)))
        paragraphs.append(("W", evaluation.EVALUATION_CAVEAT))
        pages.append(
            Page(
                f"pilot-{pilot.id}",
                f"Pilot evaluation: {title}",
                words.footnote("Evaluation of records, not a trial."),
                paragraphs=paragraphs,
            )
        )
    return pages
