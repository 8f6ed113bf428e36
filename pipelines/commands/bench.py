"""``pathways bench``: how long each stage takes and how much memory it needs, at three sizes.

Each size generates synthetic sources in a temporary directory (removed afterwards), then
measures, each in a fresh process so that one measurement's memory does not inflate another's:

- the pipeline, stage by stage (``run_pipeline`` with a ``StageTimer``; at the ``national`` size
  the link stage alone, as the other stages are London's own);
- **Splink alone** on the same person records: a plain Splink model (u by random sampling, EM on
  two blocking rules, predict, cluster) with default-style comparisons on the raw identity
  columns. It is the yardstick: linkage cannot be cheaper than that, so every stage is shown as a
  multiple of it;
- one plain Polars scan-and-group of the CSV sources (contacts per borough per month, cases and
  stays per borough per month): the floor for touching the data at all.

Sizes:

- ``small``: scale 0.05, two years (2023-04 to 2025-03); seconds.
- ``london``: scale 1.0, a decade (2015-04 to 2025-03): about 130,000 people and 1.2 million
  street contacts with their H-CLIC cases and hostel stays.
- ``national``: England-scale H-CLIC volume for the link stage: the ``london`` sources with
  the H-CLIC cases of nine more Londons, each simulated on its own (``national_hclic``), ten
  times London's H-CLIC volume in all: distinct households with identities of their own.

Generation time is reported but not part of the pipeline total.
"""

from __future__ import annotations

import json
import logging
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import polars as pl

from contract.errors import PathwaysError
from pipelines.commands.timer import StageRecord, StageTimer

T = TypeVar("T")

__all__ = [
    "SIZES",
    "BenchSize",
    "national_hclic",
    "pairs_per_rule",
    "plain_polars_scan",
    "run_bench",
    "splink_alone",
]


@dataclass(frozen=True)
class BenchSize:
    """One benchmark size: what to generate and what to run on it."""

    scale: float
    start: str
    end: str
    hclic_copies: int = 1
    link_only: bool = False


SIZES: dict[str, BenchSize] = {
    "small": BenchSize(scale=0.05, start="2023-04", end="2025-03"),
    "london": BenchSize(scale=1.0, start="2015-04", end="2025-03"),
    "national": BenchSize(
        scale=1.0, start="2015-04", end="2025-03", hclic_copies=10, link_only=True
    ),
}
SEED = 20150401
# Same threshold as the pipeline's default; the u sample is as many pairs as the pipeline
# samples from the same records (``linkage.model.pairs_for_u``), so the yardstick does
# comparable work.
_SPLINK_THRESHOLD = 0.90


@dataclass
class BenchResult:
    """Everything one ``pathways bench`` run measured (written as JSON with ``--out``)."""

    size: str
    scale: float
    period: str
    rows: dict[str, int]
    generation_seconds: float
    stages: list[StageRecord] = field(default_factory=list)
    splink_alone: StageRecord | None = None
    polars_scan: StageRecord | None = None
    splink_pairs_scored: int = 0
    splink_people: int = 0
    pipeline_people: int = 0
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    increment: StageRecord | None = None
    increment_report: dict[str, Any] = field(default_factory=dict)
    increment_agreement: dict[str, Any] = field(default_factory=dict)
    app_seconds: dict[str, float] = field(default_factory=dict)  # server time per rerun, by page

    @property
    def pipeline_seconds(self) -> float:
        return sum(r.seconds for r in self.stages)

    def as_json(self) -> dict[str, Any]:
        splink = self.splink_alone.seconds if self.splink_alone else float("nan")
        return {
            "size": self.size,
            "scale": self.scale,
            "period": self.period,
            "rows": self.rows,
            "generation_seconds": round(self.generation_seconds, 2),
            "stages": [
                {
                    **asdict(r),
                    "cpu_seconds": round(self.cpu_seconds.get(r.stage, float("nan")), 2),
                    "ratio_to_splink_alone": round(r.seconds / splink, 3),
                }
                for r in self.stages
            ],
            "cpu_seconds": {k: round(v, 2) for k, v in self.cpu_seconds.items()},
            "pipeline_seconds": round(self.pipeline_seconds, 2),
            "pipeline_peak_bytes": max((r.peak_bytes for r in self.stages), default=0),
            "pipeline_ratio_to_splink_alone": round(self.pipeline_seconds / splink, 3),
            "splink_alone": asdict(self.splink_alone) if self.splink_alone else None,
            "splink_pairs_scored": self.splink_pairs_scored,
            "splink_people": self.splink_people,
            "pipeline_people": self.pipeline_people,
            "polars_scan": asdict(self.polars_scan) if self.polars_scan else None,
            "increment": asdict(self.increment) if self.increment else None,
            "app_seconds_per_interaction": {k: round(v, 3) for k, v in self.app_seconds.items()},
            "increment_report": self.increment_report,
            "increment_agreement_with_full_rebuild": self.increment_agreement,
        }

    def table(self) -> str:
        splink = self.splink_alone.seconds if self.splink_alone else float("nan")
        rows = ", ".join(f"{name} {n:,}" for name, n in self.rows.items())
        lines = [
            f"pathways bench --size {self.size}: scale {self.scale:g}, {self.period}",
            f"records: {rows}",
            f"generation (not in the total): {self.generation_seconds:.1f} s",
            "",
            f"{'stage':<24}{'seconds':>9}{'CPU s':>9}{'peak MB':>9}{'÷ Splink':>10}",
        ]
        splink_cpu = self.cpu_seconds.get("Splink alone", float("nan"))

        def line(name: str, r: StageRecord) -> str:
            cpu = self.cpu_seconds.get(r.stage, float("nan"))
            return (
                f"{name:<24}{r.seconds:>9.1f}{cpu:>9.1f}{r.peak_bytes / 1e6:>9.0f}"
                f"{r.seconds / splink:>10.2f}"
            )

        lines += [line(r.stage, r) for r in self.stages]
        peak = max((r.peak_bytes for r in self.stages), default=0)
        total_cpu = sum(self.cpu_seconds.get(r.stage, 0.0) for r in self.stages)
        lines.append(
            f"{'pipeline total':<24}{self.pipeline_seconds:>9.1f}{total_cpu:>9.1f}"
            f"{peak / 1e6:>9.0f}{self.pipeline_seconds / splink:>10.2f}"
        )
        lines.append("")
        if self.splink_alone:
            lines.append(line("Splink alone", self.splink_alone))
        if self.polars_scan:
            lines.append(line("Polars scan-and-group", self.polars_scan))
        if self.increment:
            link = next((r for r in self.stages if r.stage == "link"), None)
            lines.append(line("link, last month only", self.increment))
            if link is not None:
                cpu_ratio = self.cpu_seconds.get(self.increment.stage, float("nan")) / (
                    self.cpu_seconds.get("link", float("nan"))
                )
                lines.append(
                    f"  increment ÷ full link: {cpu_ratio:.2f} in CPU seconds, "
                    f"{self.increment.seconds / link.seconds:.2f} in seconds "
                    f"({self.increment_report.get('new_records', 0):,} new records)"
                )
            if self.increment_agreement:
                a = self.increment_agreement
                lines.append(
                    f"  against the full rebuild: {a['share_of_pairs_in_reference']:.1%} of the "
                    f"increment's same-person pairs are in the rebuild, "
                    f"{a['share_of_reference_pairs_found']:.1%} of the rebuild's are found"
                )
        lines.append(
            f"pipeline ÷ Splink alone in CPU seconds: {total_cpu / splink_cpu:.2f} "
            "(wall time depends on the machine's other load)"
        )
        if self.app_seconds:
            pages = ", ".join(f"{page} {ms * 1000:.0f}" for page, ms in self.app_seconds.items())
            lines.append(f"dashboard server ms per interaction (median): {pages}")
        lines.append("")
        lines.append(
            f"people found: pipeline {self.pipeline_people:,}, Splink alone "
            f"{self.splink_people:,} ({self.splink_pairs_scored:,} pairs at or above "
            f"{_SPLINK_THRESHOLD})"
        )
        return "\n".join(lines)


class CpuStageTimer(StageTimer):
    """A ``StageTimer`` that also keeps each stage's CPU seconds (all threads of this process).

    On a shared machine wall time depends on the neighbours; CPU time much less so.
    """

    def __init__(self) -> None:
        super().__init__()
        self.cpu_seconds: dict[str, float] = {}

    def run(self, stage: str, fn: Callable[[], T]) -> T:
        began = time.process_time()
        try:
            return super().run(stage, fn)
        finally:
            self.cpu_seconds[stage] = time.process_time() - began


# --- the yardsticks ------------------------------------------------------------------------


def _person_records(sources: Path) -> pl.DataFrame:
    """The raw identity columns of every person record, stacked, as Splink alone sees them."""
    parts = []
    ids = {
        "chain_people": pl.col("chain_id"),
        "hclic_cases": pl.concat_str("la_code", pl.lit("/"), "case_ref"),
        "inform_stays": pl.concat_str("provider", pl.lit("/"), "resident_id"),
    }
    for table, record_id in ids.items():
        path = sources / f"{table}.csv"
        if not path.exists():
            continue
        frame = pl.read_csv(path, infer_schema=False)
        columns = ("first_name", "last_name", "dob", "gender", "nationality", "ni_number")
        parts.append(
            frame.select(
                pl.concat_str(pl.lit(table), pl.lit(":"), record_id).alias("unique_id"),
                *(
                    (pl.col(c) if c in frame.columns else pl.lit(None, pl.String)).alias(c)
                    for c in columns
                ),
            )
        )
    return pl.concat(parts).with_columns(pl.col("dob").str.to_date("%Y-%m-%d", strict=False))


def splink_alone(records: pl.DataFrame, max_pairs_for_u: float) -> dict:
    """Link person records with a plain Splink model on DuckDB, as the Splink tutorial would.

    Comparisons: Jaro-Winkler on forename and on surname, Splink's date-of-birth comparison,
    exact NI number, gender and nationality. u by random sampling; EM blocked on date of birth,
    then on forename and surname; predictions blocked on NI number, date of birth, and forename
    with surname; clusters at the pipeline's threshold.

    Args:
        records: the person records (``_person_records``).
        max_pairs_for_u: random pairs sampled for u-probabilities (the pipeline's own number).

    Returns:
        ``pairs`` scored at or above the threshold and ``people`` found.
    """
    import duckdb

    from pipelines.linkage.splink_api import DuckDBAPI, Linker, SettingsCreator, block_on, cl

    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("first_name", [0.92, 0.8]),
            cl.JaroWinklerAtThresholds("last_name", [0.92, 0.8]),
            cl.DateOfBirthComparison("dob", input_is_string=False),
            cl.ExactMatch("ni_number"),
            cl.ExactMatch("gender"),
            cl.ExactMatch("nationality"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("ni_number"),
            block_on("dob"),
            block_on("first_name", "last_name"),
        ],
    )
    connection = duckdb.connect(":memory:")
    connection.execute("SET enable_progress_bar = false")
    # Splink warns about untrained levels on small data; the bench prints only its table.
    logging.getLogger("splink").setLevel(logging.ERROR)
    try:
        registered = DuckDBAPI(connection).register(records.to_arrow())
        linker = Linker(registered, settings, log_level=None)
        linker.training.estimate_probability_two_random_records_match(
            [block_on("ni_number"), block_on("first_name", "last_name", "dob")], recall=0.6
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs_for_u, seed=SEED)
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on("first_name", "last_name")
        )
        scored = linker.inference.predict(threshold_match_probability=_SPLINK_THRESHOLD)
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            scored, threshold_match_probability=_SPLINK_THRESHOLD
        )
        pairs = scored.as_pyarrow_table().num_rows
        people = pl.from_arrow(clusters.as_pyarrow_table())["cluster_id"].n_unique()
    finally:
        connection.close()
    return {"pairs": int(pairs), "people": int(people)}


def plain_polars_scan(sources: Path) -> pl.DataFrame:
    """One lazy scan-and-group of the sources: records per borough per month per table."""
    month = pl.col("date").str.slice(0, 7).alias("month")
    scans = []
    for table, borough, day in (
        ("chain_contacts", "borough", "contact_date"),
        ("hclic_cases", "la_code", "approach_date"),
        ("inform_stays", "hostel_borough", "move_in"),
    ):
        path = sources / f"{table}.csv"
        if path.exists():
            scans.append(
                pl.scan_csv(path, infer_schema=False).select(
                    pl.lit(table).alias("table"),
                    pl.col(borough).alias("borough"),
                    pl.col(day).alias("date"),
                )
            )
    return pl.concat(scans).group_by("table", "borough", month).len().collect()


# --- sizes ---------------------------------------------------------------------------------


def national_hclic(sources: Path, size: BenchSize, seed: int = SEED) -> int:
    """Grow ``hclic_cases.csv`` to ``size.hclic_copies`` Londons of cases, as England's others.

    Each further copy ``k`` is the H-CLIC table of another London simulated on its own (the
    same assumptions, scale and period, seed ``seed + k``): distinct households with their own
    names, dates of birth and NI numbers, their own repeat approaches, names drawn with the
    gender and nationality of their person. Its case references end ``-E<k>``; it keeps
    London's authority codes, as validation accepts only those. So a copy neither duplicates
    London's people (which would collapse in blocking and merge in clustering) nor shares
    their NI numbers; what grows is what grows in a bigger country: more people per name and
    per date of birth.

    Returns:
        Cases added.
    """
    import numpy as np

    from contract.periods import parse_month
    from pipelines.synthetic.assumptions import DEFAULT_ASSUMPTIONS
    from pipelines.synthetic.generate import build_sources

    path = sources / "hclic_cases.csv"
    cases = pl.read_csv(path, infer_schema=False)
    start_m, end_m = parse_month(size.start), parse_month(size.end)
    copies_made = [cases]
    for k in range(1, size.hclic_copies):
        tables, _, _ = build_sources(
            DEFAULT_ASSUMPTIONS, size.scale, start_m, end_m, np.random.default_rng(seed + k)
        )
        copy = tables["hclic_cases"].select(
            pl.col(c).cast(pl.String) if c != "case_ref" else pl.concat_str(c, pl.lit(f"-E{k}"))
            for c in cases.columns
        )
        del tables
        copies_made.append(copy)
    grown = pl.concat(copies_made)
    grown.write_csv(path)
    return grown.height - cases.height


def _generate(sources: Path, size: BenchSize) -> float:
    from pipelines.synthetic import generate

    began = time.perf_counter()
    generate(sources, size.scale, size.start, size.end, SEED)
    if size.hclic_copies > 1:
        national_hclic(sources, size)
    return time.perf_counter() - began


def _rows(sources: Path) -> dict[str, int]:
    return {
        path.stem: pl.scan_csv(path, infer_schema=False).select(pl.len()).collect().item()
        for path in sorted(sources.glob("*.csv"))
    }


# --- measurements, each in a fresh process ---------------------------------------------------


def _measure_pipeline(sources: str, scratch: str, link_only: bool) -> tuple[list, dict, int]:
    from pipelines.commands.run import run_pipeline
    from pipelines.config import PathwaysConfig

    timer = CpuStageTimer()
    work, release = Path(scratch) / "work", Path(scratch) / "release"
    if link_only:
        from pipelines.linkage.link import link_records
        from pipelines.sources.validate import load_sources

        config = PathwaysConfig()
        validated = timer.run(
            "validate",
            lambda: load_sources(
                Path(sources), config, required_tables=("chain_people", "hclic_cases")
            ),
        )
        linked = timer.run(
            "link",
            lambda: link_records(validated.tables, config.linkage, b"b" * 32, work_dir=work),
        )
        people = linked.links["person_key"].n_unique()
    else:
        # the stages' own figures: drawing the chart packs (a browser's work) is left out
        summary = run_pipeline(Path(sources), work, release, demo=True, timer=timer, packs=False)
        people = summary.people_linked
    return timer.records, timer.cpu_seconds, people


def _measure_splink(sources: str) -> tuple[StageRecord, dict, dict]:
    from pipelines.config import PathwaysConfig
    from pipelines.linkage.model import pairs_for_u as sized

    timer = CpuStageTimer()
    records = _person_records(Path(sources))
    pairs_for_u = sized(records.height, PathwaysConfig().linkage.max_pairs_for_u)
    found = timer.run("Splink alone", lambda: splink_alone(records, pairs_for_u))
    return timer.records[0], timer.cpu_seconds, found


def _measure_polars(sources: str) -> tuple[StageRecord, dict]:
    timer = CpuStageTimer()
    timer.run("Polars scan-and-group", lambda: plain_polars_scan(Path(sources)))
    return timer.records[0], timer.cpu_seconds


def _measure_increment(sources: str, scratch: str) -> tuple[StageRecord, dict, dict, dict]:
    """Link all but the last month in full, then time the last month as an increment."""
    from pipelines.config import PathwaysConfig
    from pipelines.linkage.increment import agreement, as_of, full_link, link_increment
    from pipelines.sources.validate import load_sources

    config = PathwaysConfig()
    key = b"bench-pseudonym-key-of-32-characters"
    tables = load_sources(Path(sources), config).tables
    last_month = tables["chain_contacts"]["contact_date"].max().replace(day=1)
    work = Path(scratch) / "increment"
    full_link(as_of(tables, last_month), config.linkage, key, work)
    timer = CpuStageTimer()
    monthly = timer.run(
        "link, last month only", lambda: link_increment(tables, config.linkage, key, work)
    )
    rebuild = pl.read_parquet(Path(scratch) / "work" / "links.parquet")
    return timer.records[0], timer.cpu_seconds, monthly.report, agreement(monthly.links, rebuild)


def _measure_app(release: str) -> dict[str, float]:
    from app.timing import page_timings

    return page_timings(Path(release))


_CHILD = (
    "import pickle, sys\n"
    "with open(sys.argv[1], 'rb') as f: fn, args = pickle.load(f)\n"
    "result = fn(*args)\n"
    "with open(sys.argv[2], 'wb') as f: pickle.dump(result, f)\n"
)


def _in_fresh_process(fn: Callable, *args: Any) -> Any:
    """Run ``fn`` in a new interpreter, so its peak memory is its own.

    A plain child process rather than a multiprocessing pool: a pool whose worker dies keeps
    starting new workers and never returns, where this fails at once with the child's error.
    """
    with tempfile.TemporaryDirectory(prefix="pathways-bench-call-") as scratch:
        call, answer = Path(scratch) / "call.pickle", Path(scratch) / "answer.pickle"
        call.write_bytes(pickle.dumps((fn, args)))
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(call), str(answer)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0 or not answer.exists():
            tail = " ".join(done.stderr.strip().splitlines()[-3:])
            raise PathwaysError(f"The benchmark step {fn.__name__} failed: {tail}")
        return pickle.loads(answer.read_bytes())


def _progress(line: str) -> None:
    """One line on stderr as each measurement ends, so a run stopped part way keeps its figures."""
    print(f"bench {time.strftime('%H:%M:%S')}: {line}", file=sys.stderr, flush=True)


def _progress_record(record: StageRecord, cpu_seconds: dict[str, float]) -> None:
    cpu = cpu_seconds.get(record.stage, float("nan"))
    _progress(
        f"{record.stage}: {record.seconds:.1f} s, {cpu:.1f} CPU s, "
        f"peak {record.peak_bytes / 1e6:,.0f} MB"
    )


def run_bench(size: str = "small", out: Path | None = None, keep: Path | None = None) -> str:
    """Generate synthetic sources of one size, measure the pipeline and its yardsticks.

    Args:
        size: ``small``, ``london`` or ``national`` (see the module docstring).
        out: also write the results as JSON here.
        keep: generate into this directory and keep it (default: a temporary directory,
            removed afterwards).

    Returns:
        The table of stages, seconds, peak memory and each stage ÷ Splink alone.
    """
    if size not in SIZES:
        raise PathwaysError(f"Unknown bench size {size!r}; choose one of {', '.join(SIZES)}.")
    spec = SIZES[size]
    scratch = Path(tempfile.mkdtemp(prefix="pathways-bench-"))
    try:
        sources = Path(keep) if keep is not None else scratch / "sources"
        generation = _generate(sources, spec)
        result = BenchResult(
            size=size,
            scale=spec.scale,
            period=f"{spec.start} to {spec.end}",
            rows=_rows(sources),
            generation_seconds=generation,
        )
        _progress(
            f"generated in {generation:.1f} s: "
            + ", ".join(f"{name} {n:,}" for name, n in result.rows.items())
        )
        result.polars_scan, cpu = _in_fresh_process(_measure_polars, str(sources))
        result.cpu_seconds.update(cpu)
        _progress_record(result.polars_scan, cpu)

        def splink() -> None:
            result.splink_alone, cpu, found = _in_fresh_process(_measure_splink, str(sources))
            result.cpu_seconds.update(cpu)
            _progress_record(result.splink_alone, cpu)
            result.splink_pairs_scored, result.splink_people = found["pairs"], found["people"]

        def pipeline() -> None:
            result.stages, cpu, result.pipeline_people = _in_fresh_process(
                _measure_pipeline, str(sources), str(scratch), spec.link_only
            )
            result.cpu_seconds.update(cpu)
            for record in result.stages:
                _progress_record(record, cpu)

        # At the national size the link stage is the figure asked for, and Splink alone needs
        # most of the machine's memory there: the link stage goes first, so that a run stopped
        # part way keeps it.
        for measure in (pipeline, splink) if spec.link_only else (splink, pipeline):
            measure()
        if not spec.link_only:
            result.increment, cpu, result.increment_report, result.increment_agreement = (
                _in_fresh_process(_measure_increment, str(sources), str(scratch))
            )
            result.cpu_seconds.update(cpu)
            _progress_record(result.increment, cpu)
            result.app_seconds = _in_fresh_process(_measure_app, str(scratch / "release"))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if out is not None:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(result.as_json(), indent=2) + "\n", encoding="utf-8")
    return result.table()


# --- pairs per blocking rule ----------------------------------------------------------------


def _rule_pairs(sources: str) -> tuple[int, list, int | None]:
    from pipelines.config import PathwaysConfig
    from pipelines.linkage.blocking_counts import count_rule_pairs
    from pipelines.linkage.prepare import identity_features
    from pipelines.sources.validate import load_sources

    tables = load_sources(
        Path(sources), PathwaysConfig(), required_tables=("chain_people", "hclic_cases")
    ).tables
    features = identity_features(tables)
    del tables
    counted, together = count_rule_pairs(features)
    return features.height, counted, together


def pairs_per_rule(size: str = "small", sources: Path | None = None) -> str:
    """Count the pairs each blocking rule finds on one size's records (``--pairs-per-rule``).

    Args:
        size: the size to generate when ``sources`` is not given.
        sources: count on these sources (a ``--keep`` directory of an earlier run, say), or, when
            its CSVs are missing, generate ``size`` into it and keep them.

    Returns:
        One line per rule (its use, pairs, distinct pairs, the rule), then the prediction
        rules' sum and their distinct pairs together.
    """
    if size not in SIZES:
        raise PathwaysError(f"Unknown bench size {size!r}; choose one of {', '.join(SIZES)}.")
    with tempfile.TemporaryDirectory(prefix="pathways-bench-pairs-") as scratch:
        where = Path(sources) if sources is not None else Path(scratch) / "sources"
        if not (where / "chain_people.csv").exists():
            _generate(where, SIZES[size])
        records, counted, together = _in_fresh_process(_rule_pairs, str(where))
    lines = [
        f"pairs per blocking rule on {records:,} person records ({where if sources else size})",
        f"{'use':<11}{'pairs':>14}{'distinct':>14}  rule",
    ]
    for c in counted:
        exploded = f" [explodes {', '.join(c.exploded)}]" if c.exploded else ""
        lines.append(f"{c.use:<11}{c.pairs:>14,}{c.distinct:>14,}  {c.rule}{exploded}")
    summed = sum(c.pairs for c in counted if c.use == "prediction")
    lines.append(f"prediction rules, summed: {summed:,} pairs")
    if together is not None:
        lines.append(f"prediction rules together: about {together:,} distinct pairs")
    return "\n".join(lines)
