"""``retinoid-ld export``: write the store in a format other tools load."""

from __future__ import annotations

import argparse
import sys

from retinoid_ld.commands.common import add_store, new_command
from retinoid_ld.export import EXPORT_FORMATS, export_store


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = new_command(subparsers, "export", "export the store (Turtle and other formats)")
    parser.add_argument("--format", choices=EXPORT_FORMATS, default="turtle")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: stdout)")
    parser.add_argument(
        "--include",
        metavar="PARTS",
        help="comma-separated parts: ontology,imports,data (default all)",
    )
    add_store(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.output:
        export_store(format=args.format, output=args.output, include=args.include, store=args.store)
    else:
        export_store(
            format=args.format, output=sys.stdout.buffer, include=args.include, store=args.store
        )
    return 0
