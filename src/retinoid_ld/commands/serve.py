"""``retinoid-ld serve``: the store as a SPARQL endpoint, through the Oxigraph server."""

from __future__ import annotations

import argparse
import sys

from retinoid_ld.commands.common import add_store, log, new_command
from retinoid_ld.server import DEFAULT_BIND, DEFAULT_TIMEOUT, serve


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = new_command(
        subparsers,
        "serve",
        "serve the store as a SPARQL 1.1 endpoint (Oxigraph server)",
        "Serve the built store's current version as a SPARQL 1.1 Protocol endpoint through\n"
        "the Oxigraph server (pip install oxigraph). A browser opening the URL gets a query\n"
        "page. Read-only unless --writable (which serves a copy, never the build itself);\n"
        "bound to loopback unless --allow-remote. The named graphs' union is the default\n"
        "graph, as on the embedded store. Stops cleanly on Ctrl-C or SIGTERM.\n\n"
        "  retinoid-ld serve                      # http://127.0.0.1:7878/query\n"
        "  retinoid-ld sparql --endpoint http://127.0.0.1:7878/query 'ASK { ?s ?p ?o }'",
    )
    add_store(parser)
    parser.add_argument(
        "--bind",
        default=DEFAULT_BIND,
        metavar="HOST:PORT",
        help=f"address to listen on (default: {DEFAULT_BIND})",
    )
    parser.add_argument(
        "--timeout",
        type=int,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"stop any query after SECONDS (default: {DEFAULT_TIMEOUT})",
    )
    parser.add_argument(
        "--writable",
        action="store_true",
        help="accept SPARQL updates and Graph Store writes, on a copy of the store",
    )
    parser.add_argument(
        "--workdir",
        metavar="DIR",
        help="with --writable: keep the writable copy in DIR (default: a temporary copy)",
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a non-loopback --bind (the server has no authentication)",
    )
    parser.set_defaults(handler=run)


def _announce(line: str) -> None:
    print(line, flush=True)


def run(args: argparse.Namespace) -> int:
    if args.workdir and not args.writable:
        log("note: --workdir only matters with --writable; serving the store read-only")
    if args.writable and args.allow_remote:
        log("warning: a writable server open to the network: anyone who reaches it can change it")
    return serve(
        args.store,
        bind=args.bind,
        writable=args.writable,
        timeout=args.timeout,
        allow_remote=args.allow_remote,
        workdir=args.workdir if args.writable else None,
        announce=_announce,
        log=lambda line: print(f"oxigraph: {line}", file=sys.stderr, flush=True),
    )
