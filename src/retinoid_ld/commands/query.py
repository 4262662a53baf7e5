"""``retinoid-ld query``: run a saved comparative question."""

from __future__ import annotations

import argparse
import sys

from retinoid_ld.commands.common import add_limits, add_result_format, add_store, new_command
from retinoid_ld.errors import InputError
from retinoid_ld.formatting import format_result
from retinoid_ld.saved_queries import list_saved_queries, run_saved_query


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = new_command(
        subparsers,
        "query",
        "run a saved comparative query (see --list)",
        "Run a saved SPARQL query from queries/. Parameters are bound as RDF terms;\n"
        "a drug may be given as a CURIE (CHEBI:6067), a label or a synonym.",
    )
    parser.add_argument("name", nargs="?", help="the saved query's name (file name without .rq)")
    parser.add_argument(
        "--list", action="store_true", help="list the saved queries and their parameters"
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a parameter (repeatable)",
    )
    add_store(parser)
    add_result_format(parser)
    add_limits(parser)
    parser.set_defaults(handler=run)


def parse_params(pairs: list[str]) -> dict[str, str]:
    params = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise InputError(
                f"--param {pair!r}: expected NAME=VALUE", hint="e.g. --param drug_a=isotretinoin"
            )
        params[name.strip()] = value.strip()
    return params


def run(args: argparse.Namespace) -> int:
    if args.list:
        for saved in list_saved_queries():
            print(f"{saved.name}\t{saved.title}")
            for p in saved.parameters:
                print(
                    f"    {p.name} ({p.type}, default {p.default}){': ' + p.description if p.description else ''}"
                )
        return 0
    if not args.name:
        raise InputError("no query name given", hint="run 'retinoid-ld query --list' to see them")
    result = run_saved_query(
        args.name, params=parse_params(args.param), store=args.store, limit=args.limit
    )
    sys.stdout.write(format_result(result, args.format))
    return 0
