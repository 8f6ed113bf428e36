"""The ``pathways`` command: the product's front door (SPEC section 7).

Every command takes ``-v`` (more detail), ``-q`` (warnings only) and ``--json`` (a summary for
programs on stdout); progress goes to stderr. A user's mistake is one plain line on stderr and an
exit code from ``EXIT_CODES``, never a traceback.
"""

from __future__ import annotations

import argparse
import errno
import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from contract.errors import EXIT_CODES, PathwaysError
from contract.periods import parse_month
from pipelines import code_version
from pipelines.commands.demo import DEMO_SCALE


@dataclass
class Outcome:
    """What a command tells its user: words for a person, a summary for ``--json``."""

    text: str
    data: dict[str, object] = field(default_factory=dict)
    exit_code: int = 0


def _month(text: str) -> str:
    try:
        parse_month(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return text


def _cmd_generate(a: argparse.Namespace) -> Outcome:
    from pipelines.synthetic import generate

    summary = generate(
        out_dir=a.out, scale=a.scale, start=a.start, end=a.end, seed=a.seed, truth_path=a.truth
    )
    return Outcome(summary, {"sources": str(a.out)})


def _cmd_validate(a: argparse.Namespace) -> Outcome:
    from pipelines.config import load_config
    from pipelines.sources.validate import validate_sources

    if a.template is not None:
        from pipelines.sources.minimum_dataset import write_template

        written = write_template(a.template)
        text = f"Empty tables and a manifest to fill in, written to {a.template}: " + ", ".join(
            p.name for p in written
        )
        return Outcome(text, {"template": str(a.template), "written": [str(p) for p in written]})
    if a.sources is None:
        raise PathwaysError("Give --sources DIR to check, or --template DIR to write empty tables.")
    result = validate_sources(a.sources, load_config(a.config), report_dir=a.report_dir)
    data = {**result.report.to_dict(), "written": [str(p) for p in result.written]}
    return Outcome(result.report_text(), data, 0 if result.passed else 1)


def _cmd_link(a: argparse.Namespace) -> Outcome:
    from pipelines.config import load_config
    from pipelines.linkage.link import link_command

    text, report = link_command(a.sources, a.out, truth_path=a.truth, config=load_config(a.config))
    return Outcome(text, {"links": str(a.out), "report": report})


def _cmd_run(a: argparse.Namespace) -> Outcome:
    from pipelines.commands.run import run_pipeline
    from pipelines.config import load_config

    summary = run_pipeline(
        a.sources,
        a.work,
        a.release,
        config=load_config(a.config),
        packs=a.packs,
        full_relink=a.full_relink,
    )
    return Outcome(str(summary), summary.to_dict())


def _cmd_config(a: argparse.Namespace) -> Outcome:
    from pipelines.config import defaults, defaults_reference

    return Outcome(defaults_reference().rstrip("\n"), {"defaults": defaults()})


def _cmd_publish(a: argparse.Namespace) -> Outcome:
    from pipelines.release.write import publish

    text = publish(a.release, a.to, keep=a.keep)
    return Outcome(str(text), {"release": str(a.release), "to": str(a.to)})


def _cmd_demo(a: argparse.Namespace) -> int:
    from pipelines.commands.demo import demo

    return demo(scale=a.scale, seed=a.seed, port=a.port, workdir=a.dir, rebuild=a.rebuild)


def _cmd_app(a: argparse.Namespace) -> int:
    from app.serve import serve

    return serve(
        a.release, a.port, address=a.address, base=a.base_path, audit_log=a.audit_log,
        access_policy=a.access_policy, secrets=a.secrets,
    )  # fmt: skip


def _cmd_pack(a: argparse.Namespace) -> Outcome:
    from app.audit import export_entry
    from app.pack import build_pack

    def record(pages: int) -> None:  # before the file exists: an unrecorded export is not made
        details = {"format": "pdf", "month": a.month, "edition": a.borough or "london"}
        export_entry("chart pack", {**details, "pages": pages})

    text = build_pack(a.release, a.month, a.out, borough=a.borough, png_dir=a.png_dir,
                      before_write=record)  # fmt: skip
    return Outcome(str(text), {"pack": str(a.out)})


def _cmd_audit_verify(a: argparse.Namespace) -> int:
    from app.audit import verify_log

    ok, message = verify_log(a.log, expect_head=a.expect_head)
    print(message, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


def _cmd_audit_init(a: argparse.Namespace) -> int:
    from app.audit import AuditLog, audit_path

    log = AuditLog.create(a.log.resolve() if a.log else audit_path())
    print(f"Created an empty audit log at {log.path}.")
    return 0


def _cmd_audit_anchor(a: argparse.Namespace) -> int:
    from app.audit import AuditLog, verify_log

    ok, message = verify_log(a.log)
    if not ok:
        print(message, file=sys.stderr)
        return 1
    print(AuditLog(a.log).anchor())
    return 0


def _cmd_bench(a: argparse.Namespace) -> Outcome:
    if a.users is not None:
        from pipelines.commands.bench_users import bench_users

        table = bench_users(
            a.users, a.release, think=a.think, stall_after=a.stall_after,
            arrive_over=a.arrive_over, out=a.out,
        )  # fmt: skip
        return Outcome(table, {"results": str(a.out) if a.out else None})
    if a.pairs_per_rule:
        from pipelines.commands.bench import pairs_per_rule

        return Outcome(pairs_per_rule(size=a.size, sources=a.sources), {})
    from pipelines.commands.bench import run_bench

    table = run_bench(size=a.size, out=a.out)
    return Outcome(table, {"results": str(a.out) if a.out else None})


def _common_options(suppress: bool) -> argparse.ArgumentParser:
    """-v, -q and --json: given before the command (the defaults live there) or after it."""

    def default(value: object) -> object:
        return argparse.SUPPRESS if suppress else value

    common = argparse.ArgumentParser(add_help=False)
    loudness = common.add_mutually_exclusive_group()
    loudness.add_argument(
        "-v",
        "--verbose",
        action="store_const",
        const=1,
        dest="verbosity",
        default=default(0),
        help="more detail on stderr: each stage's time and memory, engine warnings",
    )
    loudness.add_argument(
        "-q",
        "--quiet",
        action="store_const",
        const=-1,
        dest="verbosity",
        default=default(0),
        help="no progress lines on stderr; errors and warnings only",
    )
    common.add_argument(
        "--json",
        action="store_true",
        default=default(False),
        help="print a machine-readable summary on stdout instead of the words",
    )
    return common


_EXIT_CODES_TEXT = "exit codes:\n" + "\n".join(f"  {c}  {w}" for c, w in EXIT_CODES.items())


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pathways",
        description="Linked, anonymised journeys and outcome metrics for London's work to end "
        "rough sleeping.",
        epilog=_EXIT_CODES_TEXT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[_common_options(suppress=False)],
    )
    p.add_argument("--version", action="version", version=f"pathways {code_version()}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = _common_options(suppress=True)

    def add(name: str, handler: Callable[[argparse.Namespace], int | Outcome], help_: str):
        sp = sub.add_parser(
            name,
            help=help_,
            description=help_,
            parents=[common],
            epilog=_EXIT_CODES_TEXT,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sp.set_defaults(handler=handler)
        return sp

    g = add("generate", _cmd_generate, "Generate a synthetic London's source extracts.")
    g.add_argument("--out", type=Path, required=True, help="sources directory to write")
    g.add_argument("--scale", type=float, default=0.1, help="1.0 = London's published volumes")
    g.add_argument("--start", type=_month, default="2019-04", help="first month, YYYY-MM")
    g.add_argument("--end", type=_month, default="2025-03", help="last month, YYYY-MM")
    g.add_argument("--seed", type=int, default=1, help="random seed (same seed, same data)")
    g.add_argument("--truth", type=Path, default=None, help="where to write the true identities")

    v = add("validate", _cmd_validate, "Check a sources directory and report every bad row.")
    v.add_argument("--sources", type=Path, default=None, help="sources directory to check")
    v.add_argument(
        "--template",
        type=Path,
        default=None,
        help="instead, write empty tables of the minimum dataset and a manifest to fill in here",
    )
    v.add_argument("--report-dir", type=Path, default=None, help="write the quarantine file here")
    v.add_argument("--config", type=Path, default=None)

    lk = add("link", _cmd_link, "Link person records within and across sources.")
    lk.add_argument("--sources", type=Path, required=True)
    lk.add_argument("--out", type=Path, required=True, help="links Parquet file to write")
    lk.add_argument("--truth", type=Path, default=None, help="truth CSV to measure quality")
    lk.add_argument("--config", type=Path, default=None)

    r = add("run", _cmd_run, "Run the whole pipeline: validate, link, events, metrics, release.")
    r.add_argument("--sources", type=Path, required=True)
    r.add_argument("--work", type=Path, required=True, help="secure-zone work directory")
    r.add_argument("--release", type=Path, required=True, help="release directory to write")
    r.add_argument("--config", type=Path, default=None)
    r.add_argument(
        "--no-packs", dest="packs", action="store_false",
        help="leave the chart packs out of the release (they need Chromium on this host)",
    )  # fmt: skip

    r.add_argument(
        "--full-relink", action="store_true",
        help="link every record from scratch rather than only the records new since the last run",
    )  # fmt: skip

    cf = add("config", _cmd_config, "List every setting with its default and its reason.")
    cf.add_argument(
        "--defaults", action="store_true", required=True,
        help="every setting of a --config file, by section, with its default and reason",
    )  # fmt: skip

    pu = add("publish", _cmd_publish, "Copy a release to the app host, then switch to it.")
    pu.add_argument("--release", type=Path, required=True, metavar="DIR", help="release to publish")
    pu.add_argument(
        "--to", type=Path, required=True, metavar="DEST", help="release path the dashboard serves"
    )
    pu.add_argument(
        "--keep", type=int, default=3, metavar="N", help="versions to keep there (default 3)"
    )

    d = add("demo", _cmd_demo, "Synthetic London, the pipeline and the dashboard, on localhost.")
    d.add_argument(
        "--scale",
        type=float,
        default=DEMO_SCALE,
        help=f"1.0 is London's size (default {DEMO_SCALE})",
    )
    d.add_argument("--seed", type=int, default=1)
    d.add_argument(
        "--rebuild", action="store_true", help="build a new synthetic London, not the kept one"
    )
    d.add_argument("--port", type=int, default=8501)
    d.add_argument("--dir", type=Path, default=Path(".demo"), help="where the demo keeps its files")

    ap = add("app", _cmd_app, "Serve the dashboard on a release.")
    ap.add_argument(
        "--release", type=Path, metavar="DIR", help="release to serve (PATHWAYS_RELEASE)"
    )
    ap.add_argument(
        "--address", metavar="A", help="address to listen on (PATHWAYS_ADDRESS, 127.0.0.1)"
    )
    ap.add_argument("--port", type=int, metavar="P", help="port to listen on (PATHWAYS_PORT, 8501)")
    ap.add_argument(
        "--base-path",
        metavar="PATH",
        help="path behind a proxy, e.g. /pathways/ (PATHWAYS_BASE_PATH)",
    )
    ap.add_argument(
        "--audit-log", type=Path, metavar="FILE", help="audit database file (PATHWAYS_AUDIT_DB)"
    )
    ap.add_argument(
        "--access-policy", type=Path, metavar="FILE", help="access policy (PATHWAYS_ACCESS_POLICY)"
    )
    ap.add_argument(
        "--secrets",
        type=Path,
        metavar="FILE",
        help="OpenID Connect secrets.toml (PATHWAYS_SECRETS)",
    )

    pk = add("pack", _cmd_pack, "Build the monthly taskforce chart pack.")
    pk.add_argument("--release", type=Path, required=True)
    pk.add_argument("--month", type=_month, required=True)
    pk.add_argument("--out", type=Path, required=True, help="PDF file to write")
    pk.add_argument("--borough", default=None, help="ONS code for a borough edition")
    pk.add_argument(
        "--png-dir", type=Path, default=None, help="also write each chart as a PNG here"
    )

    au = add("audit", lambda a: 2, "Audit log tools.")
    au_sub = au.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    av = au_sub.add_parser("verify", help="Check the audit log's hash chain.", parents=[common])
    av.add_argument("--log", type=Path, default=None, help="audit database (default: configured)")
    av.add_argument(
        "--expect-head", default=None, metavar="ANCHOR",
        help="an anchor `pathways audit anchor` printed: fail unless the log still holds it",
    )  # fmt: skip
    av.set_defaults(handler=_cmd_audit_verify)
    ai = au_sub.add_parser(
        "init", help="Create the audit log, once, at its configured path.", parents=[common]
    )
    ai.add_argument("--log", type=Path, default=None, help="audit database (default: configured)")
    ai.set_defaults(handler=_cmd_audit_init)
    aa = au_sub.add_parser(
        "anchor",
        help="Print the log's head (entries:MAC) to keep elsewhere.",
        parents=[common],
    )
    aa.add_argument("--log", type=Path, default=None, help="audit database (default: configured)")
    aa.set_defaults(handler=_cmd_audit_anchor)

    b = add("bench", _cmd_bench, "Run the benchmark suite and print its table.")
    b.add_argument("--size", choices=("small", "london", "national"), default="small")
    b.add_argument("--out", type=Path, default=None, help="also write the results as JSON here")
    b.add_argument(
        "--users", type=int, default=None, metavar="N",
        help="instead: N people at once on the dashboard over --release (docs/bench.md)",
    )  # fmt: skip
    b.add_argument(
        "--pairs-per-rule", action="store_true",
        help="instead: count the pairs each blocking rule finds on the size's records",
    )  # fmt: skip
    b.add_argument(
        "--sources", type=Path, default=None,
        help="--pairs-per-rule: count on these sources (generated there and kept if missing)",
    )  # fmt: skip
    b.add_argument("--release", type=Path, default=None, help="the synthetic release for --users")
    b.add_argument("--think", type=float, default=0.0, help="--users: mean seconds per page")
    b.add_argument("--stall-after", type=float, default=30.0, help="--users: a stall after S s")
    b.add_argument("--arrive-over", type=float, default=0.0, help="--users: arrivals within S s")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # a usage mistake exits 2 here, as argparse does
    from pipelines import progress

    progress.show_on_stderr(args.verbosity)
    try:
        outcome = args.handler(args)
    except PathwaysError as e:
        return _fail(args, str(e), e.exit_code)
    except OSError as e:
        return _fail(args, _os_error(e), 4)
    except KeyboardInterrupt:
        return 130
    if not isinstance(outcome, Outcome):  # a command that only serves (app, demo)
        return int(outcome or 0)
    if args.json:
        summary = {"command": args.command, "exit_code": outcome.exit_code, **outcome.data}
        print(json.dumps(summary, indent=2, default=str))
    else:
        print(outcome.text)
    return outcome.exit_code


def _fail(args: argparse.Namespace, message: str, code: int) -> int:
    print(f"pathways: {message}", file=sys.stderr)
    if args.json:
        print(json.dumps({"command": args.command, "exit_code": code, "error": message}, indent=2))
    return code


def _os_error(e: OSError) -> str:
    """A failed read or write of a file, in one line: which file, and what the system said."""
    what = e.strerror or str(e)
    # Polars and DuckDB give the system's number only in the words: "... (os error 28)".
    number = e.errno or next(iter(re.findall(r"\(os error (\d+)\)", what)), None)
    if number is not None and int(number) in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        what += " (no room to write: free some space, or write elsewhere)"
    where = f" {e.filename}" if e.filename else " a file"
    return f"could not read or write{where}: {what}."


if __name__ == "__main__":
    sys.exit(main())
