"""Remote SPARQL endpoints: push, saved and ad-hoc queries, errors, against real servers.

Oxigraph runs as ``retinoid-ld serve --writable`` and Virtuoso as ``virtuoso-t`` with
its own database, both on free loopback ports (tests/servers.py). The normalisation
and VALUES-binding checks at the end need no server.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from retinoid_ld.errors import InputError
from retinoid_ld.normalise import normalise_result, normalise_term
from retinoid_ld.query import QueryResult, execute_on_store
from retinoid_ld.rdfio import to_oxigraph_term
from retinoid_ld.remote import (
    DEFAULT_GRAPH,
    RemoteEndpoint,
    _json_to_term,
    insert_data_chunks,
    push_store,
    run_saved_query_remote,
    store_triples,
    upload_graph_for,
)
from retinoid_ld.saved_queries import list_saved_queries, run_saved_query
from retinoid_ld.sparql_values import bind_by_values, query_form, sparql_term
from retinoid_ld.store import current_version, open_store

from .servers import (
    free_port,
    oxigraph_binary_or_none,
    serve_command,
    virtuoso_binary_or_none,
    virtuoso_server,
)

SAVED_QUERIES = [q.name for q in list_saved_queries()]
XSD = "http://www.w3.org/2001/XMLSchema#"

needs_oxigraph = pytest.mark.skipif(
    oxigraph_binary_or_none() is None,
    reason="the Oxigraph server binary is not installed (pip install oxigraph)",
)
needs_virtuoso = pytest.mark.skipif(
    virtuoso_binary_or_none() is None,
    reason="virtuoso-t is not installed (apt-get install virtuoso-opensource; .ci/run does)",
)

# Values that would end a term and inject SPARQL if they were pasted into the text.
HOSTILE_VALUES = [
    'x" } } ; DROP ALL ; #',
    "x' } DROP ALL #",
    '"""} DELETE WHERE { ?s ?p ?o } #',
    "line\nbreak\r\ttab",
    "back\\slash \\u0022 \\\\",
    "> <urn:x> { } | ^ `",
]


def distinct_triple_count(store: Path) -> int:
    """Computed independently of push: distinct triples over the store's named graphs."""
    query = (
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }"
    )
    return int(next(iter(open_store(store).query(query)))["n"].value)


def local_graph(store: Path) -> rdflib.Graph:
    graph = rdflib.Graph()
    result = execute_on_store(open_store(store), "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert result.graph is not None
    for triple in result.graph:
        graph.add(triple)
    return graph


def canonical(graph: rdflib.Graph) -> set[ox.Quad]:
    """The graph with blank nodes canonically relabelled: equal sets mean isomorphic graphs."""
    dataset = ox.Dataset(
        ox.Quad(*(to_oxigraph_term(t) for t in triple), ox.DefaultGraph()) for triple in graph
    )
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return set(dataset)


def remote_graph(endpoint: RemoteEndpoint, graph: str) -> rdflib.Graph:
    result = endpoint.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    assert result.graph is not None
    return result.graph


# ---------------------------------------------------------------------------
# Oxigraph server (retinoid-ld serve --writable)
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def oxigraph(built_store: Path, tmp_path_factory: pytest.TempPathFactory):
    """A writable Oxigraph server over a copy of the built store, with the store pushed."""
    if oxigraph_binary_or_none() is None:
        pytest.skip("the Oxigraph server binary is not installed (pip install oxigraph)")
    directory = tmp_path_factory.mktemp("oxigraph")
    workdir = directory / "copy"
    with serve_command(built_store, directory, "--writable", "--workdir", str(workdir)) as (
        _process,
        base,
        _errors,
    ):
        endpoint = RemoteEndpoint(f"{base}/query")
        push_store(built_store, endpoint)
        yield base, workdir


@needs_oxigraph
@pytest.mark.server
@pytest.mark.slow
def test_push_to_oxigraph_replaces_the_graph_and_is_idempotent(oxigraph, built_store, run_cli):
    base, _workdir = oxigraph
    expected = distinct_triple_count(built_store)
    for _ in range(2):
        code, out, err = run_cli("push", "--store", built_store, "--endpoint", f"{base}/query")
        assert code == 0, err
        assert out == (
            f"pushed {expected} triples into <{DEFAULT_GRAPH}> at {base}/query "
            f"(graph-store, count verified, {out.split(', ')[-1]}"
        )
    endpoint = RemoteEndpoint(f"{base}/query")
    assert endpoint.count_triples(DEFAULT_GRAPH) == expected
    assert endpoint.count_triples(upload_graph_for(DEFAULT_GRAPH)) == 0
    assert canonical(remote_graph(endpoint, DEFAULT_GRAPH)) == canonical(local_graph(built_store))


@needs_oxigraph
@pytest.mark.server
def test_writable_serve_never_changes_the_built_store(oxigraph, built_store):
    _base, workdir = oxigraph
    assert (workdir / ".retinoid-ld-writable-copy").is_file()
    # The build holds its four graphs only; the pushed release graph went to the copy.
    graphs = {g.value for g in open_store(built_store).named_graphs()}
    assert DEFAULT_GRAPH not in graphs
    assert current_version(built_store) is not None


@needs_oxigraph
@pytest.mark.server
@pytest.mark.slow
def test_push_with_insert_data_gives_the_same_graph(oxigraph, built_store):
    base, _workdir = oxigraph
    endpoint = RemoteEndpoint(f"{base}/query")
    graph = "https://example.org/test/insert-data"
    result = push_store(built_store, endpoint, graph=graph, method="insert-data", chunk_size=500)
    assert result.method == "insert-data"
    assert result.triples == distinct_triple_count(built_store)
    assert endpoint.count_triples(graph) == result.triples
    # Blank nodes stayed connected across chunks: the graph is isomorphic to the store's.
    assert canonical(remote_graph(endpoint, graph)) == canonical(local_graph(built_store))


@needs_oxigraph
@pytest.mark.server
@pytest.mark.parametrize(
    ("method", "stop_at"),
    [
        ("graph-store", "uploading"),  # mid-way through the upload's body
        ("graph-store", "replacing"),  # uploaded and counted, before the MOVE
        ("insert-data", "inserted chunk 2"),  # some chunks in the temporary graph
    ],
)
def test_interrupted_push_leaves_the_old_graph_and_a_rerun_finishes(
    oxigraph, built_store, method, stop_at
):
    base, _workdir = oxigraph
    endpoint = RemoteEndpoint(f"{base}/query")
    graph = f"https://example.org/test/interrupted-{method}-{stop_at.split()[0]}"
    endpoint.update(f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:old> <urn:old> <urn:old> }} }}")

    def interrupt(message: str) -> None:
        if message.startswith(stop_at):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        push_store(
            built_store, endpoint, graph=graph, method=method, chunk_size=200, progress=interrupt
        )
    assert endpoint.count_triples(graph) == 1
    assert endpoint.query(f"ASK {{ GRAPH <{graph}> {{ <urn:old> ?p ?o }} }}").boolean is True

    result = push_store(built_store, endpoint, graph=graph, method=method, chunk_size=200)
    assert endpoint.count_triples(graph) == result.triples == distinct_triple_count(built_store)
    assert endpoint.count_triples(upload_graph_for(graph)) == 0


@needs_oxigraph
@pytest.mark.server
@pytest.mark.parametrize("name", SAVED_QUERIES)
def test_every_saved_query_answers_the_same_on_an_oxigraph_graph(oxigraph, built_store, name):
    base, _workdir = oxigraph
    endpoint = RemoteEndpoint(f"{base}/query", graph=DEFAULT_GRAPH)
    local = run_saved_query(name, store=built_store)
    remote = run_saved_query_remote(name, endpoint)
    assert normalise_result(remote) == normalise_result(local)


@needs_oxigraph
@pytest.mark.server
def test_query_command_on_an_endpoint_prints_the_same_as_locally(oxigraph, built_store, run_cli):
    base, _workdir = oxigraph
    remote = ("--endpoint", f"{base}/query", "--graph", DEFAULT_GRAPH)
    for fmt in ("table", "csv", "tsv", "json", "markdown"):
        arguments = (
            "query",
            "drug-effect-matrix",
            "--param",
            "drug_a=isotretinoin",
            "--format",
            fmt,
        )
        code, local_out, _ = run_cli(*arguments, "--store", built_store)
        assert code == 0
        code, remote_out, err = run_cli(*arguments, *remote)
        assert code == 0, err
        assert remote_out == local_out, fmt


@needs_oxigraph
@pytest.mark.server
def test_drug_names_resolve_against_the_endpoint(oxigraph, run_cli):
    base, _workdir = oxigraph
    remote = ("--endpoint", f"{base}/query", "--graph", DEFAULT_GRAPH)
    code, by_name, err = run_cli(
        "query", "drug-effect-matrix", "--param", "drug_a=Isotretinoin", "--format", "csv", *remote
    )
    assert code == 0, err
    code, by_curie, _ = run_cli(
        "query", "drug-effect-matrix", "--param", "drug_a=CHEBI:6067", "--format", "csv", *remote
    )
    assert by_name == by_curie
    code, _out, err = run_cli(
        "query", "drug-effect-matrix", "--param", "drug_a=isotretinon", *remote
    )
    assert code == 2
    assert "unknown drug 'isotretinon'" in err and "isotretinoin" in err


@needs_oxigraph
@pytest.mark.server
@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_hostile_parameter_values_stay_one_literal_on_oxigraph(oxigraph, built_store, value):
    base, _workdir = oxigraph
    endpoint = RemoteEndpoint(f"{base}/query", graph=DEFAULT_GRAPH)
    before = endpoint.count_triples(DEFAULT_GRAPH)
    result = endpoint.query(
        "SELECT ?value ?n WHERE { { SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o } } }",
        substitutions={"value": rdflib.Literal(value)},
    )
    assert result.rows == [
        (rdflib.Literal(value), rdflib.Literal(before, datatype=rdflib.XSD.integer))
    ]
    assert endpoint.count_triples(DEFAULT_GRAPH) == before


@needs_oxigraph
@pytest.mark.server
def test_hostile_values_on_the_command_line_change_nothing(oxigraph, built_store, run_cli):
    base, _workdir = oxigraph
    endpoint = RemoteEndpoint(f"{base}/query")
    before = endpoint.count_triples(DEFAULT_GRAPH)
    remote = ("--endpoint", f"{base}/query", "--graph", DEFAULT_GRAPH)
    code, _out, err = run_cli(
        "query", "drug-effect-matrix", "--param", 'drug_a=isotretinoin" } } DROP ALL #', *remote
    )
    assert code == 2 and "unknown drug" in err
    code, _out, err = run_cli(
        "query", "drug-effect-matrix", "--param", "drug_a=<http://x> } DROP ALL #>", *remote
    )
    assert code == 2 and "not a valid IRI" in err
    code, _out, err = run_cli(
        "sparql", "--endpoint", f"{base}/query", "--graph", "http://x> } DROP ALL #", "ASK {}"
    )
    assert code == 2 and "graph 'http://x> } DROP ALL #' is not a valid IRI" in err
    code, _out, err = run_cli(
        "push", "--store", built_store, "--endpoint", f"{base}/query", "--graph", "urn:x> DROP ALL"
    )
    assert code == 2 and "is not a valid IRI" in err
    code, _out, err = run_cli("sparql", "--endpoint", f"{base}/query", "DROP ALL")
    assert code == 2 and "this is a SPARQL update (DROP), not a query" in err
    assert endpoint.count_triples(DEFAULT_GRAPH) == before


@needs_oxigraph
@pytest.mark.server
def test_bad_query_shows_the_servers_message(oxigraph, run_cli):
    base, _workdir = oxigraph
    code, out, err = run_cli("sparql", "--endpoint", f"{base}/query", "SELECT ?x WHERE { ?x }")
    assert code == 2
    assert out == ""
    assert "the server rejected the query (HTTP 400): error at 1:" in err
    assert "Traceback" not in err


@needs_oxigraph
@pytest.mark.server
def test_limit_cuts_a_remote_answer_and_says_so(oxigraph, run_cli):
    base, _workdir = oxigraph
    code, out, err = run_cli(
        "sparql",
        "--endpoint",
        f"{base}/query",
        "--graph",
        DEFAULT_GRAPH,
        "--limit",
        "3",
        "--format",
        "csv",
        "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s",
    )
    assert code == 0
    assert len(out.splitlines()) == 4  # header and three rows
    assert "3" in err  # the note that the answer was cut


# ---------------------------------------------------------------------------
# Errors: server down, timeout
# ---------------------------------------------------------------------------


def test_server_down_is_a_clear_error(run_cli):
    url = f"http://127.0.0.1:{free_port()}/query"
    code, out, err = run_cli("sparql", "--endpoint", url, "ASK { }")
    assert code == 2
    assert out == ""
    assert f"cannot query at {url}: connection refused" in err
    assert "start the server" in err
    assert "Traceback" not in err


def test_a_server_that_does_not_answer_times_out(run_cli):
    # A real socket that accepts connections (the kernel's backlog) but never answers.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/query"
        code, out, err = run_cli("sparql", "--endpoint", url, "--timeout", "0.5", "ASK { }")
    assert code == 2
    assert out == ""
    assert f"no answer to the query from {url} within 0.5 s" in err
    assert "raise --timeout" in err


def test_password_comes_from_the_environment_only(run_cli, monkeypatch):
    monkeypatch.delenv("RLD_TEST_PASSWORD", raising=False)
    url = f"http://127.0.0.1:{free_port()}/query"
    code, _out, err = run_cli(
        "sparql",
        "--endpoint",
        url,
        "--user",
        "dba",
        "--password-env",
        "RLD_TEST_PASSWORD",
        "ASK {}",
    )
    assert code == 2 and "RLD_TEST_PASSWORD: that environment variable is not set" in err
    code, _out, err = run_cli("sparql", "--endpoint", url, "--user", "dba", "ASK {}")
    assert code == 2 and "--user needs --password-env VAR" in err
    code, _out, err = run_cli("sparql", "--graph", DEFAULT_GRAPH, "ASK {}")
    assert code == 2 and "--graph needs --endpoint URL" in err


# ---------------------------------------------------------------------------
# Virtuoso
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def virtuoso(built_store: Path, tmp_path_factory: pytest.TempPathFactory):
    """Virtuoso with its own database on free ports, the store pushed with digest auth."""
    if virtuoso_binary_or_none() is None:
        pytest.skip("virtuoso-t is not installed (apt-get install virtuoso-opensource)")
    with virtuoso_server(tmp_path_factory.mktemp("virtuoso")) as server:
        endpoint = RemoteEndpoint(server.query_url, user="dba", password="dba", auth="digest")
        push_store(built_store, endpoint)
        yield server


@needs_virtuoso
@pytest.mark.server
@pytest.mark.slow
def test_push_to_virtuoso_with_digest_auth_is_idempotent(
    virtuoso, built_store, run_cli, monkeypatch
):
    monkeypatch.setenv("VIRTUOSO_PASSWORD", "dba")
    expected = distinct_triple_count(built_store)
    for _ in range(2):
        code, out, err = run_cli(
            "push",
            "--store",
            built_store,
            "--endpoint",
            virtuoso.query_url,
            "--user",
            "dba",
            "--password-env",
            "VIRTUOSO_PASSWORD",
            "--auth",
            "digest",
        )
        assert code == 0, err
        assert out.startswith(f"pushed {expected} triples into <{DEFAULT_GRAPH}>")
        assert "(graph-store, count verified" in out
    endpoint = RemoteEndpoint(virtuoso.query_url)
    assert endpoint.count_triples(DEFAULT_GRAPH) == expected
    assert endpoint.count_triples(upload_graph_for(DEFAULT_GRAPH)) == 0
    local = sorted(normalise_term(t) for triple in local_graph(built_store) for t in triple)
    pushed = remote_graph(endpoint, DEFAULT_GRAPH)
    assert sorted(normalise_term(t) for triple in pushed for t in triple) == local


@needs_virtuoso
@pytest.mark.server
@pytest.mark.slow
def test_push_to_virtuoso_with_insert_data(virtuoso, built_store):
    endpoint = RemoteEndpoint(virtuoso.query_url, user="dba", password="dba")
    graph = "https://example.org/test/virtuoso-insert"
    result = push_store(built_store, endpoint, graph=graph, method="insert-data")
    assert result.method == "insert-data"
    assert endpoint.count_triples(graph) == distinct_triple_count(built_store)


@needs_virtuoso
@pytest.mark.server
@pytest.mark.parametrize("name", SAVED_QUERIES)
def test_every_saved_query_answers_the_same_on_virtuoso(virtuoso, built_store, name):
    endpoint = RemoteEndpoint(virtuoso.query_url, graph=DEFAULT_GRAPH)
    local = run_saved_query(name, store=built_store)
    remote = run_saved_query_remote(name, endpoint)
    assert normalise_result(remote) == normalise_result(local)


# Each drug is bound in only one branch of the UNION inside the sub-SELECT. SPARQL joins
# those rows with the parameters' values; Virtuoso joins a sub-SELECT's unbound
# variables like SQL NULLs (never equal) and answers nothing unless the values are
# bound inside the sub-SELECT too (which bind_by_values does).
ONE_DRUG_PER_BRANCH = """
PREFIX rld: <https://w3id.org/retinoid-ld/>
SELECT ?drug_a ?drug_b ?finding ?kind WHERE {
  { SELECT ?drug_a ?drug_b ?finding ?kind WHERE {
      { ?finding rld:drug ?drug_a } UNION { ?finding rld:drug ?drug_b }
      ?finding a rld:DrugEffectFinding .
      BIND("finding" AS ?kind) } }
}"""
TWO_DRUGS = {
    "drug_a": rdflib.URIRef("http://purl.obolibrary.org/obo/CHEBI_6067"),
    "drug_b": rdflib.URIRef("https://w3id.org/retinoid-ld/acitretin"),
}


@needs_virtuoso
@pytest.mark.server
def test_parameters_bound_inside_sub_selects_answer_alike_on_virtuoso(virtuoso, built_store):
    endpoint = RemoteEndpoint(virtuoso.query_url, graph=DEFAULT_GRAPH)
    local = execute_on_store(open_store(built_store), ONE_DRUG_PER_BRANCH, substitutions=TWO_DRUGS)
    remote = endpoint.query(ONE_DRUG_PER_BRANCH, substitutions=TWO_DRUGS)
    assert len(local.rows) > 10
    assert normalise_result(remote) == normalise_result(local)


@needs_virtuoso
@pytest.mark.server
@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_hostile_parameter_values_stay_one_literal_on_virtuoso(virtuoso, value):
    endpoint = RemoteEndpoint(virtuoso.query_url, graph=DEFAULT_GRAPH)
    before = endpoint.count_triples(DEFAULT_GRAPH)
    result = endpoint.query(
        "SELECT ?value WHERE { }", substitutions={"value": rdflib.Literal(value)}
    )
    assert result.rows == [(rdflib.Literal(value),)]
    assert endpoint.count_triples(DEFAULT_GRAPH) == before


@needs_virtuoso
@pytest.mark.server
def test_virtuoso_wrong_password_is_refused_clearly(virtuoso, built_store, run_cli, monkeypatch):
    monkeypatch.setenv("VIRTUOSO_PASSWORD", "not-the-password")
    for auth in ("digest", "basic"):
        code, out, err = run_cli(
            "push",
            "--store",
            built_store,
            "--endpoint",
            virtuoso.query_url,
            "--user",
            "dba",
            "--password-env",
            "VIRTUOSO_PASSWORD",
            "--auth",
            auth,
        )
        assert code == 2
        assert out == ""
        assert "authentication refused by" in err and "(HTTP 401)" in err
        assert "Traceback" not in err
    assert RemoteEndpoint(virtuoso.query_url).count_triples(DEFAULT_GRAPH) > 0


@needs_virtuoso
@pytest.mark.server
def test_virtuoso_without_a_graph_warns_about_system_graphs(virtuoso, run_cli):
    code, out, err = run_cli("sparql", "--endpoint", virtuoso.query_url, "ASK { ?s ?p ?o }")
    assert code == 0
    assert out == "true\n"
    assert "Virtuoso's default graph includes its own system graphs" in err
    code, out, err = run_cli(
        "sparql",
        "--endpoint",
        virtuoso.query_url,
        "--graph",
        "https://example.org/no-such-graph",
        "ASK { ?s ?p ?o }",
    )
    assert (code, out, err) == (0, "false\n", "")


@needs_virtuoso
@pytest.mark.server
def test_virtuoso_bad_query_shows_the_servers_message(virtuoso, run_cli):
    code, _out, err = run_cli(
        "sparql",
        "--endpoint",
        virtuoso.query_url,
        "--graph",
        DEFAULT_GRAPH,
        "SELECT ?x WHERE { ?x }",
    )
    assert code == 2
    assert "the server rejected the query (HTTP 400): Virtuoso 37000 Error SP030" in err


@needs_virtuoso
@pytest.mark.server
@pytest.mark.slow
def test_virtuoso_row_limit_fails_instead_of_cutting_silently(built_store, tmp_path, run_cli):
    with virtuoso_server(tmp_path / "low-limit", max_rows=5) as server:
        endpoint = RemoteEndpoint(server.query_url, user="dba", password="dba")
        push_store(built_store, endpoint)  # its COUNT checks answer in one row
        code, out, err = run_cli(
            "sparql",
            "--endpoint",
            server.query_url,
            "--graph",
            DEFAULT_GRAPH,
            "--format",
            "csv",
            "SELECT ?s ?p ?o WHERE { ?s ?p ?o }",
        )
        assert code == 2
        assert out == ""
        assert "cut the answer at its row limit of 5 (X-SPARQL-MaxRows; 5 rows" in err
        assert "ResultSetMaxRows" in err
        code, out, _err = run_cli(
            "sparql",
            "--endpoint",
            server.query_url,
            "--graph",
            DEFAULT_GRAPH,
            "--format",
            "csv",
            "SELECT ?s WHERE { ?s a ?c } LIMIT 2",
        )
        assert code == 0 and len(out.splitlines()) == 3


# ---------------------------------------------------------------------------
# No server: VALUES binding and normalisation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_values_block_keeps_a_hostile_value_one_term(value):
    query = 'SELECT ?value ?label WHERE { BIND("fixed" AS ?label) }'
    bound = bind_by_values(query, {"value": rdflib.Literal(value)})
    assert bound.count("VALUES") == 1
    rows = list(ox.Store().query(bound))
    assert [(r["value"].value, r["label"].value) for r in rows] == [(value, "fixed")]


@pytest.mark.parametrize(
    "iri",
    ["http://x> } DROP ALL #", "http://a b", 'http://x"', "http://x{", "http://x|", "no-scheme"],
)
def test_values_block_rejects_unsafe_iris(iri):
    with pytest.raises(InputError, match="is not a valid IRI"):
        sparql_term(rdflib.URIRef(iri))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # The first '{' after WHERE, not one in a comment, string, IRI or prefixed name.
        (
            'PREFIX w: <http://e/where#>\n# WHERE { not this\nSELECT ("{" AS ?z) ?v WHERE { ?v w:where ?o }',
            'WHERE { VALUES (?v) { ("x") }\n ?v w:where ?o }',
        ),
        # The WHERE keyword is optional.
        ("SELECT * { ?v ?p ?o }", '{ VALUES (?v) { ("x") }\n ?v ?p ?o }'),
        # A CONSTRUCT template is not the pattern.
        (
            "CONSTRUCT { ?v ?p ?o } WHERE { ?v ?p ?o }",
            'CONSTRUCT { ?v ?p ?o } WHERE { VALUES (?v) { ("x") }\n ?v ?p ?o }',
        ),
        # A sub-SELECT as the whole body is wrapped in its own group, and its own WHERE
        # group binds the parameter it projects.
        (
            "SELECT ?v WHERE { SELECT ?v WHERE { ?v ?p ?o } }",
            'SELECT ?v WHERE { VALUES (?v) { ("x") } { SELECT ?v WHERE { VALUES (?v) { ("x") }\n'
            " ?v ?p ?o } } }",
        ),
        # Nested groups that mention the parameter bind it first; others are left alone.
        (
            "SELECT * WHERE { { ?v ?p ?o } UNION { ?s ?p ?o } }",
            'SELECT * WHERE { VALUES (?v) { ("x") }\n { VALUES (?v) { ("x") }\n ?v ?p ?o }'
            " UNION { ?s ?p ?o } }",
        ),
        # A sub-SELECT that does not project the parameter has its own ?v.
        (
            "SELECT * WHERE { { SELECT ?s WHERE { ?v ?p ?s } } }",
            'SELECT * WHERE { VALUES (?v) { ("x") }\n { SELECT ?s WHERE { ?v ?p ?s } } }',
        ),
    ],
)
def test_values_block_goes_first_in_the_outermost_where_group(query, expected):
    bound = bind_by_values(query, {"v": rdflib.Literal("x")})
    assert expected in bound
    ox.Store().query(bound)  # still a valid query


def test_values_binding_matches_pre_binding_on_the_embedded_store(built_store):
    store = open_store(built_store)
    for saved in list_saved_queries():
        from retinoid_ld.saved_queries import bind_parameters

        bindings = bind_parameters(store, saved, {})
        if not bindings:
            continue
        pre_bound = execute_on_store(store, saved.text, substitutions=bindings)
        by_values = execute_on_store(store, bind_by_values(saved.text, bindings))
        assert normalise_result(by_values) == normalise_result(pre_bound), saved.name


def test_query_forms_and_updates_are_told_apart():
    assert query_form("PREFIX a: <http://a#>\nselect * { }") == "SELECT"
    assert query_form("BASE <http://a/> ASK { }") == "ASK"
    assert query_form("# SELECT\nDROP ALL") == "DROP"
    with pytest.raises(InputError):
        query_form("hello")


def _term(binding: dict[str, str]) -> str:
    return normalise_term(_json_to_term(binding))


@pytest.mark.parametrize(
    ("virtuoso_form", "oxigraph_form"),
    [
        (
            {"type": "typed-literal", "datatype": XSD + "integer", "value": "7"},
            {"type": "literal", "datatype": XSD + "integer", "value": "7"},
        ),
        (
            {"type": "typed-literal", "datatype": XSD + "boolean", "value": "1"},
            {"type": "literal", "datatype": XSD + "boolean", "value": "true"},
        ),
        (
            {"type": "typed-literal", "datatype": XSD + "decimal", "value": "18446744073709551616"},
            {"type": "literal", "datatype": XSD + "integer", "value": "18446744073709551616"},
        ),
        (
            {"type": "typed-literal", "datatype": XSD + "int", "value": "007"},
            {"type": "literal", "datatype": XSD + "integer", "value": "7"},
        ),
        (
            {"type": "typed-literal", "datatype": XSD + "decimal", "value": "1.50"},
            {"type": "literal", "datatype": XSD + "decimal", "value": "1.5"},
        ),
        (
            {"type": "typed-literal", "datatype": XSD + "string", "value": "x"},
            {"type": "literal", "value": "x"},
        ),
        (
            {"type": "literal", "xml:lang": "EN-GB", "value": "colour"},
            {"type": "literal", "xml:lang": "en-gb", "value": "colour"},
        ),
        ({"type": "bnode", "value": "nodeID://b10000"}, {"type": "bnode", "value": "a1f3"}),
        (
            {
                "type": "typed-literal",
                "datatype": XSD + "dateTime",
                "value": "2026-11-21T10:00:00Z",
            },
            {"type": "literal", "datatype": XSD + "dateTime", "value": "2026-11-21T10:00:00+00:00"},
        ),
        (
            {"type": "typed-literal", "datatype": XSD + "double", "value": "1.5E0"},
            {"type": "literal", "datatype": XSD + "double", "value": "1.5"},
        ),
    ],
)
def test_engines_spellings_of_one_term_normalise_equal(virtuoso_form, oxigraph_form):
    assert _term(virtuoso_form) == _term(oxigraph_form)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (
            {"type": "literal", "datatype": XSD + "integer", "value": "1"},
            {"type": "literal", "datatype": XSD + "integer", "value": "2"},
        ),
        (
            {"type": "literal", "xml:lang": "en", "value": "x"},
            {"type": "literal", "xml:lang": "de", "value": "x"},
        ),
        ({"type": "uri", "value": "http://x"}, {"type": "literal", "value": "http://x"}),
        (
            {"type": "literal", "datatype": XSD + "boolean", "value": "true"},
            {"type": "literal", "datatype": XSD + "boolean", "value": "0"},
        ),
        (
            {"type": "literal", "datatype": XSD + "decimal", "value": "1.5"},
            {"type": "literal", "datatype": XSD + "decimal", "value": "1.05"},
        ),
        (
            {"type": "literal", "value": "1"},
            {"type": "literal", "datatype": XSD + "integer", "value": "1"},
        ),
    ],
)
def test_different_terms_stay_different(one, other):
    assert _term(one) != _term(other)


def test_normalised_result_is_order_free_and_keeps_the_columns():
    a, b = rdflib.URIRef("http://a"), rdflib.Literal("b")
    first = QueryResult(kind="select", variables=["x", "y"], rows=[(a, b), (a, None)])
    second = QueryResult(kind="select", variables=["x", "y"], rows=[(a, None), (a, b)])
    assert (
        normalise_result(first)
        == normalise_result(second)
        == [
            ("x", "y"),
            ("<http://a>", ""),
            ("<http://a>", '"b"'),
        ]
    )
    renamed = QueryResult(kind="select", variables=["x", "z"], rows=[(a, b), (a, None)])
    assert normalise_result(renamed) != normalise_result(first)
    assert normalise_result(QueryResult(kind="ask", boolean=True)) == [("ask", True)]


def test_insert_chunks_keep_blank_node_groups_whole(built_store):
    triples = store_triples(built_store)
    chunks = insert_data_chunks(triples, size=50, blank_node_size=10)
    assert sum(len([line for line in text.splitlines() if line]) for text, _ in chunks) == len(
        triples
    )
    seen: dict[str, int] = {}
    for number, (text, has_blank_nodes) in enumerate(chunks):
        labels = {word for word in text.split() if word.startswith("_:")}
        assert has_blank_nodes == bool(labels)
        for label in labels:
            assert seen.setdefault(label, number) == number, f"{label} split across chunks"
