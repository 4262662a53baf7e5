"""One test per bug found by the hostile-input fuzzing (see benchmarks/reliability.md).

Each input once killed or stalled the command. They run as real subprocesses, so that
a regression shows as a failed test, not as a crashed test run.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from retinoid_ld.server import LISTENING, OxigraphServer, ServeError

from .conftest import REPO


def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "retinoid_ld", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        check=False,
    )


def test_deeply_nested_jsonld_is_refused_not_a_segfault(tmp_path: Path):
    # pyoxigraph's JSON-LD parser overflowed the native stack (exit -11) near 4,000
    # nested objects, and took seconds per thousand levels before that.
    path = tmp_path / "nested.jsonld"
    path.write_text('{"@id": "http://x/a", "http://x/p": ' * 20000 + "1" + "}" * 20000)
    for command in (["validate", path], ["build", "--store", tmp_path / "store", path]):
        result = run(*command)
        assert result.returncode == 2, result.stderr
        assert f"{path}:1: nested more than 256 levels deep" in result.stderr
    assert not (tmp_path / "store" / "current").exists()


def test_deeply_nested_rdfxml_is_refused_not_stalled(tmp_path: Path):
    # 100,000 nested elements took the RDF/XML parser over nine minutes (quadratic).
    path = tmp_path / "nested.rdf"
    path.write_text(
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:x="http://x/">'
        + "<rdf:Description><x:p>" * 100000
        + "</x:p></rdf:Description>" * 100000
        + "</rdf:RDF>"
    )
    result = run("validate", path, timeout=60)
    assert result.returncode == 2, result.stderr
    assert f"{path}:1: nested more than 256 levels deep" in result.stderr


def test_xml_entities_built_of_entities_are_refused(tmp_path: Path):
    # A 1 KB "billion laughs" file expanded into a 1 GB literal (4 GB of memory);
    # one more level would have exhausted the machine.
    levels = [' <!ENTITY a "' + "a" * 100 + '">']
    for name, previous in zip("bcdefghi", "abcdefgh", strict=True):
        levels.append(f' <!ENTITY {name} "' + f"&{previous};" * 10 + '">')
    path = tmp_path / "laughs.rdf"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n'
        + "\n".join(levels)
        + "\n]>\n"
        + '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:x="http://x/">'
        + '<rdf:Description rdf:about="http://x/a"><x:p>&i;</x:p></rdf:Description></rdf:RDF>\n'
    )
    result = run("validate", path, timeout=60)
    assert result.returncode == 2, result.stderr
    assert f"{path}:4: an XML entity is defined from other entities" in result.stderr
    # Plain entities, as Protégé writes them for namespaces, are still read.
    plain = tmp_path / "plain.rdf"
    plain.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n <!ENTITY obo "http://purl.obolibrary.org/obo/" >\n]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">'
        '<rdf:Description rdf:about="&obo;CHEBI_6067"><rdfs:label>isotretinoin</rdfs:label>'
        "</rdf:Description></rdf:RDF>\n"
    )
    from retinoid_ld.rdfio import load_quads

    (quad,) = load_quads([plain])
    assert quad.subject.value == "http://purl.obolibrary.org/obo/CHEBI_6067"


@pytest.mark.parametrize("timeout", [[], ["--timeout", "30"]])
def test_deeply_nested_sparql_is_refused_not_a_segfault(built_store, timeout):
    # pyoxigraph's SPARQL parser overflowed the native stack (exit -11) near 3,000
    # nested groups; with --timeout the forked child died and the error said nothing.
    query = "SELECT * WHERE " + "{" * 5000 + "}" * 5000
    result = run("sparql", "--store", built_store, *timeout, query)
    assert result.returncode == 2, result.stderr
    assert "nests more than 256 groups or brackets (line 1)" in result.stderr
    shallow = run("sparql", "--store", built_store, "SELECT * WHERE " + "{" * 50 + "}" * 50)
    assert shallow.returncode == 0, shallow.stderr


@pytest.mark.server
@pytest.mark.slow
def test_served_endpoint_comes_back_after_a_query_that_aborts_oxigraph(built_store):
    # One request with a query nested 3,000 groups deep aborted the Oxigraph server
    # (stack overflow) and the endpoint stayed down: serve now restarts it.
    from .servers import free_port, oxigraph_binary_or_none

    if oxigraph_binary_or_none() is None:
        pytest.skip("the oxigraph server binary is not installed (pip install oxigraph)")
    port = free_port()
    url = f"http://127.0.0.1:{port}/query"
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "retinoid_ld", "serve", "--store", str(built_store)),
            *("--bind", f"127.0.0.1:{port}", "--timeout", "5"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO,
    )
    try:
        assert ask(url, "ASK { ?s ?p ?o }", wait=30) == "true"
        with contextlib.suppress(OSError, http.client.HTTPException):
            ask(url, "SELECT * WHERE " + "{" * 5000 + "}" * 5000)
        assert ask(url, "ASK { ?s ?p ?o }", wait=60) == "true"
        assert process.poll() is None
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert "restarting" in output


def ask(url: str, query: str, *, wait: float = 0) -> str:
    """POST a query; with ``wait``, retry until the endpoint answers (it may be restarting)."""
    deadline = time.monotonic() + wait
    while True:
        request = urllib.request.Request(
            url,
            data=query.encode(),
            method="POST",
            headers={"Content-Type": "application/sparql-query", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return str(json.loads(response.read()).get("boolean")).lower()
        except (OSError, http.client.HTTPException):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.mark.server
def test_endpoint_url_cannot_turn_a_query_into_an_update(tmp_path, run_cli):
    # `sparql --endpoint "http://host/update?update=DROP%20ALL" "ASK {}"` sent the URL's
    # own update parameter with the query, and Oxigraph ran it: the graph was emptied.
    from .servers import oxigraph_binary_or_none, oxigraph_server

    if oxigraph_binary_or_none() is None:
        pytest.skip("the oxigraph server binary is not installed (pip install oxigraph)")
    with oxigraph_server(tmp_path / "oxigraph") as server:
        insert = "INSERT DATA { GRAPH <http://example.org/g> { <urn:a> <urn:b> <urn:c> } }"
        request = urllib.request.Request(
            server.update_url,
            data=insert.encode(),
            method="POST",
            headers={"Content-Type": "application/sparql-update"},
        )
        urllib.request.urlopen(request, timeout=30).close()
        code, _out, err = run_cli(
            "sparql", "--endpoint", f"{server.update_url}?update=DROP%20ALL", "ASK { ?s ?p ?o }"
        )
        assert code == 2
        assert "carries the SPARQL protocol parameter update" in err
        assert ask(server.query_url, "ASK { GRAPH <http://example.org/g> { <urn:a> ?p ?o } }") == (
            "true"
        )


def test_a_parameter_iri_the_store_cannot_hold_is_an_input_error(built_store, run_cli):
    # Found by the fuzz run: an IRI with a malformed authority passed the parameter
    # check, then pyoxigraph refused it and the command ended with an internal error.
    code, out, err = run_cli(
        "query",
        "effects-by-cell-type",
        "--store",
        built_store,
        "--param",
        "cell_type=<http://purl.obolibraryobo:CHEBI_.org/obo/CHEBI_6067>",
    )
    assert code == 2, err
    assert "parameter cell_type: 'http://purl.obolibraryobo:CHEBI_.org/obo/CHEBI_6067'" in err
    assert "is not a valid IRI" in err
    assert out == ""


class _StandInServer(OxigraphServer):
    """A process in place of the Oxigraph binary, printing what the real one prints."""

    script: str = ""

    def command(self) -> list[str]:
        return [sys.executable, "-c", self.script]


@pytest.mark.parametrize(
    ("script", "restartable"),
    [
        # It said it listens, then a client's request aborted it before our probe got in.
        (f"print('{LISTENING} at http://127.0.0.1:1', flush=True); import os; os.abort()", True),
        # It never listened (a port in use, a bad store): a start failure, said plainly.
        ("import sys; print('Address already in use', flush=True); sys.exit(1)", False),
    ],
)
def test_a_server_that_dies_after_it_listened_is_left_to_supervision(tmp_path, script, restartable):
    # serve reported "stopped at start" and exited when a request aborted the server
    # before its own readiness probe got through, instead of restarting it.
    server = _StandInServer(tmp_path, port=1)
    server.script = script
    if restartable:
        server.start(wait=10)
        assert server.process.wait(10) != 0  # dead: the serve loop restarts it
    else:
        with pytest.raises(ServeError, match="stopped at start"):
            server.start(wait=10)
