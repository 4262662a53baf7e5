"""User-supplied graph IRIs, endpoint URLs and parameters cannot change a query or an update.

Each malicious value must be refused with exit 2 *before anything is sent*: a real
listening socket records every connection the command makes, and must record none.
Values that are legitimate terms are bound as RDF terms, never pasted: against a real
writable Oxigraph server holding data, nothing is changed by any of them.
"""

from __future__ import annotations

import socket
import threading
import urllib.request
from collections.abc import Iterator

import pytest

from retinoid_ld.remote import RemoteEndpoint

from .servers import free_port, oxigraph_binary_or_none, oxigraph_server

MALICIOUS_GRAPHS = (
    "http://x> } ; DROP ALL ; INSERT DATA { GRAPH <http://y",
    "http://x> DROP ALL",
    "urn:x>",
    "<http://example.org/g>",
    "http://example.org/g\nDROP ALL",
    "http://example.org/ g",
    'http://example.org/"g',
    "http://example.org/{g}",
    "http://example.org/g`",
    "not an iri",
)

MALICIOUS_ENDPOINTS = (
    "{base}/update?update=DROP%20ALL",
    "{base}/query?query=DROP%20ALL",
    "{base}/query?default-graph-uri=http://other.example/",
    "{base}/query?using-graph-uri=http://other.example/",
    "{base}/query\r\nX-Injected: 1",
    "{base}/query DROP ALL",
    "file:///etc/passwd",
    "ftp://127.0.0.1/query",
    "javascript:alert(1)",
    "127.0.0.1/query",
)


class Listener:
    """A real TCP listener that records every connection and answers HTTP 500."""

    def __init__(self) -> None:
        self.port = free_port()
        self.connections = 0
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", self.port))
        self.socket.listen()
        self.socket.settimeout(0.2)
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while self.running:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            self.connections += 1
            with connection:
                connection.settimeout(1)
                try:
                    connection.recv(65536)
                    connection.sendall(b"HTTP/1.1 500 Recorded\r\nContent-Length: 0\r\n\r\n")
                except OSError:
                    pass

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.socket.close()


@pytest.fixture()
def listener() -> Iterator[Listener]:
    recorder = Listener()
    yield recorder
    recorder.close()


@pytest.mark.parametrize("graph", MALICIOUS_GRAPHS)
def test_malicious_graph_is_refused_before_anything_is_sent(listener, built_store, run_cli, graph):
    endpoint = f"{listener.base}/query"
    for command in (
        ("push", "--store", built_store, "--endpoint", endpoint, "--graph", graph),
        ("sparql", "--endpoint", endpoint, "--graph", graph, "ASK { ?s ?p ?o }"),
        ("query", "drug-effect-matrix", "--endpoint", endpoint, "--graph", graph),
    ):
        code, out, err = run_cli(*command)
        assert code == 2, (command[0], err)
        assert "is not a valid IRI" in err, err
        assert "Traceback" not in err
        assert out == ""
    assert listener.connections == 0


@pytest.mark.parametrize("template", MALICIOUS_ENDPOINTS)
def test_malicious_endpoint_url_is_refused_before_anything_is_sent(
    listener, built_store, run_cli, template
):
    url = template.format(base=listener.base)
    push = ("push", "--store", built_store, "--endpoint", f"{listener.base}/query")
    for command in (
        ("push", "--store", built_store, "--endpoint", url),
        ("sparql", "--endpoint", url, "ASK { ?s ?p ?o }"),
        ("query", "drug-effect-matrix", "--endpoint", url),
        (*push, "--update-endpoint", url),
        (*push, "--graph-store", url),
    ):
        code, _out, err = run_cli(*command)
        assert code == 2, (command, err)
        assert "--endpoint" in err or "--update-endpoint" in err or "--graph-store" in err, err
        assert "Traceback" not in err
    assert listener.connections == 0


def test_graph_store_url_cannot_name_the_graph_written(listener, built_store, run_cli):
    url = f"{listener.base}/store?graph=https://victim.example/graph"
    code, _out, err = run_cli(
        "push", "--store", built_store, "--endpoint", f"{listener.base}/query", "--graph-store", url
    )
    assert code == 2
    assert "carries the SPARQL protocol parameter graph" in err
    assert listener.connections == 0


HOSTILE_VALUES = (
    "CHEBI:6067> } ; DROP ALL ; #",
    '" } ; DROP ALL ; #',
    "isotretinoin' } DROP ALL #",
    "http://x> } ; DROP ALL ; INSERT DATA { GRAPH <http://y",
)


@pytest.mark.server
def test_nothing_changes_on_a_writable_server(tmp_path, built_store, run_cli):
    if oxigraph_binary_or_none() is None:
        pytest.skip("the oxigraph server binary is not installed (pip install oxigraph)")
    with oxigraph_server(tmp_path / "oxigraph") as server:
        code, _out, err = run_cli("push", "--store", built_store, "--endpoint", server.query_url)
        assert code == 0, err
        endpoint = RemoteEndpoint(server.query_url)
        count = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
        before = endpoint.query(count).rows
        assert before
        for value in HOSTILE_VALUES:
            for parameter in ("drug_a", "drug_b"):
                code, _out, err = run_cli(
                    "query",
                    "drug-effect-matrix",
                    "--endpoint",
                    server.query_url,
                    "--param",
                    f"{parameter}={value}",
                )
                assert code == 2, err
                assert "Traceback" not in err
        for graph in MALICIOUS_GRAPHS:
            code, _out, _err = run_cli(
                "push", "--store", built_store, "--endpoint", server.query_url, "--graph", graph
            )
            assert code == 2
        code, _out, _err = run_cli(
            "sparql", "--endpoint", f"{server.update_url}?update=DROP%20ALL", "ASK { ?s ?p ?o }"
        )
        assert code == 2
        assert endpoint.query(count).rows == before
        with urllib.request.urlopen(f"{server.base_url}/query", timeout=10) as response:
            assert response.status == 200  # still up
