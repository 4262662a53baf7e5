"""Export: every format exports, round-trips and is deterministic.

Round trips compare with the store itself: each RDF export is parsed back by rdflib
and by pyoxigraph and must be isomorphic to the statements the store holds. The
Turtle export is loaded into a real Oxigraph server, which must answer every saved
query exactly as the embedded store does.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

import retinoid_ld
from retinoid_ld import resources
from retinoid_ld.errors import InputError
from retinoid_ld.export import (
    EXPORT_FORMATS,
    RDF_FORMATS,
    atomic_output,
    export_store,
    kgx_paths,
    parse_parts,
    write_rdf,
)
from retinoid_ld.jsonld_context import build_context, context_path, load_context
from retinoid_ld.namespaces import (
    GRAPH_DATA,
    GRAPH_IMPORTS,
    GRAPH_METADATA,
    GRAPH_ONTOLOGY,
    PREFIXES,
    RLD,
)
from retinoid_ld.prefixes import curated_prefixes
from retinoid_ld.rdfio import load_quads
from retinoid_ld.rdfstream import CanonicalBlankNodes, index_order_quads
from retinoid_ld.saved_queries import bind_parameters, list_saved_queries, text_with_values
from retinoid_ld.store import BUILD_INFO, current_version, open_store

OBO = "http://purl.obolibrary.org/obo/"
TLR2_FINDING = RLD + "finding-000-tlr2-monocyte-treatment"
DCTERMS = PREFIXES["dcterms"]
PROV = PREFIXES["prov"]
ALL_GRAPHS = (GRAPH_ONTOLOGY, GRAPH_IMPORTS, GRAPH_DATA, GRAPH_METADATA)

RDFLIB_FORMAT = {
    "turtle": "turtle",
    "ntriples": "nt",
    "nquads": "nquads",
    "jsonld": "json-ld",
    "rdfxml": "xml",
}
OXIGRAPH_FORMAT = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


# ---------------------------------------------------------------------------
# Helpers: the store's own content as rdflib graphs
# ---------------------------------------------------------------------------


def rdflib_term(term: object) -> rdflib.term.Node:
    """A pyoxigraph term as rdflib builds it when parsing (literals normalised the same way)."""
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    if term.datatype.value == PREFIXES["xsd"] + "string":
        return rdflib.Literal(term.value)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def as_graph(statements) -> rdflib.Graph:
    graph = rdflib.Graph()
    for s in statements:
        graph.add((rdflib_term(s.subject), rdflib_term(s.predicate), rdflib_term(s.object)))
    return graph


def store_graph(store_path: Path, graphs=ALL_GRAPHS) -> rdflib.Graph:
    """The merged content of the store's graphs."""
    store = open_store(store_path)
    return as_graph(
        q for g in graphs for q in store.quads_for_pattern(None, None, None, ox.NamedNode(g))
    )


def store_graph_by_name(store_path: Path) -> dict[str, rdflib.Graph]:
    store = open_store(store_path)
    return {
        g: as_graph(store.quads_for_pattern(None, None, None, ox.NamedNode(g))) for g in ALL_GRAPHS
    }


def parse_with_rdflib(data: bytes, format: str) -> rdflib.Graph:
    if format == "nquads":
        dataset = rdflib.Dataset()
        dataset.parse(data=data, format="nquads")
        merged = rdflib.Graph()
        for s, p, o, _ in dataset.quads((None, None, None, None)):
            merged.add((s, p, o))
        return merged
    return rdflib.Graph().parse(data=data, format=RDFLIB_FORMAT[format])


def parse_with_oxigraph(data: bytes, format: str) -> rdflib.Graph:
    return as_graph(ox.parse(data, format=OXIGRAPH_FORMAT[format]))


@pytest.fixture(scope="module")
def exports(built_store) -> dict[str, bytes]:
    """Every RDF export of the session store, once."""
    return {f: export_store(format=f, store=built_store) for f in RDF_FORMATS}


@pytest.fixture(scope="module")
def reference(built_store) -> rdflib.Graph:
    return store_graph(built_store)


# ---------------------------------------------------------------------------
# Round trips and determinism
# ---------------------------------------------------------------------------


def test_every_format_is_listed():
    assert set(EXPORT_FORMATS) == {
        "turtle",
        "ntriples",
        "nquads",
        "jsonld",
        "rdfxml",
        "owl",
        "kgx",
        "findings-tsv",
        "sssom",
    }
    assert set(RDF_FORMATS) == set(RDFLIB_FORMAT)


@pytest.mark.parametrize("format", sorted(RDFLIB_FORMAT))
def test_rdf_export_parses_back_with_rdflib_isomorphic_to_the_store(exports, reference, format):
    parsed = parse_with_rdflib(exports[format], format)
    assert len(parsed) == len(reference)
    assert isomorphic(parsed, reference)


@pytest.mark.parametrize("format", sorted(RDFLIB_FORMAT))
def test_rdf_export_parses_back_with_oxigraph_isomorphic_to_the_store(exports, reference, format):
    parsed = parse_with_oxigraph(exports[format], format)
    assert len(parsed) == len(reference)
    assert isomorphic(parsed, reference)


@pytest.mark.parametrize("format", sorted(RDFLIB_FORMAT))
def test_two_exports_are_byte_identical(built_store, exports, format):
    assert export_store(format=format, store=built_store) == exports[format]


def test_nquads_keeps_every_part_in_its_named_graph(built_store, exports):
    expected = store_graph_by_name(built_store)
    parsed: dict[str, rdflib.Graph] = {}
    for quad in ox.parse(exports["nquads"], format=ox.RdfFormat.N_QUADS):
        parsed.setdefault(quad.graph_name.value, rdflib.Graph()).add(
            tuple(rdflib_term(t) for t in (quad.subject, quad.predicate, quad.object))
        )
    assert set(parsed) == set(ALL_GRAPHS)
    for graph in ALL_GRAPHS:
        assert isomorphic(parsed[graph], expected[graph]), graph


@pytest.fixture(scope="module")
def second_build(tmp_path_factory) -> Path:
    """A second store built from the same files: new blank node labels, new build date."""
    path = tmp_path_factory.mktemp("second") / "store"
    retinoid_ld.build_store(path)
    return path


def _without_build_date(data: bytes, store: Path) -> bytes:
    built_at = json.loads((current_version(store) / BUILD_INFO).read_text())["built_at"]
    stamp = built_at.replace("+00:00", "Z").encode()
    assert stamp in data
    return data.replace(stamp, b"BUILD-DATE")


@pytest.mark.slow
@pytest.mark.parametrize("format", sorted(RDFLIB_FORMAT))
def test_exports_of_two_builds_differ_only_in_the_build_date(
    built_store, second_build, exports, format
):
    """Canonical blank nodes and index order do not depend on the build's labels or order."""
    again = export_store(format=format, store=second_build)
    assert _without_build_date(again, second_build) == _without_build_date(
        exports[format], built_store
    )


def test_index_order_does_not_depend_on_load_order(tmp_path):
    """The streaming order (N-Triples, N-Quads) is a function of the content only."""
    graph = ox.NamedNode("http://example.org/g")
    quads = [
        ox.Quad(
            ox.NamedNode(f"http://example.org/s{i % 13}"),
            ox.NamedNode(f"http://example.org/p{i % 5}"),
            ox.Literal(f"value {i}") if i % 2 else ox.NamedNode(f"http://example.org/o{i}"),
            graph,
        )
        for i in range(300)
    ]
    orders = []
    for name in ("a", "b"):
        store = ox.Store(str(tmp_path / name))
        store.bulk_extend(quads)
        store.flush()
        orders.append(list(index_order_quads(store, [graph.value])))
        random.Random(7).shuffle(quads)
    assert orders[0] == orders[1]
    assert len(orders[0]) == 300


# ---------------------------------------------------------------------------
# Blank nodes: canonical labels, nesting, cycles
# ---------------------------------------------------------------------------

BLANK_TURTLE = """
@prefix ex: <http://example.org/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
ex:A owl:equivalentClass [ a owl:Class ; owl:oneOf ( ex:x ex:y [ ex:p "in a list" ] ) ] .
[] a owl:AllDifferent ; owl:distinctMembers ( ex:x ex:y ) .
ex:B ex:shared _:s . ex:C ex:shared _:s . _:s ex:q "shared" .
_:c1 ex:next _:c2 . _:c2 ex:next _:c1 .
_:self ex:loop _:self .
ex:D ex:empty [] .
ex:E ex:notAList [ <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> ex:x ;
                   <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> ex:notNil ] .
"""


@pytest.fixture()
def blank_store(tmp_path) -> ox.Store:
    store = ox.Store(str(tmp_path / "blank"))
    graph = ox.NamedNode(GRAPH_DATA)
    store.bulk_extend(
        ox.Quad(t.subject, t.predicate, t.object, graph)
        for t in ox.parse(BLANK_TURTLE.encode(), format=ox.RdfFormat.TURTLE)
    )
    store.flush()
    return store


def test_canonical_labels_equal_those_of_the_whole_dataset(blank_store):
    """Canonicalising only the quads with blank nodes gives the whole dataset's labels."""
    everything = ox.Dataset(blank_store.quads_for_pattern(None, None, None, None))
    everything.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    with_blanks = {
        q
        for q in everything
        if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)
    }
    blanks = CanonicalBlankNodes.from_store(blank_store, [GRAPH_DATA])
    assert set(blanks.quads_in_graph(GRAPH_DATA)) == with_blanks
    assert len(blanks) == len(with_blanks) > 0
    # The streaming formats collect the same statements during their pass instead.
    collected = CanonicalBlankNodes(
        q
        for q in blank_store.quads_for_pattern(None, None, None, None)
        if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)
    )
    assert set(collected.quads_in_graph(GRAPH_DATA)) == with_blanks


@pytest.mark.parametrize("format", sorted(RDFLIB_FORMAT))
def test_blank_node_structures_round_trip(blank_store, format):
    out = _write(blank_store, format)
    expected = as_graph(blank_store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH_DATA)))
    assert isomorphic(parse_with_rdflib(out, format), expected)
    assert isomorphic(parse_with_oxigraph(out, format), expected)


def _write(store: ox.Store, format: str) -> bytes:
    buffer = io.BytesIO()
    write_rdf(store, format, buffer, parts=("data",))
    return buffer.getvalue()


EXPECTED_BLANK_TURTLE = """\
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .

<http://example.org/A> owl:equivalentClass [
        a owl:Class ;
        owl:oneOf ( <http://example.org/x> <http://example.org/y> [
            <http://example.org/p> "in a list"
        ] )
    ] .

<http://example.org/B> <http://example.org/shared> _:c14n11 .

<http://example.org/C> <http://example.org/shared> _:c14n11 .

<http://example.org/D> <http://example.org/empty> [] .

<http://example.org/E> <http://example.org/notAList> [
        rdf:first <http://example.org/x> ;
        rdf:rest <http://example.org/notNil>
    ] .

_:c14n2 <http://example.org/loop> _:c14n2 .

[] a owl:AllDifferent ;
    owl:distinctMembers ( <http://example.org/x> <http://example.org/y> ) .

_:c14n11 <http://example.org/q> "shared" .

_:c14n12 <http://example.org/next> [
        <http://example.org/next> _:c14n12
    ] .
"""


def test_turtle_nests_single_use_blank_nodes_and_writes_lists(blank_store):
    """Used once: nested; RDF lists: ( ... ); used twice, self-loop, cycle: labelled;
    a namespace nobody curated (example.org): full IRIs, no invented prefix."""
    assert _write(blank_store, "turtle").decode() == EXPECTED_BLANK_TURTLE


# ---------------------------------------------------------------------------
# Turtle: sorted, curated prefixes, readable IRIs
# ---------------------------------------------------------------------------


def test_turtle_declares_exactly_the_curated_prefixes_it_uses_sorted(exports):
    text = exports["turtle"].decode()
    header, _, body = text.partition("\n\n")
    declared = re.findall(r"^@prefix (\w*): <([^>]*)> \.$", header, flags=re.M)
    assert len(declared) == len(header.splitlines())
    names = [name for name, _ in declared]
    assert names == sorted(names)
    curated = curated_prefixes()
    for name, namespace in declared:
        assert curated[name] == namespace
        assert re.search(rf"(^|[\s(\[]){name}:", body, flags=re.M), f"{name} declared, not used"
    assert {"rld", "obo", "owl", "rdfs", "xsd", "dcterms", "prov"} <= set(names)
    # Namespaces nobody curated get no invented prefix.
    assert not any(name.startswith(("ns", "ns1", "_")) for name in names)


def test_turtle_has_no_escaped_local_names_and_writes_such_iris_in_full(exports):
    text = exports["turtle"].decode()
    assert "\\/" not in text
    assert "rld:source/" not in text and "rld:releases/" not in text
    assert "<https://w3id.org/retinoid-ld/releases/" in text
    assert (
        "<https://w3id.org/retinoid-ld/source/data/000-isotretinoin-immunomodulation.ttl>" in text
    )


def test_turtle_is_sorted_by_subject(exports):
    text = exports["turtle"].decode()
    subjects = re.findall(r"^(\S+) ", text.partition("\n\n")[2], flags=re.M)
    named = [s for s in subjects if not s.startswith(("_:", "[]"))]
    prefixes = curated_prefixes()

    def expand(name: str) -> str:
        if name.startswith("<"):
            return name[1:-1]
        prefix, _, local = name.partition(":")
        return prefixes[prefix] + local

    iris = [expand(s) for s in named]
    assert iris == sorted(iris)
    assert len(iris) == len(set(iris))


def test_turtle_writes_the_exemplar_finding_as_one_readable_block(exports):
    text = exports["turtle"].decode()
    block = text.split("\nrld:finding-000-tlr2-monocyte-treatment ", 1)[1].split(" .\n", 1)[0]
    lines = [line.removesuffix(" ;") for line in block.splitlines()]
    assert lines[0] == "a rld:DrugEffectFinding"
    for line in (
        "    rld:drug obo:CHEBI_6067",
        "    rld:target obo:PR_000001153",
        "    rld:cellType obo:CL_0000576",
        "    rld:direction rld:Decreased",
        "    rld:species obo:NCBITaxon_9606",
    ):
        assert line in lines
    predicates = [line.split()[0] for line in lines[1:] if not line.startswith("        ")]
    assert predicates == sorted(predicates, key=lambda p: expand_curie(p))


def expand_curie(name: str) -> str:
    prefix, _, local = name.partition(":")
    return curated_prefixes()[prefix] + local


# ---------------------------------------------------------------------------
# Release metadata, parts
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("format", sorted(RDFLIB_FORMAT))
def test_every_rdf_export_carries_the_release_metadata(built_store, format):
    data = export_store(format=format, store=built_store, include="data")
    graph = parse_with_oxigraph(data, format)
    build = rdflib.URIRef(RLD + "build")
    info = json.loads((current_version(built_store) / BUILD_INFO).read_text())
    version = info["ontology_version"]
    assert version.startswith(RLD + "releases/")
    assert (build, rdflib.URIRef(DCTERMS + "conformsTo"), rdflib.URIRef(version)) in graph
    assert (
        build,
        rdflib.URIRef(DCTERMS + "license"),
        rdflib.URIRef("https://creativecommons.org/licenses/by/4.0/"),
    ) in graph
    sources = set(graph.objects(build, rdflib.URIRef(DCTERMS + "source")))
    assert sources == {rdflib.URIRef(RLD + f"doc-00{n}") for n in range(3)}
    dates = list(graph.objects(build, rdflib.URIRef(PROV + "generatedAtTime")))
    assert dates == [rdflib.Literal(info["built_at"], datatype=rdflib.XSD.dateTime)]
    files = {str(f) for f in graph.objects(build, rdflib.URIRef(PROV + "used"))}
    assert RLD + "source/data/000-isotretinoin-immunomodulation.ttl" in files


def test_include_selects_parts_and_always_adds_the_metadata(built_store):
    data = export_store(format="nquads", store=built_store, include="data,ontology")
    graphs = {q.graph_name.value for q in ox.parse(data, format=ox.RdfFormat.N_QUADS)}
    assert graphs == {GRAPH_ONTOLOGY, GRAPH_DATA, GRAPH_METADATA}
    only_ontology = export_store(format="turtle", store=built_store, include="ontology")
    parsed = parse_with_oxigraph(only_ontology, "turtle")
    expected = store_graph(built_store, (GRAPH_ONTOLOGY, GRAPH_METADATA))
    assert isomorphic(parsed, expected)
    assert b"rld:finding-" not in only_ontology


def test_parse_parts_canonical_order_and_errors():
    assert parse_parts(None) == ("ontology", "imports", "data")
    assert parse_parts("data, ontology") == ("ontology", "data")
    with pytest.raises(InputError, match="unknown part metadata"):
        parse_parts("data,metadata")
    with pytest.raises(InputError, match="unknown part"):
        parse_parts(",")


# ---------------------------------------------------------------------------
# JSON-LD and its published context
# ---------------------------------------------------------------------------


def test_published_context_is_generated_from_the_ontology():
    """ontology/context.jsonld names exactly the ontology's properties (regenerate:
    python -m retinoid_ld.jsonld_context)."""
    generated = build_context(load_quads([resources.edit_file()]))
    assert load_context() == generated
    assert context_path() == resources.ontology_dir() / "context.jsonld"


def test_jsonld_export_carries_the_published_context_and_compacts_with_it(exports):
    document = json.loads(exports["jsonld"])
    assert document["@context"] == load_context()["@context"]
    nodes = {node["@id"]: node for node in document["@graph"]}
    finding = nodes["rld:finding-000-tlr2-monocyte-treatment"]
    assert finding["@type"] == "rld:DrugEffectFinding"
    assert finding["drug"] == "CHEBI:6067"
    assert finding["target"] == "PR:000001153"
    assert finding["cellType"] == "CL:0000576"
    assert finding["direction"] == "rld:Decreased"
    assert finding["sourceDocument"] == "rld:doc-000"
    assert nodes["rld:build"]["dcterms:license"] == {
        "@id": "https://creativecommons.org/licenses/by/4.0/"
    }


def test_jsonld_values_of_every_kind_round_trip(tmp_path):
    """Strings with quotes and newlines, language tags, typed and coerced literals, and an
    IRI-valued property holding a literal."""
    turtle = f"""
    @prefix rld: <{RLD}> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
    rld:x rld:maxValue "2.5"^^xsd:decimal , "twelve" ;
        rld:drug "not an IRI" , rld:y ;
        rld:curationNote "a \\"quoted\\"\\nnote" , "Notiz"@de , "7"^^xsd:integer ;
        <http://example.org/other> <http://example.org/thing> .
    """
    store = ox.Store(str(tmp_path / "s"))
    store.bulk_extend(
        ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(GRAPH_DATA))
        for t in ox.parse(turtle.encode(), format=ox.RdfFormat.TURTLE)
    )
    store.flush()
    out = _write(store, "jsonld")
    expected = as_graph(store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH_DATA)))
    assert isomorphic(parse_with_rdflib(out, "jsonld"), expected)
    assert isomorphic(parse_with_oxigraph(out, "jsonld"), expected)
    node = json.loads(out)["@graph"][0]
    # maxValue is coerced to xsd:decimal by the context: a decimal is a bare string.
    assert sorted(node["maxValue"], key=str) == sorted(["2.5", {"@value": "twelve"}], key=str)
    assert node["drug"] == [{"@value": "not an IRI"}, "rld:y"]
    assert {"@value": "Notiz", "@language": "de"} in node["curationNote"]
    assert {"@value": "7", "@type": "xsd:integer"} in node["curationNote"]


# ---------------------------------------------------------------------------
# Other formats
# ---------------------------------------------------------------------------


def test_findings_tsv_is_the_findings_table(built_store):
    from retinoid_ld.findings_table import write_findings_tsv

    data = export_store(format="findings-tsv", store=built_store)
    direct = io.BytesIO()
    write_findings_tsv(open_store(built_store), direct)
    assert data == direct.getvalue()
    rows = data.decode().splitlines()
    assert rows[0].split("\t")[:2] == ["finding", "drug"]
    assert any(r.startswith("rld:finding-000-tlr2-monocyte-treatment\t") for r in rows)


def test_sssom_is_the_mapping_set_file(built_store):
    from retinoid_ld.mappings import sssom_path

    assert export_store(format="sssom") == sssom_path().read_bytes()


@pytest.mark.slow
def test_owl_release_loads_in_owlready2(tmp_path):
    pytest.importorskip("retinoid_ld.release", reason="the OWL release module has not landed")
    import owlready2

    path = tmp_path / "retinoid-ld.owl"
    export_store(format="owl", output=path)
    world = owlready2.World()
    ontology = world.get_ontology(path.as_uri()).load()
    assert ontology.base_iri.startswith(RLD)
    assert world.search_one(iri=RLD + "DrugEffectFinding") is not None
    assert world.search_one(iri=TLR2_FINDING) is not None  # the data is in the release
    assert export_store(format="owl") == path.read_bytes()  # deterministic
    without_data = export_store(format="owl", include="ontology,imports")
    subjects = {t.subject for t in ox.parse(without_data, format=ox.RdfFormat.RDF_XML)}
    assert ox.NamedNode(RLD + "DrugEffectFinding") in subjects
    assert ox.NamedNode(TLR2_FINDING) not in subjects


# ---------------------------------------------------------------------------
# Files, the command line, progress
# ---------------------------------------------------------------------------


def test_atomic_output_leaves_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "export.ttl"
    target.write_bytes(b"previous release\n")
    with pytest.raises(RuntimeError), atomic_output(target) as handle:
        handle.write(b"half of a new rel")
        raise RuntimeError("interrupted")
    assert target.read_bytes() == b"previous release\n"
    assert list(tmp_path.iterdir()) == [target]


def test_export_to_a_file_equals_export_to_stdout(built_store, run_cli, tmp_path, exports):
    target = tmp_path / "out.nt"
    code, out, err = run_cli("export", "--format", "ntriples", "-o", target, "--store", built_store)
    assert (code, out, err) == (0, "", "")
    assert target.read_bytes() == exports["ntriples"]
    assert [p.name for p in tmp_path.iterdir()] == ["out.nt"]


def test_cli_export_to_stdout(built_store, exports, capfd):
    from retinoid_ld.cli import main

    assert main(["export", "--format", "turtle", "--store", str(built_store)]) == 0
    assert capfd.readouterr().out.encode() == exports["turtle"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--format", "kgx"), "kgx writes two files"),
        (("--format", "turtle", "--include", "data,everything"), "unknown part everything"),
        (("--format", "findings-tsv", "--include", "data"), "--include does not apply"),
        (("--format", "yaml"), "invalid choice"),
    ],
)
def test_cli_export_usage_errors(built_store, run_cli, args, message):
    code, out, err = run_cli("export", *args, "--store", built_store)
    assert out == ""
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_export_of_a_missing_store_is_a_clear_error(tmp_path, run_cli):
    code, _, err = run_cli("export", "--store", tmp_path / "nothing", "-o", tmp_path / "x.ttl")
    assert code == 2
    assert "no store has been built" in err
    assert not (tmp_path / "x.ttl").exists()


def test_progress_is_drawn_only_when_asked_for_a_terminal(
    built_store, run_cli, monkeypatch, tmp_path
):
    code, _, err = run_cli("export", "-o", tmp_path / "a.ttl", "--store", built_store)
    assert (code, err) == (0, "")
    monkeypatch.setenv("RETINOID_LD_PROGRESS", "1")
    code, _, err = run_cli("export", "-o", tmp_path / "b.ttl", "--store", built_store)
    assert code == 0
    assert "export turtle:" in err and "statements" in err
    assert (tmp_path / "a.ttl").read_bytes() == (tmp_path / "b.ttl").read_bytes()


class _MarkerWatcher(io.BytesIO):
    """An output stream that notes, on each write, whether the store version is pinned."""

    def __init__(self, marker: Path) -> None:
        super().__init__()
        self.marker = marker
        self.pinned_while_writing: set[bool] = set()

    def write(self, data) -> int:
        self.pinned_while_writing.add(self.marker.exists())
        return super().write(data)


@pytest.mark.parametrize("format", ["turtle", "nquads", "findings-tsv"])
def test_export_pins_the_store_version_while_it_reads(built_store, format):
    """A build finishing during a long export must not prune the version being read."""
    marker = current_version(built_store) / f".in-use-{os.getpid()}"
    watcher = _MarkerWatcher(marker)
    export_store(format=format, store=built_store, output=watcher)
    assert watcher.pinned_while_writing == {True}
    assert not marker.exists()


def test_kgx_output_is_a_directory_or_a_prefix(tmp_path):
    assert kgx_paths(f"{tmp_path}/kg/") == (tmp_path / "kg/nodes.tsv", tmp_path / "kg/edges.tsv")
    assert (tmp_path / "kg").is_dir()
    assert kgx_paths(tmp_path / "kg") == (tmp_path / "kg/nodes.tsv", tmp_path / "kg/edges.tsv")
    assert kgx_paths(tmp_path / "retinoid") == (
        tmp_path / "retinoid_nodes.tsv",
        tmp_path / "retinoid_edges.tsv",
    )


# ---------------------------------------------------------------------------
# A real Oxigraph server answers the saved queries as the embedded store does
# ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def oxigraph_server(tmp_path):
    """``oxigraph serve`` on a free loopback port, stopped afterwards."""
    binary = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(binary).exists():
        pytest.skip("the oxigraph server binary (PyPI package 'oxigraph') is not installed")
    port = _free_port()
    log = (tmp_path / "oxigraph.log").open("wb")
    process = subprocess.Popen(
        [binary, "serve", "--location", str(tmp_path / "db"), "--bind", f"127.0.0.1:{port}"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/query", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        f"oxigraph server did not start: {(tmp_path / 'oxigraph.log').read_text()}"
                    )
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _server_select(url: str, query: str) -> tuple[list[str], list[tuple]]:
    request = urllib.request.Request(
        f"{url}/query",
        data=query.encode(),
        headers={
            "Content-Type": "application/sparql-query",
            "Accept": "application/sparql-results+json",
        },
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.load(response)
    variables = answer["head"]["vars"]
    rows = [
        tuple(_json_term(binding.get(v)) for v in variables)
        for binding in answer["results"]["bindings"]
    ]
    return variables, rows


def _json_term(value: dict | None) -> str | None:
    """A SPARQL JSON result term in a comparable form (blank nodes all alike)."""
    if value is None:
        return None
    if value["type"] == "uri":
        return f"<{value['value']}>"
    if value["type"] == "bnode":
        return "_:"
    if "xml:lang" in value:
        return f'"{value["value"]}"@{value["xml:lang"]}'
    datatype = value.get("datatype", PREFIXES["xsd"] + "string")
    return f'"{value["value"]}"^^<{datatype}>'


def _rdflib_term_text(term: rdflib.term.Node | None) -> str | None:
    if term is None:
        return None
    if isinstance(term, rdflib.URIRef):
        return f"<{term}>"
    if isinstance(term, rdflib.BNode):
        return "_:"
    if term.language:
        return f'"{term}"@{term.language}'
    datatype = term.datatype or PREFIXES["xsd"] + "string"
    return f'"{term}"^^<{datatype}>'


@pytest.mark.server
@pytest.mark.slow
def test_turtle_export_loaded_into_oxigraph_server_answers_every_saved_query(
    built_store, exports, oxigraph_server
):
    request = urllib.request.Request(
        f"{oxigraph_server}/store?default",
        data=exports["turtle"],
        method="PUT",
        headers={"Content-Type": "text/turtle"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status in (201, 204)
    count = _server_select(oxigraph_server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[1]
    assert count == [(f'"{len(store_graph(built_store))}"^^<{PREFIXES["xsd"]}integer>',)]

    queries = list_saved_queries()
    assert len(queries) >= 1
    store = open_store(built_store)
    for saved in queries:
        embedded = retinoid_ld.run_saved_query(saved.name, store=built_store, with_labels=False)
        bindings = bind_parameters(store, saved, None)
        variables, rows = _server_select(oxigraph_server, text_with_values(saved.text, bindings))
        assert variables == embedded.variables, saved.name
        expected = sorted(
            (tuple(_rdflib_term_text(t) for t in row) for row in embedded.rows), key=repr
        )
        assert sorted(rows, key=repr) == expected, saved.name
        assert rows, f"{saved.name} answers nothing with its defaults: give it defaults that answer"
