"""``retinoid-ld serve``: the store as a SPARQL endpoint through the real Oxigraph server."""

from __future__ import annotations

import signal
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from retinoid_ld.errors import RemoteError
from retinoid_ld.normalise import normalise_result
from retinoid_ld.remote import RemoteEndpoint, run_saved_query_remote
from retinoid_ld.saved_queries import list_saved_queries, run_saved_query
from retinoid_ld.server import ServeError, find_oxigraph_binary, is_loopback, parse_bind

from .servers import oxigraph_binary_or_none, serve_command

needs_oxigraph = pytest.mark.skipif(
    oxigraph_binary_or_none() is None,
    reason="the Oxigraph server binary is not installed (pip install oxigraph)",
)
pytestmark = [pytest.mark.server, needs_oxigraph]

SAVED_QUERIES = [q.name for q in list_saved_queries()]


@pytest.fixture(scope="module")
def served(built_store: Path, tmp_path_factory: pytest.TempPathFactory):
    """``retinoid-ld serve`` on the built store (read-only), once for this module."""
    directory = tmp_path_factory.mktemp("serve")
    with serve_command(built_store, directory) as (process, base, errors):
        announced = [process.stdout.readline() for _ in range(3)]
        yield process, base, announced, errors


def test_serve_announces_endpoint_and_browser_page(served):
    _process, base, announced, _errors = served
    assert announced[0].startswith(
        f"SPARQL endpoint: {base}/query  (read-only, query timeout 30 s)"
    )
    assert announced[1] == f"browser page:    {base}/\n"
    assert "read-only" in announced[2] and "Ctrl-C" in announced[2]


def test_browser_gets_the_query_page(served):
    _process, base, _announced, _errors = served
    with urllib.request.urlopen(f"{base}/", timeout=10) as response:
        assert response.headers.get_content_type() == "text/html"
        page = response.read().decode()
    assert "<html" in page and "Oxigraph" in page


def test_sparql_protocol_answers_from_the_union_of_the_store_graphs(served, built_store, run_cli):
    _process, base, _announced, _errors = served
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    code, remote_out, err = run_cli(
        "sparql", "--endpoint", f"{base}/query", "--format", "csv", query
    )
    assert code == 0, err
    code, local_out, _ = run_cli("sparql", "--store", built_store, "--format", "csv", query)
    assert code == 0
    assert remote_out == local_out
    assert int(remote_out.splitlines()[1]) > 1000


@pytest.mark.parametrize(
    ("method", "path", "body", "content_type"),
    [
        (
            "POST",
            "/update",
            b"INSERT DATA { <urn:x> <urn:y> <urn:z> }",
            "application/sparql-update",
        ),
        ("POST", "/update", b"DROP ALL", "application/sparql-update"),
        ("PUT", "/store?graph=urn:g", b"<urn:x> <urn:y> <urn:z> .", "application/n-triples"),
        ("POST", "/store?default", b"<urn:x> <urn:y> <urn:z> .", "application/n-triples"),
    ],
)
def test_read_only_server_refuses_every_write(served, method, path, body, content_type):
    _process, base, _announced, _errors = served
    request = urllib.request.Request(
        f"{base}{path}", data=body, method=method, headers={"Content-Type": content_type}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403
    assert refused.value.read().decode() == "The server is read-only"


def test_push_to_the_read_only_server_fails_clearly(served, built_store, run_cli):
    _process, base, _announced, _errors = served
    code, out, err = run_cli("push", "--store", built_store, "--endpoint", f"{base}/query")
    assert code == 2
    assert out == ""
    assert "refused the upload (HTTP 403): The server is read-only" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("name", SAVED_QUERIES)
def test_every_saved_query_answers_the_same_on_the_server(served, built_store, name):
    _process, base, _announced, _errors = served
    local = run_saved_query(name, store=built_store)
    remote = run_saved_query_remote(name, RemoteEndpoint(f"{base}/query"))
    assert normalise_result(remote) == normalise_result(local)
    assert remote.labels == local.labels


def test_saved_query_output_formats_match_the_embedded_store(served, built_store, run_cli):
    _process, base, _announced, _errors = served
    name = SAVED_QUERIES[0]
    for fmt in ("csv", "json", "table"):
        code, local_out, _ = run_cli("query", name, "--store", built_store, "--format", fmt)
        assert code == 0
        code, remote_out, err = run_cli(
            "query", name, "--endpoint", f"{base}/query", "--format", fmt
        )
        assert code == 0, err
        assert remote_out == local_out, fmt


# Every pair of triples, each pair through a regular expression: millions of rows,
# far beyond a 1 s timeout. (A three-way cross product would not do: Oxigraph builds
# the join's hash table before it looks at the clock.)
PATHOLOGICAL = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o . ?a ?b ?c "
    'FILTER(REGEX(CONCAT(STR(?o), STR(?c)), "(a|b|c)*z$")) }'
)


@pytest.mark.slow
@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM])
def test_serve_stops_cleanly_and_enforces_its_query_timeout(built_store, tmp_path, signal_number):
    with serve_command(built_store, tmp_path, "--timeout", "1") as (process, base, errors):
        announced = process.stdout.readline()
        assert "query timeout 1 s" in announced
        endpoint = RemoteEndpoint(f"{base}/query", timeout=60)
        with pytest.raises(RemoteError) as stopped:
            endpoint.query(PATHOLOGICAL)
        # Oxigraph has already sent "200 OK" when it stops: it ends the body with its reason.
        assert "The SPARQL operation has been cancelled" in stopped.value.message
        assert "stopped the query" in stopped.value.hint
        # The server keeps serving after a query was stopped.
        assert endpoint.query("ASK { ?s ?p ?o }").boolean is True
        process.send_signal(signal_number)
        assert process.wait(30) == 0, errors.read_text()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{base}/query", timeout=5)


def test_serve_refuses_a_non_loopback_address(built_store, run_cli):
    code, out, err = run_cli("serve", "--store", built_store, "--bind", "0.0.0.0:7878")
    assert code == 2
    assert out == ""
    assert "refusing to listen on a non-loopback address" in err
    assert "--allow-remote" in err


def test_serve_without_a_built_store_says_how_to_build(tmp_path, run_cli):
    code, _out, err = run_cli("serve", "--store", tmp_path / "none", "--bind", "127.0.0.1:1")
    assert code == 2
    assert "no store has been built here" in err and "retinoid-ld build" in err


def test_serve_reports_a_port_in_use(served, built_store, run_cli):
    _process, base, _announced, _errors = served
    port = urllib.parse.urlsplit(base).port
    code, _out, err = run_cli("serve", "--store", built_store, "--bind", f"127.0.0.1:{port}")
    assert code == 2
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in err
    assert "choose another with --bind" in err


def test_missing_server_binary_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ServeError) as missing:
        find_oxigraph_binary()
    assert "pip install oxigraph" in str(missing.value)


def test_bind_addresses():
    assert parse_bind("127.0.0.1:7878") == ("127.0.0.1", 7878)
    assert parse_bind("[::1]:8000") == ("::1", 8000)
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.2")
    with pytest.raises(ServeError):
        parse_bind("7878")
    with pytest.raises(ServeError):
        parse_bind("127.0.0.1:99999")
