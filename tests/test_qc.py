"""QC queries: each returns no rows on the built store, and each finds its defect in a bad graph."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from retinoid_ld.namespaces import GRAPH_DATA
from retinoid_ld.qc import QcOutcome, qc_queries, run_qc
from retinoid_ld.query import execute_on_store

RLD = "https://w3id.org/retinoid-ld/"
OBO = "http://purl.obolibrary.org/obo/"

PREFIXES = """@prefix rld: <https://w3id.org/retinoid-ld/> .
@prefix obo: <http://purl.obolibrary.org/obo/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
"""

# A minimal, clean slice of the model that the bad fixtures build on.
MODEL = """
rld:ValueSetMember a owl:Class ; rdfs:label "value set member" ; skos:definition "d" .
rld:Direction a owl:Class ; rdfs:subClassOf rld:ValueSetMember ; rdfs:label "direction" ;
    skos:definition "d" .
rld:Decreased a owl:NamedIndividual , rld:Direction ; rdfs:label "decreased" ; skos:definition "d" .
rld:Finding a owl:Class ; rdfs:label "finding" ; skos:definition "d" .
rld:ProjectTerm a owl:Class ; rdfs:label "project term" ; skos:definition "d" .
rld:direction a owl:ObjectProperty ; rdfs:label "has direction" ; skos:definition "d" .
rld:target a owl:ObjectProperty ; rdfs:label "target" ; skos:definition "d" .
rld:missingMapping a owl:AnnotationProperty ; rdfs:label "missing mapping" ; skos:definition "d" .
"""

# query name -> (bad Turtle, the exact rows it must return, as strings)
BAD = {
    "missing-label-violation": (
        "rld:finding-1 a rld:Finding ; rld:target obo:GO_0032635 .",
        [(OBO + "GO_0032635", "value of a statement"), (RLD + "finding-1", "typed entity")],
    ),
    "duplicate-label-violation": (
        'rld:Increased a owl:NamedIndividual , rld:Direction ; rdfs:label " Decreased" ;'
        ' skos:definition "d" .',
        [("decreased", "2", RLD + "Decreased", RLD + "Increased")],
    ),
    "class-used-as-individual-violation": (
        'rld:finding-1 a rld:Finding ; rdfs:label "f" ; rld:direction rld:Direction .\n'
        "rld:Finding a rld:Direction .",
        [
            (RLD + "finding-1", RLD + "direction", RLD + "Direction"),
            (RLD + "Finding", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", RLD + "Finding"),
        ],
    ),
    "individual-used-as-class-violation": (
        'rld:finding-1 a rld:Decreased ; rdfs:label "f" .',
        [
            (
                RLD + "finding-1",
                "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
                RLD + "Decreased",
            )
        ],
    ),
    "dangling-reference-violation": (
        'rld:finding-1 a rld:Finding ; rdfs:label "f" ; rld:direction rld:Decresed .',
        [(RLD + "finding-1", RLD + "direction", RLD + "Decresed")],
    ),
    "obsolete-term-violation": (
        'obo:GO_0000001 owl:deprecated true ; rdfs:label "old thing" .\n'
        'obo:GO_0000002 rdfs:label "obsolete other thing" .\n'
        'rld:finding-1 a rld:Finding ; rdfs:label "f" ; rld:target obo:GO_0000001 , obo:GO_0000002 .',
        [
            (RLD + "finding-1", RLD + "target", OBO + "GO_0000001"),
            (RLD + "finding-1", RLD + "target", OBO + "GO_0000002"),
        ],
    ),
    "missing-definition-violation": (
        'rld:Foo a owl:Class ; rdfs:label "foo" .\nrld:Bar a rld:Direction ; rdfs:label "bar" .',
        [(RLD + "Bar", RLD + "Direction"), (RLD + "Foo", "http://www.w3.org/2002/07/owl#Class")],
    ),
    "missing-mapping-record-violation": (
        'rld:bar a owl:Class , rld:ProjectTerm ; rdfs:label "bar" ; skos:definition "d" .',
        [
            (RLD + "bar", "no rdfs:subClassOf parent"),
            (RLD + "bar", "no rld:missingMapping"),
        ],
    ),
    "undeclared-property-violation": (
        'rld:finding-1 a rld:Finding ; rdfs:label "f" ; rld:sampleContex obo:UBERON_0001977 .',
        [(RLD + "sampleContex", "1", RLD + "finding-1")],
    ),
    "label-whitespace-violation": (
        'rld:Foo a owl:Class ; rdfs:label "foo  bar" ; skos:definition "d" .\n'
        'rld:Baz a owl:Class ; rdfs:label " baz" ; skos:definition "d" .',
        [(RLD + "Baz", " baz"), (RLD + "Foo", "foo  bar")],
    ),
}


def _rows(outcome_rows: list[tuple]) -> list[tuple[str, ...]]:
    return [tuple("" if cell is None else str(cell) for cell in row) for row in outcome_rows]


def _store(turtle: str) -> ox.Store:
    store = ox.Store()
    store.load(
        (PREFIXES + MODEL + turtle).encode("utf-8"),
        format=ox.RdfFormat.TURTLE,
        to_graph=ox.NamedNode(GRAPH_DATA),
    )
    return store


@pytest.fixture(scope="module")
def outcomes(built_store) -> dict[str, QcOutcome]:
    return {outcome.query.name: outcome for outcome in run_qc(built_store)}


def test_every_qc_query_has_a_failing_fixture():
    assert {query.name for query in qc_queries()} == set(BAD)


@pytest.mark.parametrize("name", sorted(BAD))
def test_qc_query_returns_no_rows_on_the_built_store(outcomes, name):
    outcome = outcomes[name]
    assert outcome.passed, outcome.describe()


@pytest.mark.parametrize("name", sorted(BAD))
def test_qc_query_finds_its_defect(name):
    query = next(q for q in qc_queries() if q.name == name)
    turtle, expected = BAD[name]
    clean = execute_on_store(_store(""), query.text)
    assert clean.rows == [], f"{name} reports the clean model: {clean.rows}"
    result = execute_on_store(_store(turtle), query.text)
    assert _rows(result.rows) == expected


def test_qc_queries_are_documented():
    for query in qc_queries():
        assert query.title and query.description, query.name
        assert "Must return no rows" in query.description, query.name
