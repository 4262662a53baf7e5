"""Measure one step in a fresh process: its time, its peak memory, and a hard deadline.

Every measurement runs as ``python -m benchmarks.measure`` in its own process group,
so that its peak memory (``VmHWM`` from ``/proc/self/status``) is its own and so that
it can be stopped for certain: pyoxigraph and rdflib do not look at Python signals
while they evaluate, so the parent kills the whole group with SIGKILL at the deadline.

The child reads one JSON request on stdin and writes JSON lines on stdout. A
``{"event": "phase", "name": ..., "bound": seconds}`` line starts a new phase with its
own deadline (the rdflib baseline loads once, then runs each query under its own
bound); the last line is ``{"event": "done", ...}``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import resource
import selectors
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEADLINE_SLACK = 30.0  # seconds of interpreter start-up and imports on a busy machine


def peak_memory_mib() -> float:
    """This process's peak resident memory (VmHWM) in MiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Measurement:
    """The outcome of one measured step."""

    status: str  # "ok", "timeout", "memory" or "error"
    result: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    peak_mib: float | None = None
    error: str = ""
    phase: str = ""
    bound: float | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def seconds(self) -> float | None:
        times = self.result.get("seconds")
        if isinstance(times, list) and times:
            return statistics.median(times)
        return times if isinstance(times, (int, float)) else None


def _limit_memory(mebibytes: int | None) -> Callable[[], None]:
    def apply() -> None:
        os.setpgrp()
        if mebibytes:
            limit = mebibytes * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def run_task(
    task: str,
    args: dict[str, Any],
    *,
    bound: float,
    memory_limit_mib: int | None = None,
    resident_cap_mib: float | None = None,
    on_event: Callable[[dict[str, Any]], None] | None = None,
) -> Measurement:
    """Run ``task`` in a fresh process; kill it if a phase outlasts its bound.

    ``memory_limit_mib`` caps its address space (for rdflib and pySHACL; Oxigraph's
    RocksDB maps far more than it uses); ``resident_cap_mib`` kills it when its resident
    memory passes the cap (watched every second), so that one step cannot exhaust a
    shared machine.
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.measure"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
        preexec_fn=_limit_memory(memory_limit_mib),
    )
    assert process.stdin and process.stdout and process.stderr
    process.stdin.write(json.dumps({"task": task, "args": args}).encode())
    process.stdin.close()
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ, "out")
    selector.register(process.stderr, selectors.EVENT_READ, "err")
    buffer, errors = b"", b""
    events: list[dict[str, Any]] = []
    phase, phase_bound = task, bound
    deadline = time.monotonic() + bound + DEADLINE_SLACK
    done: dict[str, Any] | None = None
    open_streams = 2
    try:
        while open_streams and done is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                _kill_group(process)
                return Measurement(
                    "timeout", events=events, phase=phase, bound=phase_bound, error=errors.decode()
                )
            resident = _resident_mib(process.pid) if resident_cap_mib else None
            if resident is not None and resident > resident_cap_mib:
                _kill_group(process)
                return Measurement(
                    "memory",
                    events=events,
                    phase=phase,
                    peak_mib=resident,
                    error=f"stopped: resident memory passed {resident_cap_mib / 1024:g} GiB",
                )
            for key, _ in selector.select(timeout=min(remaining, 1.0)):
                chunk = os.read(key.fileobj.fileno(), 1 << 16)  # type: ignore[union-attr]
                if not chunk:
                    selector.unregister(key.fileobj)
                    open_streams -= 1
                    continue
                if key.data == "err":
                    errors = (errors + chunk)[-20000:]
                    continue
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    event = json.loads(line)
                    if event.get("event") == "done":
                        done = event
                        break
                    events.append(event)
                    if on_event:
                        on_event(event)
                    if event.get("event") == "phase":
                        phase, phase_bound = event["name"], float(event["bound"])
                        deadline = time.monotonic() + phase_bound + DEADLINE_SLACK
    finally:
        selector.close()
    code = process.wait()
    _kill_group(process)  # forked helpers of a finished task, if any survived
    if done is None:
        text = errors.decode(errors="replace")
        status = "memory" if "MemoryError" in text or code == -signal.SIGKILL else "error"
        return Measurement(status, events=events, phase=phase, error=text.strip()[-2000:])
    if done.get("error"):
        status = "memory" if "MemoryError" in done["error"] else "error"
        return Measurement(status, events=events, phase=phase, error=done["error"])
    return Measurement(
        "ok", result=done.get("result", {}), events=events, peak_mib=done.get("peak_mib")
    )


def _resident_mib(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _kill_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(Exception):
        process.wait(timeout=10)


# ---------------------------------------------------------------------------
# The child side: one function per task
# ---------------------------------------------------------------------------


def _emit(event: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def _timed(function: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def task_build(store: str, data_files: list[str], validate: bool) -> dict[str, Any]:
    from retinoid_ld.store import build_store

    seconds, result = _timed(lambda: build_store(store, data_files=data_files, validate=validate))
    return {"seconds": seconds, "triples": result.triples, "findings": result.findings}


def task_validate(engine: str, store: str | None, data_files: list[str]) -> dict[str, Any]:
    from benchmarks import engines

    seconds, results = _timed(lambda: engines.validate(engine, store=store, data_files=data_files))
    return {"seconds": seconds, "results": sorted(results), "count": len(results)}


def task_query(store: str, name: str, repeat: int, bound: float | None = None) -> dict[str, Any]:
    """A saved query on the embedded store: warm-up, then ``repeat`` timed runs.

    A query whose warm-up shows that ``repeat`` runs and the command would not fit in
    ``bound`` seconds is timed once (n=1), so that a slow query is measured rather than
    killed for its repetitions; the command run is then skipped.
    """
    from retinoid_ld.query import execute_on_store
    from retinoid_ld.saved_queries import bind_parameters, get_saved_query, run_saved_query
    from retinoid_ld.store import open_store

    saved = get_saved_query(name)
    oxstore = open_store(store)
    bindings = bind_parameters(oxstore, saved, None)
    warm_up, result = _timed(lambda: execute_on_store(oxstore, saved.text, substitutions=bindings))
    fits = bound is None or warm_up * (repeat + 2) < 0.8 * bound
    times: list[float] = []
    for _ in range(repeat if fits else 1):
        seconds, result = _timed(
            lambda: execute_on_store(oxstore, saved.text, substitutions=bindings)
        )
        times.append(seconds)
    command_seconds = None
    if fits:
        command_seconds, _ = _timed(lambda: run_saved_query(name, store=store))
    return {
        "seconds": times,
        "command_seconds": command_seconds,
        "rows": len(result.rows) if result is not None else 0,
        "answer": _answer_digest(result),
    }


def _normal(term: Any) -> str:
    """A term's text, with numbers compared by value (engines canonicalise differently)."""
    import rdflib

    if term is None:
        return ""
    if isinstance(term, rdflib.Literal) and term.datatype is not None:
        value = term.toPython()
        if isinstance(value, (int, float)) or type(value).__name__ == "Decimal":
            return repr(float(value))
    return str(term)


def _answer_digest(result: Any) -> str:
    """A digest of a SELECT answer as a multiset of normalised rows (order-free)."""
    if result is None:
        return ""
    if result.kind == "ask":
        return str(result.boolean)
    rows = sorted("\t".join(_normal(t) for t in row) for row in result.rows)
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]


def task_rdflib(
    files: list[str], queries: list[dict[str, str]], repeat: int, bound: float, export: str | None
) -> dict[str, Any]:
    """The rdflib baseline: load once, then each query and the Turtle export under ``bound``."""
    import rdflib

    from retinoid_ld.query import QueryTimeoutError, call_with_timeout

    _emit({"event": "phase", "name": "rdflib load", "bound": bound})
    graph = rdflib.Graph()
    start = time.perf_counter()
    for path in files:
        graph.parse(path, format="turtle" if path.endswith(".ttl") else "nt")
    load_seconds = time.perf_counter() - start
    _emit(
        {
            "event": "loaded",
            "seconds": load_seconds,
            "triples": len(graph),
            "peak_mib": peak_memory_mib(),
        }
    )
    answers: dict[str, Any] = {}
    for query in queries:
        _emit({"event": "phase", "name": f"rdflib {query['name']}", "bound": bound + 5})

        def measure(text: str = query["text"]) -> dict[str, Any]:
            times: list[float] = []
            outcome = None
            while len(times) < repeat + 1:
                seconds, outcome = _timed(lambda: list(graph.query(text)))
                times.append(seconds)
                if sum(times) + seconds > bound:
                    break
            rows = outcome or []
            digest = hashlib.sha256(
                "\n".join(sorted("\t".join(_normal(t) for t in row) for row in rows)).encode()
            ).hexdigest()[:16]
            # The first run is the warm-up when there is room for more.
            timed = times[1:] if len(times) > 1 else times
            return {"seconds": timed, "rows": len(rows), "answer": digest, "runs": len(timed)}

        try:
            answers[query["name"]] = {"status": "ok", **call_with_timeout(measure, bound)}
        except QueryTimeoutError:
            answers[query["name"]] = {"status": "timeout", "bound": bound}
        except Exception as error:  # a query rdflib cannot run is a result, not a crash
            answers[query["name"]] = {
                "status": "error",
                "error": f"{type(error).__name__}: {error}",
            }
    exported: dict[str, Any] = {}
    if export:
        _emit({"event": "phase", "name": "rdflib export", "bound": bound + 5})

        def serialise() -> dict[str, Any]:
            seconds, _ = _timed(lambda: graph.serialize(destination=export, format="turtle"))
            return {"seconds": seconds, "bytes": os.path.getsize(export)}

        try:
            exported = {"status": "ok", **call_with_timeout(serialise, bound)}
        except QueryTimeoutError:
            exported = {"status": "timeout", "bound": bound}
    return {
        "seconds": load_seconds,
        "triples": len(graph),
        "queries": answers,
        "export": exported,
    }


def task_export(store: str, format: str, output: str) -> dict[str, Any]:
    from retinoid_ld.export import export_store

    seconds, _ = _timed(lambda: export_store(format=format, output=output, store=store))
    digest = hashlib.sha256()
    with open(output, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {"seconds": seconds, "sha256": digest.hexdigest(), "bytes": os.path.getsize(output)}


def task_diagnose(store: str, queries: list[str], bound: float) -> dict[str, Any]:
    """Why the store is as fast as it is: the same reads and queries on disk and in memory.

    Reads every quad of the built store back (N-Quads, as an export does), loads them
    into an in-memory Oxigraph store, reads them back from there, and runs each saved
    query on the in-memory copy (best of two runs, each under ``bound``). The on-disk
    times of the queries are the run's own medians.
    """
    import pyoxigraph as ox

    from retinoid_ld.query import QueryTimeoutError, call_with_timeout, execute_on_store
    from retinoid_ld.saved_queries import bind_parameters, get_saved_query
    from retinoid_ld.store import open_store

    _emit({"event": "phase", "name": "read the store from disk", "bound": bound * 4})
    disk = open_store(store)
    memory = ox.Store()
    with tempfile.TemporaryDirectory() as folder:
        dumped = os.path.join(folder, "store.nq")
        disk_seconds, _ = _timed(lambda: disk.dump(output=dumped, format=ox.RdfFormat.N_QUADS))
        load_seconds, _ = _timed(lambda: memory.bulk_load(path=dumped, format=ox.RdfFormat.N_QUADS))
        again = os.path.join(folder, "again.nq")
        memory_seconds, _ = _timed(lambda: memory.dump(output=again, format=ox.RdfFormat.N_QUADS))
    quads = len(memory)
    answers: dict[str, Any] = {}
    for name in queries:
        _emit({"event": "phase", "name": f"in memory: {name}", "bound": 2 * bound + 5})
        saved = get_saved_query(name)
        bindings = bind_parameters(disk, saved, None)

        def measure(text: str = saved.text, bound_terms: Any = bindings) -> dict[str, Any]:
            times = []
            for _ in range(2):
                seconds, result = _timed(
                    lambda: execute_on_store(memory, text, substitutions=bound_terms)
                )
                times.append(seconds)
            return {"seconds": min(times), "rows": len(result.rows)}

        try:
            answers[name] = {"status": "ok", **call_with_timeout(measure, 2 * bound)}
        except QueryTimeoutError:
            answers[name] = {"status": "timeout", "bound": 2 * bound}
    return {
        "seconds": disk_seconds,
        "quads": quads,
        "read_disk_seconds": disk_seconds,
        "load_memory_seconds": load_seconds,
        "read_memory_seconds": memory_seconds,
        "queries_in_memory": answers,
    }


TASKS: dict[str, Callable[..., dict[str, Any]]] = {
    "build": task_build,
    "validate": task_validate,
    "query": task_query,
    "rdflib": task_rdflib,
    "export": task_export,
    "diagnose": task_diagnose,
}


def child_main() -> int:
    request = json.loads(sys.stdin.read())
    try:
        result = TASKS[request["task"]](**request["args"])
    except MemoryError:
        _emit({"event": "done", "error": "MemoryError: the memory limit was reached"})
        return 1
    except BaseException as error:
        import traceback

        traceback.print_exc()
        _emit({"event": "done", "error": f"{type(error).__name__}: {error}"})
        return 1
    _emit({"event": "done", "result": result, "peak_mib": peak_memory_mib()})
    return 0


if __name__ == "__main__":
    raise SystemExit(child_main())
