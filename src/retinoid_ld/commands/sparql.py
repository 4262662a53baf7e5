"""``retinoid-ld sparql``: run an ad-hoc SPARQL query."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from retinoid_ld.commands.common import add_limits, add_result_format, add_store, new_command
from retinoid_ld.commands.remote_options import add_endpoint_options, endpoint_from_args
from retinoid_ld.errors import InputError
from retinoid_ld.formatting import write_result
from retinoid_ld.query import run_sparql


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = new_command(
        subparsers,
        "sparql",
        "run an ad-hoc SPARQL query (argument, --file or stdin)",
        "Run a SPARQL 1.1 query on the store. The query's default graph is the union of the\n"
        "ontology, import and data graphs.\n\n"
        "examples:\n"
        "  retinoid-ld sparql 'SELECT * WHERE { ?s ?p ?o } LIMIT 5'\n"
        "  retinoid-ld sparql --file my-question.rq --format csv --timeout 30",
    )
    parser.add_argument("query", nargs="?", help="the query text ('-' or absent: read stdin)")
    parser.add_argument("--file", "-f", metavar="FILE", help="read the query from FILE")
    add_store(parser)
    add_result_format(parser)
    add_limits(parser)
    add_endpoint_options(parser)
    parser.set_defaults(handler=run)


def read_query_text(args: argparse.Namespace) -> str:
    if args.file:
        path = Path(args.file)
        if not path.is_file():
            raise InputError(f"{path}: no such file")
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise InputError(f"{path}: cannot be read: {error}") from error
    if args.query and args.query != "-":
        return args.query
    if sys.stdin.isatty():
        raise InputError("no query given", hint="pass it as an argument, with --file, or on stdin")
    return sys.stdin.read()


def run(args: argparse.Namespace) -> int:
    text = read_query_text(args)
    if not text.strip():
        raise InputError("the query is empty")
    endpoint = endpoint_from_args(args)
    if endpoint is not None:  # a remote SPARQL endpoint instead of the embedded store
        from retinoid_ld.remote import run_sparql_remote

        result = run_sparql_remote(text, endpoint, limit=args.limit, with_labels=True)
        write_result(result, args.format, out=sys.stdout, err=sys.stderr)
        return 0
    result = run_sparql(
        text, store=args.store, limit=args.limit, timeout=args.timeout, with_labels=True
    )
    write_result(result, args.format, out=sys.stdout, err=sys.stderr)
    return 0
