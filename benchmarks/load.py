"""A bounded load test of ``retinoid-ld serve``, and killed pushes (issue 11).

:func:`run_load` runs a fixed number of clients for a fixed time against a served
store, each sending the saved queries (parameters bound with their defaults in a
VALUES block, as the remote module sends them) and checking every answer; meanwhile
one more client sends a pathological query (a cross product of every triple with
every triple with every triple) again and again, and one more tries to write. It
stops by itself and returns the counts and latencies. ``tests/test_load.py`` runs it
for a few seconds; ``python -m benchmarks.reliability`` for longer, and also kills
pushes at random moments (:func:`killed_pushes`).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

# Every triple with every triple with every triple: the answer would never end. As a
# COUNT the server must compute it all before answering, so only its timeout stops it.
CROSS_PRODUCT = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CROSS_PRODUCT_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"

WRITE_ATTEMPTS = (
    ("POST", "/update", "application/sparql-update", "DROP ALL"),
    (
        "POST",
        "/update",
        "application/sparql-update",
        "INSERT DATA { <urn:load:x> <urn:load:y> <urn:load:z> }",
    ),
    ("PUT", "/store?default", "application/n-triples", "<urn:load:x> <urn:load:y> <urn:load:z> ."),
    (
        "POST",
        "/store?graph=urn:load:g",
        "application/n-triples",
        "<urn:load:x> <urn:load:y> <urn:load:z> .",
    ),
    ("DELETE", "/store?graph=https://w3id.org/retinoid-ld/graph/data", None, ""),
)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def served(store: Path, *, timeout: int, extra: tuple[str, ...] = ()) -> Iterator[str]:
    """``retinoid-ld serve`` on a free loopback port; yields its base URL, stops it by pid."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "retinoid_ld",
            "serve",
            "--store",
            str(store),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            str(timeout),
            *extra,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=REPO,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"retinoid-ld serve exited with {process.returncode}")
            try:
                with urllib.request.urlopen(f"{base}/query", timeout=2):
                    break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield base
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(30)


def saved_query_texts(store: Path) -> list[tuple[str, str]]:
    """Each saved query with its default parameters bound in a VALUES block."""
    from retinoid_ld.saved_queries import bind_parameters, list_saved_queries, text_with_values
    from retinoid_ld.store import open_store

    oxstore = open_store(store)
    texts = []
    for saved in list_saved_queries():
        bindings = bind_parameters(oxstore, saved, None)
        texts.append((saved.name, text_with_values(saved.text, bindings)))
    return texts


def post_query(url: str, text: str, *, timeout: float, read_limit: int | None = None):
    """POST a query; returns (status, body); the body is cut after ``read_limit`` bytes."""
    request = urllib.request.Request(
        url,
        data=text.encode(),
        method="POST",
        headers={
            "Content-Type": "application/sparql-query",
            "Accept": "application/sparql-results+json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read(read_limit) if read_limit else response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def complete_answer(body: bytes) -> bool:
    """Whether a body is a whole SPARQL JSON answer (a cancelled query breaks off mid-way)."""
    try:
        answer = json.loads(body)
    except ValueError:
        return False
    return isinstance(answer, dict) and ("results" in answer or "boolean" in answer)


@dataclass
class LoadResult:
    """What the load test saw."""

    clients: int
    duration: float
    server_timeout: int
    requests: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    per_query: dict[str, int] = field(default_factory=dict)
    pathological_sent: int = 0
    pathological_stopped: int = 0
    pathological_seconds: list[float] = field(default_factory=list)
    streamed_sent: int = 0
    streamed_bytes: int = 0
    writes_tried: int = 0
    writes_refused: int = 0
    write_statuses: list[int] = field(default_factory=list)
    elapsed: float = 0.0

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return float("nan")
        if len(self.latencies) == 1:
            return self.latencies[0]
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[
            round(share * 100) - 1
        ]

    def summary(self) -> dict[str, Any]:
        return {
            "status": "ok",
            "clients": self.clients,
            "duration": self.duration,
            "server_timeout": self.server_timeout,
            "requests": self.requests,
            "errors": self.errors,
            "error_samples": self.error_samples[:5],
            "throughput": self.requests / self.elapsed if self.elapsed else 0.0,
            "p50": self.percentile(0.50),
            "p99": self.percentile(0.99),
            "max": max(self.latencies, default=float("nan")),
            "per_query": self.per_query,
            "pathological_sent": self.pathological_sent,
            "pathological_stopped": self.pathological_stopped,
            "pathological_seconds": self.pathological_seconds,
            "streamed_sent": self.streamed_sent,
            "streamed_bytes": self.streamed_bytes,
            "writes_tried": self.writes_tried,
            "writes_refused": self.writes_refused,
        }


def run_load(
    base: str,
    queries: list[tuple[str, str]],
    *,
    clients: int = 4,
    duration: float = 5.0,
    server_timeout: int = 2,
    seed: int = 0,
) -> LoadResult:
    """``clients`` threads send the saved queries for ``duration`` seconds, with hostile company.

    A request counts as an error unless it answers 200 with a complete SPARQL JSON
    answer. Beside them: one thread sends the cross product as a COUNT (the server's
    timeout must stop it: an error status or a broken-off answer), one streams the plain
    cross product for a moment and hangs up, one tries every kind of write (each must
    get 403).
    """
    url = f"{base}/query"
    result = LoadResult(clients=clients, duration=duration, server_timeout=server_timeout)
    lock = threading.Lock()
    stop_at = time.monotonic() + duration
    per_request_limit = server_timeout + 60.0  # liveness: nothing may hang

    def client(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        while time.monotonic() < stop_at:
            name, text = rng.choice(queries)
            started = time.perf_counter()
            try:
                status, body = post_query(url, text, timeout=per_request_limit)
                ok = status == 200 and complete_answer(body)
                problem = "" if ok else f"{name}: HTTP {status}: {body[:200]!r}"
            except (OSError, ValueError) as error:
                problem = f"{name}: {type(error).__name__}: {error}"
            seconds = time.perf_counter() - started
            with lock:
                result.requests += 1
                result.latencies.append(seconds)
                result.per_query[name] = result.per_query.get(name, 0) + 1
                if problem:
                    result.errors += 1
                    result.error_samples.append(problem)

    def pathological() -> None:
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                status, body = post_query(url, CROSS_PRODUCT_COUNT, timeout=per_request_limit)
                stopped = status != 200 or not complete_answer(body)
            except (OSError, ValueError):
                stopped = True  # the connection was cut: stopped too
            with lock:
                result.pathological_sent += 1
                result.pathological_stopped += stopped
                result.pathological_seconds.append(time.perf_counter() - started)

    def streamed() -> None:
        while time.monotonic() < stop_at:
            with contextlib.suppress(OSError, ValueError):
                _status, body = post_query(url, CROSS_PRODUCT, timeout=10, read_limit=1 << 20)
                with lock:
                    result.streamed_sent += 1
                    result.streamed_bytes += len(body)
            time.sleep(0.5)

    def writer() -> None:
        while time.monotonic() < stop_at:
            for method, path, content_type, body in WRITE_ATTEMPTS:
                headers = {"Content-Type": content_type} if content_type else {}
                request = urllib.request.Request(
                    base + path, data=body.encode() or None, method=method, headers=headers
                )
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        status = response.status
                except urllib.error.HTTPError as error:
                    status = error.code
                except OSError:
                    status = -1
                with lock:
                    result.writes_tried += 1
                    result.writes_refused += status == 403
                    result.write_statuses.append(status)
            time.sleep(0.2)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    threads += [threading.Thread(target=f) for f in (pathological, streamed, writer)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads[:clients]:
        thread.join()
    result.elapsed = time.monotonic() - started
    for thread in threads[clients:]:
        thread.join()
    return result


def store_answer(base: str) -> str:
    """A fingerprint of what the server holds: triples per graph."""
    text = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    status, body = post_query(f"{base}/query", text, timeout=60)
    if status != 200:
        raise RuntimeError(f"HTTP {status}: {body[:200]!r}")
    rows = json.loads(body)["results"]["bindings"]
    return ";".join(f"{r['g']['value']}={r['n']['value']}" for r in rows)


def order_by_probe(store: Path, *, timeout: int = 2, watch: float = 20.0) -> dict[str, Any]:
    """Whether the server keeps working on a sorted cross product after the client left.

    Reported, not asserted: Oxigraph 0.5 does not cancel a sort at its timeout.
    """
    with served(store, timeout=timeout) as base:
        pid = _server_pid(base)
        with contextlib.suppress(OSError):
            post_query(f"{base}/query", CROSS_PRODUCT + " ORDER BY ?c LIMIT 1", timeout=timeout + 3)
        time.sleep(timeout)
        busy = _cpu_seconds(pid, watch) if pid else None
        answers = store_answer(base) != ""
    return {
        "timeout": timeout,
        "watched": watch,
        "cpu_seconds_after_client_left": busy,
        "still_answering": answers,
    }


def _server_pid(base: str) -> int | None:
    """The pid of the oxigraph process listening on ``base``'s port (ours: we started it)."""
    port = base.rsplit(":", 1)[1]
    found = subprocess.run(
        ["pgrep", "-f", "--", f"--bind 127.0.0.1:{port}"], capture_output=True, text=True
    )
    pids = [int(p) for p in found.stdout.split()]
    for pid in pids:
        with contextlib.suppress(OSError):
            if Path(f"/proc/{pid}/exe").resolve().name.startswith("oxigraph"):
                return pid
    return None


def _cpu_seconds(pid: int, seconds: float) -> float:
    def ticks() -> int:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    before = ticks()
    time.sleep(seconds)
    return (ticks() - before) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------------
# Killed pushes
# ---------------------------------------------------------------------------


def killed_pushes(work: Path, seed: int, count: int) -> dict[str, Any]:
    """SIGKILL ``count`` pushes at random moments; the graph must hold the old or new triples."""
    from retinoid_ld import resources
    from retinoid_ld.remote import RemoteEndpoint, upload_graph_for
    from retinoid_ld.server import find_oxigraph_binary
    from retinoid_ld.store import build_store

    rng = random.Random(seed + 3)
    old, new = work / "push-old", work / "push-new"
    extra = work / "push-extra.ttl"
    extra.write_text(
        "@prefix rld: <https://w3id.org/retinoid-ld/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        + "".join(
            f'rld:push-marker-{n} rdfs:label "pushed by the new build {n}" .\n' for n in range(2000)
        )
    )
    build_store(old, validate=False)
    build_store(new, data_files=[*resources.data_files(), extra], validate=False)
    graph = "https://example.org/reliability/pushed"
    port = free_port()
    server = subprocess.Popen(
        [
            str(find_oxigraph_binary()),
            "serve",
            "--location",
            str(work / "push-server"),
            "--bind",
            f"127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    query_url = f"http://127.0.0.1:{port}/query"
    outcomes: dict[str, int] = {}
    problems: list[str] = []
    try:
        endpoint = RemoteEndpoint(query_url)
        for _ in range(100):
            with contextlib.suppress(Exception):
                endpoint.probe()
                break
            time.sleep(0.1)

        def push(store: Path, method: str) -> subprocess.Popen:
            return subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "retinoid_ld",
                    "push",
                    "--store",
                    str(store),
                    "--endpoint",
                    query_url,
                    "--graph",
                    graph,
                    "--method",
                    method,
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                cwd=REPO,
            )

        first = push(old, "graph-store")
        first.wait(300)
        count_old = endpoint.count_triples(graph)
        started = time.monotonic()
        probe = push(new, "insert-data")
        probe.wait(600)
        insert_seconds = time.monotonic() - started
        count_new = endpoint.count_triples(graph)
        if count_new == count_old:
            problems.append("the two builds push the same number of triples")
        for number in range(count):
            reset = push(old, "graph-store")
            reset.wait(300)
            method = "insert-data" if number % 2 else "graph-store"
            process = push(new, method)
            time.sleep(rng.uniform(0.0, insert_seconds if method == "insert-data" else 1.5))
            finished = process.poll() is not None
            process.send_signal(signal.SIGKILL)
            process.wait()
            held = endpoint.count_triples(graph)
            if held == count_old:
                key = "old content kept"
            elif held == count_new:
                key = "new content complete" + (" (finished before the kill)" if finished else "")
            else:
                problems.append(
                    f"{method}: the graph holds {held} triples ({count_old} old, {count_new} new)"
                )
                continue
            key = f"{method}: {key}"
            outcomes[key] = outcomes.get(key, 0) + 1
        final = push(new, "insert-data")
        _, err = final.communicate(timeout=600)
        if final.returncode != 0 or endpoint.count_triples(graph) != count_new:
            problems.append(f"the push after the kills failed: {err.decode()[-300:]}")
        leftover = endpoint.count_triples(upload_graph_for(graph))
        if leftover:
            problems.append(f"{leftover} triples left in the upload graph after a complete push")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(30)
    return {
        "kills": count,
        "outcomes": outcomes,
        "problems": problems,
        "old_triples": count_old,
        "new_triples": count_new,
    }


def reliability_sections(
    work: Path, seed: int, kills: int, clients: int, seconds: float
) -> dict[str, Any]:
    """The push and load parts of ``benchmarks/reliability.md``."""
    from retinoid_ld.server import ServeError, find_oxigraph_binary
    from retinoid_ld.store import build_store

    sections: dict[str, Any] = {}
    try:
        find_oxigraph_binary()
    except ServeError as error:
        sections["killed_pushes_skipped"] = str(error)
        sections["load"] = {"status": "skipped", "error": str(error)}
        return sections
    sections["killed_pushes"] = killed_pushes(work, seed, kills)
    store = work / "load-store"
    build_store(store)
    queries = saved_query_texts(store)
    timeout = 5
    with served(store, timeout=timeout) as base:
        before = store_answer(base)
        result = run_load(
            base, queries, clients=clients, duration=seconds, server_timeout=timeout, seed=seed
        )
        unchanged = store_answer(base) == before
    sections["load"] = {**result.summary(), "unchanged": unchanged}
    sections["order_by_probe"] = order_by_probe(store)
    return sections
