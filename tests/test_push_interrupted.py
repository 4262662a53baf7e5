"""A push killed mid-way leaves the remote graph whole: old or new, never a mix.

``retinoid-ld push`` runs as a real process against a real Oxigraph server and is killed
with SIGKILL at random moments, by both upload methods (one Graph Store PUT, or chunked
INSERT DATA). After every kill the named graph holds exactly the old build's triples or
exactly the new build's; a later push finishes the job and leaves no upload graph behind.
A push stopped by Ctrl-C says how to recover.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from retinoid_ld import resources
from retinoid_ld.remote import RemoteEndpoint, upload_graph_for
from retinoid_ld.store import build_store

from .conftest import REPO
from .servers import oxigraph_binary_or_none, oxigraph_server

pytestmark = [pytest.mark.server, pytest.mark.slow]

GRAPH = "https://example.org/test/pushed"
MARKERS = "".join(
    f'<https://w3id.org/retinoid-ld/push-marker-{n}> <http://www.w3.org/2000/01/rdf-schema#label> "new build {n}" .\n'
    for n in range(1500)
)


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> tuple[Path, Path]:
    """Two stores whose pushes differ: the shipped data, and the same with 1,500 more triples."""
    directory = tmp_path_factory.mktemp("push-builds")
    extra = directory / "markers.nt"
    extra.write_text(MARKERS)
    old, new = directory / "old", directory / "new"
    build_store(old, validate=False)
    build_store(new, data_files=[*resources.data_files(), extra], validate=False)
    return old, new


@pytest.fixture()
def server(tmp_path):
    if oxigraph_binary_or_none() is None:
        pytest.skip("the oxigraph server binary is not installed (pip install oxigraph)")
    with oxigraph_server(tmp_path / "oxigraph", location=tmp_path / "db") as running:
        yield running


def push(store: Path, server, method: str, *, wait: bool = True) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "retinoid_ld", "push", "--store", str(store)),
            *("--endpoint", server.query_url, "--graph", GRAPH, "--method", method),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    if wait:
        _out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    return process


def test_killed_pushes_leave_the_old_or_the_new_graph(builds, server):
    old, new = builds
    endpoint = RemoteEndpoint(server.query_url)
    push(old, server, "graph-store")
    count_old = endpoint.count_triples(GRAPH)
    started = time.monotonic()
    push(new, server, "insert-data")
    slow_push = time.monotonic() - started
    count_new = endpoint.count_triples(GRAPH)
    assert count_new > count_old + 1500  # the markers, and the build metadata naming their file

    rng = random.Random(20261121)
    seen = []
    for method in ("insert-data", "graph-store", "insert-data"):
        push(old, server, "graph-store")  # every kill starts from the old graph
        process = push(new, server, method, wait=False)
        time.sleep(rng.uniform(0.2, slow_push if method == "insert-data" else 1.5))
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        held = endpoint.count_triples(GRAPH)
        assert held in (count_old, count_new), f"{method}: a mixed graph of {held} triples"
        seen.append(held)

    push(new, server, "insert-data")  # the rerun the recovery advice asks for
    assert endpoint.count_triples(GRAPH) == count_new
    assert endpoint.count_triples(upload_graph_for(GRAPH)) == 0
    assert count_old in seen  # at least one kill landed before the final MOVE


def test_a_stopped_push_says_how_to_recover(builds, server):
    old, new = builds
    endpoint = RemoteEndpoint(server.query_url)
    push(old, server, "graph-store")
    count_old = endpoint.count_triples(GRAPH)
    process = push(new, server, "insert-data", wait=False)
    # Wait until the upload is under way, then interrupt as Ctrl-C would.
    deadline = time.monotonic() + 120
    while endpoint.count_triples(upload_graph_for(GRAPH)) == 0:
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=60)
    assert process.returncode != 0
    assert "Traceback" not in err
    assert "run the same 'retinoid-ld push' again" in err
    assert f"DROP SILENT GRAPH <{upload_graph_for(GRAPH)}>" in err
    assert endpoint.count_triples(GRAPH) == count_old
