"""Drawing the pack: charts to PNG by Kaleido, pages laid out by fpdf2 on A4 landscape in DejaVu
Sans (shipped in ``assets/fonts`` with its licence, so £, – and ’ print the same on every host)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import plotly.graph_objects as go
from fpdf import FPDF, ViewerPreferences
from fpdf.enums import XPos, YPos

from app import theme
from app.charts.common import Chart
from app.pack.edition import Page
from contract.errors import SetupError
from contract.reference import ASSETS

FONT_DIR = ASSETS / "fonts"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
FONT = "DejaVu"
LANGUAGE = "en-GB"

# A4 landscape, in millimetres
PAGE_W, PAGE_H = 297.0, 210.0
MARGIN = 12.0
CONTENT_W = PAGE_W - 2 * MARGIN
FOOTER_H = 21.0  # footnote (up to three lines) and the page line
BODY_BOTTOM = PAGE_H - FOOTER_H - 4.0  # text and charts end here, clear of the footer
PX_PER_MM = 96 / 25.4  # charts are laid out at screen size, then drawn at twice the resolution
IMAGE_SCALE = 2


def font_files() -> dict[str, Path]:
    files = {style: FONT_DIR / name for style, name in FONT_FILES.items()}
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        raise SetupError(
            "The chart pack's fonts are missing from this installation (reinstall Pathways); "
            f"not found: {', '.join(missing)}."
        )
    return files


def _rgb(colour: str) -> tuple[int, int, int]:
    r, g, b = theme.hex_to_rgb(colour)
    return r, g, b


class Renderer:
    """Draws Plotly figures to PNG through Kaleido; each image is drawn once per size."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, int, int], bytes] = {}

    def png(self, chart: Chart, width_mm: float, height_mm: float) -> bytes:
        width = int(width_mm * PX_PER_MM)
        height = int(height_mm * PX_PER_MM)
        key = (chart.key, width, height)
        if key not in self._cache:
            import kaleido

            opts = {"format": "png", "width": width, "height": height, "scale": IMAGE_SCALE}
            self._cache[key] = kaleido.calc_fig_sync(go.Figure(chart.figure), opts=opts)
        return self._cache[key]


class _PackPDF(FPDF):
    def __init__(self, running: str, synthetic: bool, fonts: dict[str, Path]):
        super().__init__(orientation="L", unit="mm", format="A4")
        for style, path in fonts.items():
            self.add_font(FONT, style, str(path))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=PAGE_H - BODY_BOTTOM)
        self.alias_nb_pages()
        self.running = running
        self.synthetic = synthetic
        self.section: Page | None = None
        self.section_pages = 0
        self._next: Page | None = None
        self.set_title(running)
        self.set_creator("Pathways")
        self.set_lang(LANGUAGE)
        self.viewer_preferences = ViewerPreferences(display_doc_title=True)

    @contextmanager
    def tagged(self, kind: str, alt_text: str | None = None) -> Iterator[None]:
        """Mark what is drawn inside as one element of the document's structure (H1, H2, P,
        Figure), so a screen reader reads it in order and knows headings from text. What is
        drawn must stay on one page: callers start a new page first when it would not fit."""
        mcid = self.struct_builder.next_mcid_for_page(self.page)
        self._add_marked_content(struct_type=f"/{kind}", mcid=mcid, alt_text=alt_text)
        self._out(f"/{kind} <</MCID {mcid}>> BDC")
        yield
        self._out("EMC")

    @contextmanager
    def artifact(self) -> Iterator[None]:
        """Mark what is drawn inside as page furniture (running header, footer, rules), which
        screen readers skip."""
        self._out("/Artifact BMC")
        yield
        self._out("EMC")

    def fit(self, height: float) -> None:
        """Start a new page unless ``height`` more fits above the footer."""
        if self.get_y() + height > BODY_BOTTOM:
            self.add_page()

    def header(self) -> None:
        # the footer of the page before has been drawn by now, with its own section's footnote
        if self._next is not None:
            self.section, self._next = self._next, None
            self.section_pages = 0
        if self.section is None:
            return
        with self.artifact():
            self.set_font(FONT, "", 8)
            self.set_text_color(*_rgb(theme.MUTED))
            self.set_xy(MARGIN, 6)
            self.cell(CONTENT_W * 0.7, 5, self.running)
            if self.synthetic:
                self.set_text_color(*_rgb("#9a5b00"))
                self.set_font(FONT, "B", 8)
                self.set_xy(MARGIN + CONTENT_W * 0.7, 6)
                self.cell(CONTENT_W * 0.3, 5, "Synthetic data — not real people", align="R")
            self.set_draw_color(*_rgb(theme.GRID))
            self.line(MARGIN, 12, PAGE_W - MARGIN, 12)
        continued = bool(self.section_pages)
        title = self.section.title + (" (continued)" if continued else "")
        self.section_pages += 1
        self.set_xy(MARGIN, 14)
        self.set_text_color(*_rgb(theme.INK))
        self.set_font(FONT, "B", 15)
        # the section's heading once; its repeat on a continued page is furniture
        with self.artifact() if continued else self.tagged("H1"):
            self.multi_cell(CONTENT_W, 7, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def footer(self) -> None:
        if self.section is None:
            return
        with self.artifact():
            self.set_draw_color(*_rgb(theme.GRID))
            self.line(MARGIN, PAGE_H - FOOTER_H, PAGE_W - MARGIN, PAGE_H - FOOTER_H)
        self.set_xy(MARGIN, PAGE_H - FOOTER_H + 1)
        self.set_font(FONT, "", 7)
        self.set_text_color(*_rgb(theme.MUTED))
        with self.tagged("P"):  # the footnote: source and disclosure, read on every page
            self.multi_cell(CONTENT_W, 3.2, self.section.footnote, align="L", new_x=XPos.LMARGIN)
        with self.artifact():
            self.set_xy(MARGIN, PAGE_H - 8)
            self.set_font(FONT, "", 8)
            self.cell(CONTENT_W / 2, 4, self.running)
            self.cell(CONTENT_W / 2, 4, f"Page {self.page_no()} of {{nb}}", align="R")

    def start(self, page: Page) -> None:
        self._next = page
        self.add_page()
        self.start_section(page.title, level=0)  # a bookmark per section

    def text_height(self, width: float, line: float, text: str, **kwargs) -> float:
        return float(self.multi_cell(width, line, text, dry_run=True, output="HEIGHT", **kwargs))


def _draw_cover(pdf: _PackPDF, page: Page, contents: Sequence[tuple[str, int]]) -> None:
    pdf.set_y(pdf.get_y() + 8)
    for style, text in page.paragraphs:
        if style == "H":
            pdf.set_font(FONT, "B", 24)
            pdf.set_text_color(*_rgb(theme.ANALYSIS_FUNCTION["dark_blue"]))
            with pdf.tagged("H2"):
                pdf.multi_cell(CONTENT_W, 11, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        elif style == "B":
            pdf.set_font(FONT, "B", 16)
            pdf.set_text_color(*_rgb(theme.INK))
            with pdf.tagged("P"):
                pdf.multi_cell(CONTENT_W, 9, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(3)
        elif style == "W":
            _warning(pdf, text, 11)
        else:
            pdf.set_font(FONT, "", 11)
            pdf.set_text_color(*_rgb(theme.INK))
            with pdf.tagged("P"):
                pdf.multi_cell(CONTENT_W, 6, text, align="L", new_x=XPos.LMARGIN,
                               new_y=YPos.NEXT)  # fmt: skip
            pdf.ln(1)
    pdf.ln(4)
    pdf.set_font(FONT, "B", 12)
    pdf.set_text_color(*_rgb(theme.INK))
    with pdf.tagged("H2"):
        pdf.cell(CONTENT_W, 7, "Contents", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    # two columns of contents, so a long pack still fits the cover
    half = (len(contents) + 1) // 2
    top = pdf.get_y()
    for i, (title, number) in enumerate(contents):
        col = 0 if i < half else 1
        x = MARGIN + col * (CONTENT_W / 2)
        y = top + (i % half) * 5.6
        pdf.set_xy(x, y)
        pdf.set_font(FONT, "", 9)
        with pdf.tagged("P"):
            pdf.cell(10, 5, str(number), align="R")
            pdf.cell(CONTENT_W / 2 - 14, 5, "  " + _shorten(pdf, title, CONTENT_W / 2 - 18))


def _shorten(pdf: FPDF, text: str, width: float) -> str:
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _warning(pdf: _PackPDF, text: str, size: float) -> None:
    pdf.ln(2)
    pdf.set_fill_color(*_rgb(theme.ANALYSIS_FUNCTION["orange"]))
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, "B", size)
    pdf.fit(pdf.text_height(CONTENT_W, size * 0.55, text, padding=2) + 1)
    with pdf.tagged("P"):
        pdf.multi_cell(CONTENT_W, size * 0.55, text, fill=True, padding=2,
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    pdf.ln(2)


def _draw_subtitle(pdf: _PackPDF, text: str) -> None:
    if not text:
        return
    pdf.set_font(FONT, "", 8.5)
    pdf.set_text_color(*_rgb(theme.MUTED))
    with pdf.tagged("P"):
        pdf.multi_cell(CONTENT_W, 4, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)


def _notes_height(pdf: _PackPDF, notes: Sequence[str]) -> float:
    pdf.set_font(FONT, "", 8.5)
    return sum(pdf.text_height(CONTENT_W, 4, n) + 0.8 for n in notes)


def _draw_notes(pdf: _PackPDF, notes: Sequence[str]) -> None:
    pdf.set_font(FONT, "", 8.5)
    pdf.set_text_color(*_rgb(theme.INK))
    for n in notes:
        pdf.fit(pdf.text_height(CONTENT_W, 4, n))
        with pdf.tagged("P"):
            pdf.multi_cell(CONTENT_W, 4, n, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(0.8)


def _draw_empty(pdf: _PackPDF, x: float, y: float, w: float, h: float, message: str) -> None:
    pdf.set_fill_color(*_rgb(theme.NO_DATA_FILL))
    pdf.rect(x, y, w, h, style="F")
    pdf.set_font(FONT, "", 11)
    pdf.set_text_color(*_rgb(theme.INK))
    text_h = pdf.text_height(w - 30, 5.5, message)
    pdf.set_xy(x + 15, y + (h - text_h) / 2)
    with pdf.tagged("P"):
        pdf.multi_cell(w - 30, 5.5, message, align="C")


def _draw_legend(pdf: _PackPDF, items: Sequence[tuple[str, str]], x: float, y: float) -> None:
    with pdf.tagged("P"):  # the key: each swatch and its band
        _legend_items(pdf, items, x, y)


def _legend_items(pdf: _PackPDF, items: Sequence[tuple[str, str]], x: float, y: float) -> None:
    pdf.set_font(FONT, "", 8)
    pdf.set_text_color(*_rgb(theme.INK))
    pdf.set_draw_color(153, 153, 153)
    for colour, label in items:
        pdf.set_fill_color(*_rgb(colour))
        pdf.rect(x, y + 0.6, 3.6, 3.6, style="FD")
        if colour == theme.SUPPRESSED_FILL:  # suppressed: hatched, as on the map
            pdf.set_draw_color(*_rgb(theme.HATCH))
            for step in (0.9, 1.8, 2.7):
                pdf.line(x, y + 0.6 + step, x + step, y + 0.6)
                pdf.line(x + step, y + 4.2, x + 3.6, y + 0.6 + step)
            pdf.line(x, y + 4.2, x + 3.6, y + 0.6)
            pdf.set_draw_color(153, 153, 153)
        pdf.set_xy(x + 4.6, y)
        pdf.cell(pdf.get_string_width(label) + 1, 4.8, label)
        x += pdf.get_string_width(label) + 10


def _draw_charts(
    pdf: _PackPDF, page: Page, renderer: Renderer, saved: Callable[[Chart, bytes], None]
) -> None:
    legend_h = 6.0 if page.legend else 0.0
    notes_h = _notes_height(pdf, page.notes)
    top = pdf.get_y()
    height = BODY_BOTTOM - top - notes_h - legend_h - 1
    widths = page.widths or [1.0 / len(page.charts)] * len(page.charts)
    x = MARGIN
    for chart, share in zip(page.charts, widths, strict=True):
        w = CONTENT_W * share - (2 if len(page.charts) > 1 else 0)
        if chart.figure is None:
            _draw_empty(pdf, x, top, w, height, chart.empty_message or "Nothing to show.")
        else:
            image = renderer.png(chart, w, height)
            alt = chart.alt_text or chart.title
            pdf.image(image, x=x, y=top, w=w, h=height, alt_text=alt, title=chart.title)
            saved(chart, image)
        x += CONTENT_W * share + (2 if len(page.charts) > 1 else 0)
    pdf.set_y(top + height + 1)
    if page.legend:
        _draw_legend(pdf, page.legend, MARGIN, pdf.get_y())
        pdf.set_y(pdf.get_y() + legend_h)
    _draw_notes(pdf, page.notes)


def _draw_table(pdf: _PackPDF, page: Page) -> None:
    rows = page.table or []
    if not rows:
        return
    n = len(rows[0])
    shares = (0.34, 0.12, 0.14, 0.2, 0.2) if n == 5 else (0.32, 0.11, 0.12, 0.16, 0.16, 0.13)
    widths = [CONTENT_W * share for share in shares]
    pdf.ln(1)
    row_h = 6.4
    for i, row in enumerate(rows):
        header = i == 0
        pdf.fit(row_h)
        top = pdf.get_y()
        pdf.set_font(FONT, "B" if header else "", 9.5)
        pdf.set_text_color(*_rgb(theme.INK))
        if header:
            pdf.set_fill_color(*_rgb("#e8eef5"))
        elif i % 2 == 0:
            pdf.set_fill_color(*_rgb("#f7f7f7"))
        else:
            pdf.set_fill_color(255, 255, 255)
        with pdf.tagged("P"):  # a row read left to right
            for j, (text, w) in enumerate(zip(row, widths, strict=True)):
                pdf.cell(w, row_h, f" {text} " if j < 2 else f"{text}  ", fill=True,
                         align="L" if j < 2 else "R")  # fmt: skip
        if i > 1 and row[1] != rows[i - 1][1]:
            # a rule between the month, quarter and year blocks, over the cells' fill
            pdf.set_draw_color(*_rgb(theme.MUTED))
            pdf.line(MARGIN, top, MARGIN + sum(widths), top)
        pdf.ln(row_h)
    pdf.ln(2)
    _draw_notes(pdf, page.notes)


def _draw_text(pdf: _PackPDF, page: Page) -> None:
    pdf.ln(1)
    for style, text in page.paragraphs:
        if style == "H":
            # keep a heading with at least two lines of what follows
            if pdf.get_y() + 18 > BODY_BOTTOM:
                pdf.add_page()
            pdf.ln(1.5)
            pdf.set_font(FONT, "B", 11)
            pdf.set_text_color(*_rgb(theme.ANALYSIS_FUNCTION["dark_blue"]))
            with pdf.tagged("H2"):
                pdf.multi_cell(CONTENT_W, 5.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        elif style == "W":
            _warning(pdf, text, 9.5)
        else:
            pdf.set_font(FONT, "", 9.5)
            pdf.set_text_color(*_rgb(theme.INK))
            pdf.fit(pdf.text_height(CONTENT_W, 4.6, text, markdown=True))
            with pdf.tagged("P"):
                pdf.multi_cell(CONTENT_W, 4.6, text, markdown=True, align="L",
                               new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
            pdf.ln(1.2)


def layout(
    pages: Sequence[Page],
    running: str,
    synthetic: bool,
    fonts: dict[str, Path],
    renderer: Renderer,
    contents: Sequence[tuple[str, int]],
    saved: Callable[[Chart, bytes, int], None],
) -> tuple[_PackPDF, list[int]]:
    pdf = _PackPDF(running, synthetic, fonts)
    starts: list[int] = []
    for page in pages:
        pdf.start(page)
        starts.append(pdf.page_no())
        number = pdf.page_no()
        if page.cover:
            _draw_cover(pdf, page, contents)
            continue
        _draw_subtitle(pdf, page.subtitle)
        if page.charts:
            _draw_charts(pdf, page, renderer, lambda c, b, n=number: saved(c, b, n))
        elif page.table is not None:
            _draw_table(pdf, page)
        elif page.paragraphs:
            _draw_text(pdf, page)
        else:
            _draw_empty(pdf, MARGIN, pdf.get_y(), CONTENT_W, 60, " ".join(page.notes))
    return pdf, starts
