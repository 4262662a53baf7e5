"""Run SPARQL on the embedded store and hold the answer in an engine-neutral form.

Results are kept as rdflib terms so that answers from the embedded store, a remote
endpoint and an rdflib graph compare equal after normalisation.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox
import rdflib

from retinoid_ld.errors import InputError
from retinoid_ld.rdfio import to_oxigraph_term, to_rdflib_term
from retinoid_ld.store import open_store

Row = tuple[rdflib.term.Node | None, ...]


@dataclass
class QueryResult:
    """A SELECT table, an ASK boolean or a CONSTRUCT graph."""

    kind: str  # "select", "ask" or "construct"
    variables: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    boolean: bool | None = None
    graph: rdflib.Graph | None = None
    truncated: bool = False
    labels: dict[str, str] = field(default_factory=dict)

    def as_dicts(self) -> list[dict[str, str | None]]:
        """Rows as plain dictionaries of strings (None for unbound)."""
        return [
            {v: (None if t is None else str(t)) for v, t in zip(self.variables, row, strict=False)}
            for row in self.rows
        ]


def _query_kind(results: object) -> str:
    if isinstance(results, ox.QuerySolutions):
        return "select"
    if isinstance(results, ox.QueryBoolean):
        return "ask"
    return "construct"


def execute_on_store(
    store: ox.Store,
    query: str,
    *,
    substitutions: Mapping[str, rdflib.term.Node] | None = None,
    limit: int | None = None,
) -> QueryResult:
    """Run ``query`` with the union of the store's graphs as its default graph.

    ``substitutions`` pre-bind variables to RDF terms (never pasted into the text).
    ``limit`` caps the rows returned and marks the result as truncated when it cut.
    """
    bound = {
        ox.Variable(name): to_oxigraph_term(term) for name, term in (substitutions or {}).items()
    }
    try:
        results = store.query(query, use_default_graph_as_union=True, substitutions=bound or None)
    except SyntaxError as error:
        raise InputError(
            f"the SPARQL query cannot be parsed: {error}",
            hint="check the query text at the position given",
        ) from error
    except (OSError, RuntimeError, ValueError) as error:
        raise InputError(f"the query failed: {error}") from error
    kind = _query_kind(results)
    if kind == "ask":
        return QueryResult(kind="ask", boolean=bool(results))
    if kind == "construct":
        graph = rdflib.Graph()
        for count, triple in enumerate(results):
            if limit is not None and count >= limit:
                return QueryResult(kind="construct", graph=graph, truncated=True)
            graph.add(
                tuple(to_rdflib_term(t) for t in (triple.subject, triple.predicate, triple.object))
            )
        return QueryResult(kind="construct", graph=graph)
    variables = [v.value for v in results.variables]
    rows: list[Row] = []
    truncated = False
    for solution in results:
        if limit is not None and len(rows) >= limit:
            truncated = True
            break
        rows.append(
            tuple(None if solution[v] is None else to_rdflib_term(solution[v]) for v in variables)
        )
    return QueryResult(kind="select", variables=variables, rows=rows, truncated=truncated)


def run_sparql(
    query: str,
    *,
    store: str | os.PathLike[str] | None = None,
    substitutions: Mapping[str, rdflib.term.Node] | None = None,
    limit: int | None = None,
) -> QueryResult:
    """Run an ad-hoc SPARQL 1.1 query on the embedded store at ``store``."""
    return execute_on_store(open_store(store), query, substitutions=substitutions, limit=limit)


def labels_for(store: ox.Store, iris: set[str]) -> dict[str, str]:
    """rdfs:label of each IRI that has one, for human-readable tables."""
    if not iris:
        return {}
    values = " ".join(f"<{iri}>" for iri in sorted(iris) if ">" not in iri)
    query = (
        "SELECT ?s (MIN(?l) AS ?label) WHERE { VALUES ?s { " + values + " } "
        "?s <http://www.w3.org/2000/01/rdf-schema#label> ?l } GROUP BY ?s"
    )
    return {
        row["s"].value: row["label"].value
        for row in store.query(query, use_default_graph_as_union=True)
    }
