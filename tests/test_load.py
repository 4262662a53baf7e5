"""``retinoid-ld serve`` under load: answers stay right, a runaway query is stopped, writes refused.

A bounded test (4 clients for 5 s, stopping by itself) against the real Oxigraph
server started through ``retinoid-ld serve`` on a free loopback port. The longer run
and its figures are in benchmarks/reliability.md (``python -m benchmarks.reliability``).
"""

from __future__ import annotations

import pytest
from benchmarks.load import run_load, saved_query_texts, served, store_answer

from .servers import oxigraph_binary_or_none

pytestmark = [pytest.mark.server, pytest.mark.slow]

SERVER_TIMEOUT = 10  # seconds: far above any saved query here, so only the runaway hits it


@pytest.fixture(scope="module")
def server(built_store):
    if oxigraph_binary_or_none() is None:
        pytest.skip("the oxigraph server binary is not installed (pip install oxigraph)")
    with served(built_store, timeout=SERVER_TIMEOUT) as base:
        yield base


def test_clients_are_served_while_a_runaway_query_is_stopped_and_writes_refused(
    server, built_store
):
    queries = saved_query_texts(built_store)
    before = store_answer(server)
    result = run_load(
        server, queries, clients=4, duration=5.0, server_timeout=SERVER_TIMEOUT, seed=1
    )
    summary = result.summary()
    print(
        f"\nload: {result.clients} clients for {result.duration:g} s: {result.requests} requests, "
        f"{result.errors} errors, {summary['throughput']:.1f} requests/s, "
        f"p50 {summary['p50'] * 1000:.0f} ms, p99 {summary['p99'] * 1000:.0f} ms; "
        f"runaway queries stopped {result.pathological_stopped}/{result.pathological_sent}; "
        f"writes refused {result.writes_refused}/{result.writes_tried}"
    )
    assert result.errors == 0, result.error_samples[:3]
    assert result.requests >= result.clients
    assert set(result.per_query) == {name for name, _ in queries}  # every saved query ran
    # The COUNT over the cross product can only end through the server's timeout.
    assert result.pathological_sent >= 1
    assert result.pathological_stopped == result.pathological_sent
    # The streamed cross product was cut by the client; the server went on serving.
    assert result.streamed_sent >= 1
    assert result.writes_tried >= 5
    assert set(result.write_statuses) == {403}
    assert store_answer(server) == before


def test_answers_under_load_equal_the_embedded_store(server, built_store):
    from benchmarks.load import post_query

    from retinoid_ld.normalise import normalise_result
    from retinoid_ld.remote import RemoteEndpoint
    from retinoid_ld.saved_queries import run_saved_query

    endpoint = RemoteEndpoint(f"{server}/query")
    for name, text in saved_query_texts(built_store):
        status, _body = post_query(f"{server}/query", text, timeout=60)
        assert status == 200, name
        remote = endpoint.query(text)
        local = run_saved_query(name, store=built_store, with_labels=False)
        assert normalise_result(remote) == normalise_result(local), name
