"""Run SPARQL on the embedded store and hold the answer in an engine-neutral form.

Results are kept as rdflib terms so that answers from the embedded store, a remote
endpoint and an rdflib graph compare equal after normalisation.

pyoxigraph does not look at Python signals while it evaluates a query, so a timeout
cannot be an alarm in this process: with ``timeout`` the query runs in a forked child
process that is killed when time is up (see :func:`call_with_timeout`).
"""

from __future__ import annotations

import os
import pickle
import re
import select
import signal
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

import pyoxigraph as ox
import rdflib

from retinoid_ld.errors import InputError, RetinoidError
from retinoid_ld.rdfio import to_oxigraph_term, to_rdflib_term
from retinoid_ld.store import open_store

Row = tuple[rdflib.term.Node | None, ...]
T = TypeVar("T")


class QueryTimeoutError(RetinoidError):
    """The query did not finish within its time limit and was stopped (exit 2)."""


@dataclass
class QueryResult:
    """A SELECT table, an ASK boolean or a CONSTRUCT graph.

    ``truncated`` is True when ``limit`` cut the answer (more rows existed);
    ``labels`` maps IRIs in the answer to their rdfs:label for human-readable tables.
    """

    kind: str  # "select", "ask" or "construct"
    variables: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    boolean: bool | None = None
    graph: rdflib.Graph | None = None
    truncated: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    limit: int | None = None

    def as_dicts(self) -> list[dict[str, str | None]]:
        """Rows as plain dictionaries of strings (None for unbound)."""
        return [
            {v: (None if t is None else str(t)) for v, t in zip(self.variables, row, strict=False)}
            for row in self.rows
        ]

    def __getstate__(self) -> dict[str, object]:
        # rdflib graphs do not pickle portably; ship their triples across the process pipe.
        state = dict(self.__dict__)
        if self.graph is not None:
            state["graph"] = list(self.graph)
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        triples = state.get("graph")
        if isinstance(triples, list):
            graph = rdflib.Graph()
            for triple in triples:
                graph.add(triple)
            state["graph"] = graph
        self.__dict__.update(state)


def _query_kind(results: object) -> str:
    if isinstance(results, ox.QuerySolutions):
        return "select"
    if isinstance(results, ox.QueryBoolean):
        return "ask"
    return "construct"


# Saved queries nest about ten groups deep. pyoxigraph's SPARQL parser recurses on the
# native stack and dies with a segmentation fault (not an exception) some three thousand
# groups or brackets down, so deeper text is refused before it reaches the parser.
MAX_QUERY_NESTING = 256
_QUERY_TOKENS = re.compile(
    r"#[^\n]*"  # comments, strings and IRIs are skipped whole
    r'|"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r'|<[^<>"{}|^`\\\x00-\x20]*>'
    r"|[{}()\[\]]"
)


def check_query_nesting(query: str) -> None:
    """Refuse a query nested deeper than MAX_QUERY_NESTING groups or brackets."""
    depth = 0
    for token in _QUERY_TOKENS.finditer(query):
        char = token.group()
        if char in ("{", "(", "["):
            depth += 1
            if depth > MAX_QUERY_NESTING:
                line = query.count("\n", 0, token.start()) + 1
                raise InputError(
                    f"the SPARQL query nests more than {MAX_QUERY_NESTING} groups or brackets "
                    f"(line {line})",
                    hint="flatten the query; no real query needs that depth",
                )
        elif char in ("}", ")", "]"):
            depth -= 1


def _variable(name: str) -> ox.Variable:
    """A substitution's variable; a bad name is the caller's error, not an internal one."""
    try:
        return ox.Variable(name.removeprefix("?").removeprefix("$"))
    except ValueError as error:
        raise InputError(
            f"{name!r} is not a SPARQL variable name",
            hint="name the variable as in the query, without '?' (letters, digits, '_')",
        ) from error


def execute_on_store(
    store: ox.Store,
    query: str,
    *,
    substitutions: Mapping[str, rdflib.term.Node] | None = None,
    limit: int | None = None,
) -> QueryResult:
    """Run ``query`` with the union of the store's graphs as its default graph.

    ``substitutions`` pre-bind variables to RDF terms (never pasted into the text).
    ``limit`` caps the rows returned and marks the result as truncated when it cut.
    """
    if limit is not None and limit < 0:
        raise InputError(f"limit {limit} is negative", hint="give 0 or a positive number of rows")
    check_query_nesting(query)
    bound = {
        _variable(name): to_oxigraph_term(term) for name, term in (substitutions or {}).items()
    }
    try:
        results = store.query(query, use_default_graph_as_union=True, substitutions=bound or None)
    except SyntaxError as error:
        raise InputError(
            f"the SPARQL query cannot be parsed: {error}",
            hint="check the query text at the position given",
        ) from error
    except (OSError, RuntimeError, ValueError) as error:
        raise InputError(f"the query failed: {error}") from error
    kind = _query_kind(results)
    if kind == "ask":
        return QueryResult(kind="ask", boolean=bool(results))
    try:
        if kind == "construct":
            graph = rdflib.Graph()
            for count, triple in enumerate(results):
                if limit is not None and count >= limit:
                    return QueryResult(kind="construct", graph=graph, truncated=True, limit=limit)
                graph.add(
                    tuple(
                        to_rdflib_term(t) for t in (triple.subject, triple.predicate, triple.object)
                    )
                )
            return QueryResult(kind="construct", graph=graph, limit=limit)
        variables = [v.value for v in results.variables]
        rows: list[Row] = []
        truncated = False
        for solution in results:
            if limit is not None and len(rows) >= limit:
                truncated = True
                break
            rows.append(
                tuple(
                    None if solution[v] is None else to_rdflib_term(solution[v]) for v in variables
                )
            )
    except (OSError, RuntimeError, ValueError) as error:
        # Evaluation is lazy: errors such as a failed SERVICE call surface while iterating.
        raise InputError(f"the query failed: {error}") from error
    return QueryResult(
        kind="select", variables=variables, rows=rows, truncated=truncated, limit=limit
    )


def _send(fd: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _pickled_outcome(function: Callable[[], T]) -> bytes:
    """Run ``function`` and pickle ("ok", value) or the error it raised."""
    try:
        return pickle.dumps(("ok", function()))
    except RetinoidError as error:
        return pickle.dumps(("error", type(error), error.message, error.hint))
    except BaseException as error:  # reported in the parent, never lost
        return pickle.dumps(("crash", type(error).__name__, str(error)))


def call_with_timeout(function: Callable[[], T], timeout: float | None) -> T:
    """Call ``function`` in a forked child and kill it after ``timeout`` seconds.

    Without a timeout the function runs in this process. The child opens whatever it
    needs itself (a store handle is never shared across the fork) and sends its answer
    back through a pipe; a child still running at the deadline is killed with SIGKILL
    and :class:`QueryTimeoutError` is raised.
    """
    if timeout is None:
        return function()
    if timeout <= 0:
        raise InputError(f"timeout {timeout:g} s is not positive", hint="give a number of seconds")
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run, send, and leave without running the parent's cleanup
        status = 0
        try:
            os.close(read_fd)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            _send(write_fd, _pickled_outcome(function))
        except BaseException:  # the parent reports a missing answer
            status = 1
        finally:
            os._exit(status)
    os.close(write_fd)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    finished = False
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            ready, _, _ = select.select([read_fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(read_fd, 1 << 16)
            if not chunk:
                finished = True
                break
            chunks.append(chunk)
    finally:
        os.close(read_fd)
        if not finished:
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    if not finished:
        raise QueryTimeoutError(
            f"query stopped after {timeout:g} s",
            hint="simplify the query, add a LIMIT, or allow more time with --timeout",
        )
    if not chunks:
        raise RetinoidError("the query process ended without an answer")
    outcome = pickle.loads(b"".join(chunks))
    if outcome[0] == "ok":
        return outcome[1]
    if outcome[0] == "error":
        error_type, message, hint = outcome[1:]
        raise error_type(message, hint=hint)
    raise RuntimeError(f"{outcome[1]}: {outcome[2]}")


def run_sparql(
    query: str,
    *,
    store: str | os.PathLike[str] | None = None,
    substitutions: Mapping[str, rdflib.term.Node] | None = None,
    limit: int | None = None,
    timeout: float | None = None,
    with_labels: bool = False,
) -> QueryResult:
    """Run an ad-hoc SPARQL 1.1 query on the embedded store at ``store``.

    ``timeout`` (seconds) stops a query that runs too long (QueryTimeoutError);
    ``with_labels`` adds the rdfs:label of every IRI in the answer, for tables.
    """

    def evaluate() -> QueryResult:
        oxstore = open_store(store)
        result = execute_on_store(oxstore, query, substitutions=substitutions, limit=limit)
        if with_labels:
            add_labels(oxstore, result)
        return result

    return call_with_timeout(evaluate, timeout)


def add_labels(store: ox.Store, result: QueryResult) -> QueryResult:
    """Fill ``result.labels`` with the rdfs:label of each IRI in a SELECT answer."""
    if result.kind == "select":
        iris = {str(t) for row in result.rows for t in row if isinstance(t, rdflib.URIRef)}
        result.labels = labels_for(store, iris)
    return result


def labels_for(store: ox.Store, iris: set[str]) -> dict[str, str]:
    """rdfs:label of each IRI that has one (the least, if several), for readable tables."""
    wanted = sorted(iri for iri in iris if not set(iri) & set('<>"{}|^`\\ \n\t'))
    if not wanted:
        return {}
    query = (
        "SELECT ?s (MIN(?l) AS ?label) WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l }"
        " GROUP BY ?s"
    )
    labels: dict[str, str] = {}
    # Bound through VALUES of RDF terms in batches; IRIs never reach the text unchecked.
    for start in range(0, len(wanted), 500):
        batch = wanted[start : start + 500]
        values = " ".join(f"<{iri}>" for iri in batch)
        text = query.replace("WHERE {", "WHERE { VALUES ?s { " + values + " }", 1)
        for row in store.query(text, use_default_graph_as_union=True):
            labels[row["s"].value] = row["label"].value
    return labels
