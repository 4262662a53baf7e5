"""``retinoid-ld push``: replace a named graph on a SPARQL endpoint with the built store."""

from __future__ import annotations

import argparse

from retinoid_ld.commands.common import add_store, log, new_command
from retinoid_ld.commands.remote_options import add_endpoint_options, endpoint_from_args
from retinoid_ld.progress import step_reporter
from retinoid_ld.remote import (
    DEFAULT_GRAPH,
    PUSH_METHODS,
    push_store,
    recovery_advice,
    upload_graph_for,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = new_command(
        subparsers,
        "push",
        "load the built store into a named graph of a SPARQL endpoint",
        "Replace a named graph on a SPARQL 1.1 endpoint with the built store's triples\n"
        "(ontology, imports, data and build metadata), then verify the triple count.\n"
        "Uses the Graph Store Protocol (PUT) where the server has it, else chunked\n"
        "INSERT DATA. Pushing the same store twice gives the same graph.\n\n"
        "Crash safety: the triples go into a temporary graph first\n"
        f"(<GRAPH>{upload_graph_for('')}), are counted there, and replace GRAPH with one\n"
        "MOVE update at the end. If a push is interrupted, GRAPH still holds its old\n"
        "content; rerun the push (it replaces the temporary graph), or remove the\n"
        "leftover with the update DROP SILENT GRAPH <GRAPH-retinoid-ld-upload>.\n\n"
        "  retinoid-ld push --endpoint http://127.0.0.1:7878/query\n"
        "  VIRTUOSO_PASSWORD=dba retinoid-ld push --endpoint http://127.0.0.1:8890/sparql \\\n"
        "      --user dba --password-env VIRTUOSO_PASSWORD --auth digest",
    )
    add_store(parser)
    add_endpoint_options(parser, required=True)
    parser.set_defaults(graph=DEFAULT_GRAPH)
    parser.add_argument(
        "--update-endpoint",
        metavar="URL",
        help="SPARQL update endpoint (default: found from the server: Oxigraph /update, "
        "Virtuoso /sparql-auth with a user)",
    )
    parser.add_argument(
        "--graph-store",
        metavar="URL",
        help="Graph Store Protocol endpoint (default: Oxigraph /store, "
        "Virtuoso /sparql-graph-crud-auth)",
    )
    parser.add_argument(
        "--method",
        choices=PUSH_METHODS,
        default="auto",
        help="upload with a Graph Store PUT, with INSERT DATA, or auto (PUT where known)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="give up on any one request after SECONDS (default: 60)",
    )
    parser.set_defaults(handler=run)
    # The shared --graph option's help speaks of queries; say what it means here.
    for action in parser._actions:
        if action.dest == "graph":
            action.help = f"the named graph to replace (default: {DEFAULT_GRAPH})"
        elif action.dest == "endpoint":
            action.help = (
                "the server's SPARQL query endpoint; its update and Graph Store endpoints "
                "are found from it (Oxigraph, Virtuoso) unless given below"
            )


def run(args: argparse.Namespace) -> int:
    endpoint = endpoint_from_args(
        args, update_url=args.update_endpoint, graph_store_url=args.graph_store
    )
    assert endpoint is not None  # --endpoint is required
    progress = step_reporter("push")
    try:
        result = push_store(
            args.store, endpoint, graph=args.graph, method=args.method, progress=progress
        )
    except KeyboardInterrupt:
        progress.close()  # type: ignore[attr-defined]
        log(f"push interrupted: {recovery_advice(endpoint, args.graph)}")
        raise
    finally:
        progress.close()  # type: ignore[attr-defined]
    print(
        f"pushed {result.triples} triples into <{result.graph}> at {result.endpoint} "
        f"({result.method}, count verified, {result.seconds:.1f} s)"
    )
    return 0
