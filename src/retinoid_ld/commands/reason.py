"""``retinoid-ld reason``: consistency and unsatisfiable classes under HermiT (owlready2)."""

from __future__ import annotations

import argparse

from retinoid_ld.commands.common import add_store, log, new_command
from retinoid_ld.errors import EXIT_NONCONFORMING

DESCRIPTION = """Merge the ontology (edit file + import modules) with the curated data and run the
HermiT OWL reasoner through owlready2. Reports whether the merge is consistent and lists
unsatisfiable classes; for an inconsistency it names the likely causes (an individual in
two disjoint classes, two values of a functional property, ...).

By default the files are used (the shipped data, or the data FILEs given); with --store
the ontology, imports and data graphs of a built store. HermiT needs Java and does not
scale to bulk data: reason over the curated data.

exit status: 0 consistent and no unsatisfiable class; 1 inconsistent or unsatisfiable
classes; 2 Java missing or another usage error."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = new_command(
        subparsers, "reason", "check the ontology and data with the HermiT reasoner", DESCRIPTION
    )
    add_store(parser)
    parser.add_argument(
        "data", nargs="*", metavar="FILE", help="data files (default: the shipped data)"
    )
    parser.add_argument(
        "--no-data", action="store_true", help="reason over the ontology and imports only"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from retinoid_ld.reason import (
        LARGE_INDIVIDUAL_COUNT,
        describe,
        individual_count,
        reason,
        store_graph,
    )
    from retinoid_ld.release import merged_ontology_graph

    include_data = not args.no_data
    if args.store is not None:
        graph = store_graph(args.store, include_data=include_data)
    else:
        graph = merged_ontology_graph(include_data=include_data, data_files=args.data or None)
    individuals = individual_count(graph)
    log(f"reasoning over {len(graph)} triples, {individuals} individuals, with HermiT (owlready2)")
    if individuals > LARGE_INDIVIDUAL_COUNT:
        log("note: HermiT is meant for the curated data, not bulk data; this may take long")
    report = reason(graph=graph)
    print(describe(report, graph))
    return 0 if report.ok else EXIT_NONCONFORMING
