"""``retinoid-ld report``: a static HTML site of the store, no server needed."""

from __future__ import annotations

import argparse

from retinoid_ld.commands.common import add_store, log, new_command


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = new_command(
        subparsers,
        "report",
        "write a browsable static HTML report (drugs, targets, studies, findings)",
        "Write a static HTML site of the store: an index of drugs, targets and studies with\n"
        "the comparison heatmap; a page per finding with its full context and provenance;\n"
        "a page per study, drug (with its mechanism diagram), target and source; each\n"
        "finding's and study's data as Turtle. Open index.html in any browser; no server\n"
        "and no JavaScript needed.\n\n"
        "The directory is replaced whole when the new report is complete; a non-empty\n"
        "directory that is not a previous report is never overwritten.",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        default="retinoid-ld-report",
        help="output directory (default: retinoid-ld-report)",
    )
    parser.add_argument(
        "--engine",
        choices=("auto", "graphviz", "matplotlib"),
        default="auto",
        help="layout of the mechanism diagrams (default: auto = Graphviz if installed)",
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing but errors")
    add_store(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from retinoid_ld.report import build_report

    index = build_report(
        store=args.store,
        output_dir=args.output,
        engine=args.engine,
        progress=None if args.quiet else log,
    )
    print(index)
    return 0
