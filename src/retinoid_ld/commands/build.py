"""``retinoid-ld build``: compile ontology, imports and data into the embedded store."""

from __future__ import annotations

import argparse

from retinoid_ld.commands.common import add_store, log, new_command
from retinoid_ld.progress import progress_enabled, step_reporter
from retinoid_ld.store import build_store


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = new_command(
        subparsers,
        "build",
        "build the embedded store from ontology, imports and data",
        "Build the embedded Oxigraph store. The build is made in a new directory and swapped in\n"
        "only when complete and valid: a failed build leaves the previous store untouched.",
    )
    add_store(parser)
    parser.add_argument(
        "data", nargs="*", metavar="FILE", help="data files (default: the shipped data)"
    )
    parser.add_argument(
        "--no-validate", action="store_true", help="skip the SHACL gate (not advised)"
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing but errors")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # On a terminal the steps redraw one status line; elsewhere they are logged line by line.
    say = (
        None
        if args.quiet
        else (step_reporter("build", ticking=True) if progress_enabled() else log)
    )
    try:
        result = build_store(
            args.store, data_files=args.data or None, validate=not args.no_validate, progress=say
        )
    except Exception as error:
        getattr(say, "close", lambda: None)()
        report = getattr(error, "report", None)
        if report is not None:
            from retinoid_ld.commands.validate import print_report

            print_report(report, "text")
        raise
    getattr(say, "close", lambda: None)()
    if not args.quiet:
        log(f"store ready: {result.store} ({result.triples} triples, {result.findings} findings)")
    return 0
