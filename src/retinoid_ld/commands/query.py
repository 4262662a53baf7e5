"""``retinoid-ld query``: run a saved comparative question."""

from __future__ import annotations

import argparse
import sys

from retinoid_ld.commands.common import add_limits, add_result_format, add_store, new_command
from retinoid_ld.commands.remote_options import add_endpoint_options, endpoint_from_args
from retinoid_ld.errors import InputError
from retinoid_ld.formatting import write_result
from retinoid_ld.saved_queries import (
    SavedQuery,
    get_saved_query,
    list_saved_queries,
    run_saved_query,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = new_command(
        subparsers,
        "query",
        "run a saved comparative query (see --list)",
        "Run a saved SPARQL query from queries/ (documented in queries/README.md).\n"
        "Parameters are bound as RDF terms, never pasted into the query text. A drug may be\n"
        "given as a CURIE (CHEBI:6067), a label or a synonym (isotretinoin); a term as a\n"
        "CURIE (CL:0000738), an IRI or a label.\n\n"
        "examples:\n"
        "  retinoid-ld query --list\n"
        "  retinoid-ld query drug-effect-matrix --param drug_a=isotretinoin "
        "--param drug_b=acitretin\n"
        "  retinoid-ld query effects-by-cell-type --param cell_type=CL:0000542 --format csv",
    )
    parser.add_argument("name", nargs="?", help="the saved query's name (file name without .rq)")
    parser.add_argument(
        "--list", action="store_true", help="list the saved queries, their titles and parameters"
    )
    parser.add_argument(
        "--show", action="store_true", help="print the query's SPARQL text instead of running it"
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a parameter (repeatable); unset parameters take their defaults",
    )
    add_store(parser)
    add_result_format(parser)
    add_limits(parser)
    add_endpoint_options(parser)
    parser.set_defaults(handler=run)


def parse_params(pairs: list[str]) -> dict[str, str]:
    """``NAME=VALUE`` pairs to a dictionary; a name given twice is an error."""
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise InputError(
                f"--param {pair!r}: expected NAME=VALUE", hint="e.g. --param drug_a=isotretinoin"
            )
        if name in params:
            raise InputError(f"--param {name} is given twice", hint="give each parameter once")
        params[name] = value.strip()
    return params


def describe(saved: SavedQuery) -> str:
    """The --list entry of one query: name, title and each parameter with type and default."""
    lines = [f"{saved.name}\n    {saved.title}"]
    for p in saved.parameters:
        about = f" -- {p.description}" if p.description else ""
        lines.append(f"    --param {p.name}=<{p.type}>  (default: {p.default}){about}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    if args.list:
        sys.stdout.write("\n".join(describe(q) for q in list_saved_queries()) + "\n")
        return 0
    if not args.name:
        raise InputError("no query name given", hint="run 'retinoid-ld query --list' to see them")
    if args.show:
        sys.stdout.write(get_saved_query(args.name).text)
        return 0
    endpoint = endpoint_from_args(args)
    if endpoint is not None:  # a remote SPARQL endpoint instead of the embedded store
        from retinoid_ld.remote import run_saved_query_remote

        result = run_saved_query_remote(
            args.name, endpoint, params=parse_params(args.param), limit=args.limit
        )
        write_result(result, args.format, out=sys.stdout, err=sys.stderr)
        return 0
    result = run_saved_query(
        args.name,
        params=parse_params(args.param),
        store=args.store,
        limit=args.limit,
        timeout=args.timeout,
    )
    write_result(result, args.format, out=sys.stdout, err=sys.stderr)
    return 0
