"""``retinoid-ld export``: write the store in a format other tools load."""

from __future__ import annotations

import argparse
import sys

from retinoid_ld.commands.common import add_store, new_command
from retinoid_ld.errors import InputError
from retinoid_ld.export import FORMATS, PART_GRAPHS, export_store

_FORMAT_LIST = "\n".join(f"  {f.name:<13} {f.description}" for f in FORMATS.values())


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = new_command(
        subparsers,
        "export",
        "export the store (Turtle, N-Triples, N-Quads, JSON-LD, RDF/XML, OWL, KGX, TSV, SSSOM)",
        "Export the store. RDF exports are lossless and deterministic (the same store gives\n"
        "the same bytes) and carry the release metadata: build date, ontology version IRI,\n"
        "license and source documents.\n\nformats:\n" + _FORMAT_LIST,
    )
    parser.add_argument("--format", choices=tuple(FORMATS), default="turtle", metavar="FORMAT")
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write to FILE, atomically (default: stdout); for kgx a directory (DIR/ gives "
        "DIR/nodes.tsv, DIR/edges.tsv) or a prefix (PREFIX_nodes.tsv, PREFIX_edges.tsv)",
    )
    parser.add_argument(
        "--include",
        metavar="PARTS",
        help=f"comma-separated parts for RDF formats and owl: {','.join(PART_GRAPHS)} "
        "(default all; the release metadata is always included)",
    )
    add_store(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.format == "kgx" and not args.output:
        raise InputError(
            "kgx writes two files (nodes and edges), not one stream",
            hint="give -o DIR/ or -o PREFIX",
        )
    output = args.output or sys.stdout.buffer
    export_store(format=args.format, output=output, include=args.include, store=args.store)
    if not args.output:
        sys.stdout.buffer.flush()
    return 0
