"""Query and fill remote SPARQL 1.1 endpoints (Oxigraph server, Virtuoso, Fuseki, GraphDB...).

Everything goes through the standard protocols, with SPARQLWrapper for queries and
updates and the SPARQL 1.1 Graph Store HTTP Protocol for uploads:

- :class:`RemoteEndpoint` runs a query and returns the same :class:`QueryResult`
  as the embedded store. Parameters travel as a ``VALUES`` block of RDF terms
  (:mod:`retinoid_ld.sparql_values`), never pasted into the text. The dataset is
  scoped with the protocol's ``default-graph-uri`` when a graph is given: the one
  mechanism that works on both Virtuoso (whose default graph also holds its system
  graphs) and Oxigraph (whose default graph holds no named graph unless the server
  runs with ``--union-default-graph``).
- :func:`push_store` replaces a named graph with the built store's triples so that
  the remote graph is always either the old or the new release: the triples go
  into a temporary graph first (``<graph>-retinoid-ld-upload``), are counted there,
  and replace the target with one ``MOVE`` update; the target is counted again.
- :func:`run_saved_query_remote` runs a saved query there, resolving drug names
  against the endpoint's own labels and synonyms (the data it answers from).

Failures raise :class:`RemoteError` (exit 2) saying what failed and what to do:
server down, timeout, HTTP errors with the server's own message, authentication
refused, and answers a server cut short (Virtuoso's ``ResultSetMaxRows`` marks a
truncated answer only with an ``X-SPARQL-MaxRows`` header; we fail rather than
return a silently incomplete answer).
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib
from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper

from retinoid_ld.errors import InputError, RemoteError
from retinoid_ld.namespaces import GRAPHS, RLD
from retinoid_ld.normalise import normalise_result
from retinoid_ld.query import QueryResult
from retinoid_ld.rdfio import to_oxigraph_term, to_rdflib_term
from retinoid_ld.sparql_values import QUERY_FORMS, bind_by_values, query_form, validate_iri
from retinoid_ld.store import open_store

__all__ = [
    "AUTH_METHODS",
    "DEFAULT_GRAPH",
    "PushResult",
    "RemoteEndpoint",
    "normalise_result",
    "push_store",
    "recovery_advice",
    "run_saved_query_remote",
    "run_sparql_remote",
    "upload_graph_for",
]

DEFAULT_GRAPH = RLD + "graph/release"
AUTH_METHODS = ("basic", "digest")
DEFAULT_TIMEOUT = 60.0
UPLOAD_SUFFIX = "-retinoid-ld-upload"
PUSH_METHODS = ("auto", "graph-store", "insert-data")
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"

Progress = Callable[[str], None]


def upload_graph_for(graph: str) -> str:
    """The temporary graph a push fills before it replaces ``graph`` (fixed, for recovery)."""
    return graph + UPLOAD_SUFFIX


# Protocol parameters that choose the operation, its dataset or the graph written: in an
# endpoint URL they would travel with every request, so that a URL (copied from a page,
# a config file) could turn a query into "update=DROP ALL" or a push into a write to
# another graph. The command's own options set these, as validated RDF terms.
PROTOCOL_PARAMETERS = frozenset(
    {
        "query",
        "update",
        "default-graph-uri",
        "named-graph-uri",
        "using-graph-uri",
        "using-named-graph-uri",
        "graph",
        "default",
    }
)


def _check_url(url: str, option: str) -> str:
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or any(c.isspace() for c in url):
        raise InputError(
            f"{option} {url!r} is not an http(s) URL",
            hint="give the endpoint's full URL, e.g. http://127.0.0.1:7878/query",
        )
    names = {name.lower() for name, _ in urllib.parse.parse_qsl(parsed.query, True)}
    names |= {part.split("=", 1)[0].lower() for part in re.split(r"[&;]", parsed.query) if part}
    if names & PROTOCOL_PARAMETERS:
        raise InputError(
            f"{option} {url!r} carries the SPARQL protocol parameter "
            f"{', '.join(sorted(names & PROTOCOL_PARAMETERS))}",
            hint="give the endpoint URL without it; the query, update and graph come from "
            "the command (--graph), never from the URL",
        )
    return url


def _base(url: str) -> str:
    parsed = urllib.parse.urlsplit(url)
    return f"{parsed.scheme}://{parsed.netloc}"


def _server_message(body: bytes, *, lines: int = 6, chars: int = 800) -> str:
    """The first lines of a server's error body, readable in a terminal."""
    text = body.decode("utf-8", errors="replace").strip()
    if "<html" in text[:200].lower() or "<!doctype" in text[:200].lower():
        # Strip the tags of an HTML error page; keep its words.
        text = re.sub(r"<[^>]+>", " ", text)
        text = re.sub(r"[ \t]+", " ", text)
    kept = [line.strip() for line in text.splitlines() if line.strip()][:lines]
    message = "\n    ".join(kept)
    return message[:chars] + ("..." if len(message) > chars else "") or "(empty body)"


# Server limits whose message alone does not say which setting to change.
_SERVER_LIMITS = (
    (
        "estimated execution time",
        "Virtuoso refuses queries whose estimated cost exceeds MaxQueryCostEstimationTime; "
        "raise it in the [SPARQL] section of virtuoso.ini (0 turns the estimate off) and "
        "restart Virtuoso",
    ),
    (
        "SR353",
        "Virtuoso sorts at most MaxSortedTopRows rows for ORDER BY with LIMIT/OFFSET; raise "
        "it in the [Parameters] section of virtuoso.ini and restart Virtuoso",
    ),
    (
        "SQ186",
        "Virtuoso joins or groups on at most 20 variables at once; the query needs fewer "
        "variables in one GROUP BY or join (for example, look labels up outside it)",
    ),
)


def _known_server_limit(message: str) -> str | None:
    return next((hint for marker, hint in _SERVER_LIMITS if marker in message), None)


class _Wrapper(SPARQLWrapper):
    """SPARQLWrapper sending through our own opener.

    SPARQLWrapper installs a process-wide urllib opener for digest authentication
    and rounds timeouts to whole seconds; an opener per endpoint and a float
    timeout avoid both.
    """

    def __init__(self, endpoint: str, *, opener: urllib.request.OpenerDirector, timeout: float):
        super().__init__(endpoint, updateEndpoint=endpoint)
        self._opener = opener
        self._timeout_seconds = timeout

    def _query(self):  # type: ignore[override]
        request = self._createRequest()
        return self._opener.open(request, timeout=self._timeout_seconds), self.returnFormat


class _RestartableBody:
    """A request body that reports upload progress and restarts when re-sent.

    urllib re-sends the body after a digest-authentication challenge; iterating
    afresh each time makes that work.
    """

    def __init__(self, data: bytes, progress: Progress | None, *, block: int = 1 << 16):
        self.data = data
        self.progress = progress
        self.block = block

    def __iter__(self) -> Iterator[bytes]:
        total = len(self.data)
        for start in range(0, total, self.block):
            yield self.data[start : start + self.block]
            if self.progress:
                sent = min(start + self.block, total)
                self.progress(f"uploading: {sent / 1e6:.2f} of {total / 1e6:.2f} MB")


class _Solution:
    """One row, indexable like pyoxigraph's QuerySolution (by name, Variable or position)."""

    def __init__(self, variables: list[str], terms: tuple[object, ...]):
        self._index = {name: i for i, name in enumerate(variables)}
        self._terms = terms

    def __getitem__(self, key: object) -> object:
        if isinstance(key, int):
            return self._terms[key]
        name = key.value if isinstance(key, ox.Variable) else str(key)
        return self._terms[self._index[name]]

    def __iter__(self) -> Iterator[object]:
        return iter(self._terms)


class RemoteStoreView:
    """Just enough of ``pyoxigraph.Store.query`` to run store-based helpers remotely.

    The saved-query helpers resolve drug names with ``store.query(...)``; handing
    them this view runs those look-ups on the endpoint, against its own data.
    """

    def __init__(self, endpoint: RemoteEndpoint):
        self.endpoint = endpoint

    def query(
        self,
        query: str,
        *,
        use_default_graph_as_union: bool = True,
        substitutions: Mapping[object, object] | None = None,
        **_ignored: object,
    ) -> object:
        bound = {
            (k.value if isinstance(k, ox.Variable) else str(k)): (
                v if isinstance(v, rdflib.term.Node) else to_rdflib_term(v)
            )
            for k, v in (substitutions or {}).items()
        }
        result = self.endpoint.query(query, substitutions=bound)
        if result.kind == "ask":
            return bool(result.boolean)
        if result.kind == "construct":
            assert result.graph is not None
            return [ox.Triple(*(to_oxigraph_term(t) for t in triple)) for triple in result.graph]
        return [
            _Solution(
                result.variables,
                tuple(None if t is None else to_oxigraph_term(t) for t in row),
            )
            for row in result.rows
        ]


class RemoteEndpoint:
    """A SPARQL 1.1 endpoint: where to query, update and upload, and how to authenticate.

    ``graph`` scopes every query to that graph (``default-graph-uri``); without it
    the endpoint's own default graph is used (the union of the store's graphs on
    ``retinoid-ld serve``, everything including system graphs on Virtuoso).
    ``update_url`` and ``graph_store_url`` are found from the server's identity
    (Oxigraph, Virtuoso) when not given. Credentials go only to these URLs' hosts.
    """

    def __init__(
        self,
        query_url: str,
        *,
        update_url: str | None = None,
        graph_store_url: str | None = None,
        graph: str | None = None,
        user: str | None = None,
        password: str | None = None,
        auth: str = "digest",
        timeout: float = DEFAULT_TIMEOUT,
        on_warning: Callable[[str], None] | None = None,
    ) -> None:
        self.query_url = _check_url(query_url, "--endpoint")
        self.update_url = _check_url(update_url, "--update-endpoint") if update_url else None
        self.graph_store_url = (
            _check_url(graph_store_url, "--graph-store") if graph_store_url else None
        )
        self.graph = validate_iri(graph, what="graph") if graph else None
        if (user is None) != (password is None):
            raise InputError(
                "a user needs a password and a password needs a user",
                hint="give both --user U and --password-env VAR (the variable holding it)",
            )
        if auth not in AUTH_METHODS:
            raise InputError(f"--auth {auth!r}: use one of {', '.join(AUTH_METHODS)}")
        if timeout is None or timeout <= 0:
            raise InputError(f"timeout {timeout!r}: must be a positive number of seconds")
        self.user, self.password, self.auth, self.timeout = user, password, auth, float(timeout)
        self.on_warning = on_warning
        self.server: str | None = None  # the Server header, once seen
        self._warned = False
        self._verified: set[str] = set()  # URLs where the credentials were accepted
        self._opener = self._build_opener()

    def __repr__(self) -> str:
        return f"RemoteEndpoint({self.query_url!r}, graph={self.graph!r}, user={self.user!r})"

    # -- transport --------------------------------------------------------------

    def _build_opener(self) -> urllib.request.OpenerDirector:
        handlers: list[urllib.request.BaseHandler] = []
        self._digest: urllib.request.HTTPDigestAuthHandler | None = None
        if self.user and self.auth == "digest":
            manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            urls = {self.query_url, self.update_url, self.graph_store_url}
            for url in {_base(u) for u in urls if u}:
                manager.add_password(None, url, self.user, self.password)
            self._digest = urllib.request.HTTPDigestAuthHandler(manager)
            handlers.append(self._digest)
        return urllib.request.build_opener(*handlers)

    def _basic_header(self) -> dict[str, str]:
        if self.user and self.auth == "basic":
            token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode("ascii")
            return {"Authorization": f"Basic {token}"}
        return {}

    def _authorization(self, url: str, method: str) -> dict[str, str]:
        """Headers that authenticate a request with a body before it is sent.

        Digest authentication answers a challenge, and urllib meets the challenge
        only after sending the whole body once; Virtuoso answers 401 and closes the
        connection before reading a large body (a broken pipe). So a body-less GET
        fetches a fresh challenge first, and the request carries its answer.
        """
        if not self.user:
            return {}
        plain = urllib.request.build_opener()
        if self.auth == "basic" or self._digest is None:
            self._check_credentials(plain, url, self._basic_header())
            return self._basic_header()
        try:
            with plain.open(urllib.request.Request(url, method="GET"), timeout=self.timeout):
                return {}  # no authentication asked for here
        except urllib.error.HTTPError as error:
            challenge = error.headers.get("WWW-Authenticate", "") if error.headers else ""
            error.close()
            if error.code != 401 or not challenge.lower().startswith("digest "):
                return {}
        fields = urllib.request.parse_keqv_list(
            [item for item in urllib.request.parse_http_list(challenge[7:]) if item]
        )

        def answer(for_method: str) -> dict[str, str]:
            assert self._digest is not None
            request = urllib.request.Request(url, method=for_method)
            value = self._digest.get_authorization(request, fields)
            return {"Authorization": f"Digest {value}"} if value else {}

        self._check_credentials(plain, url, answer("GET"))
        return answer(method)

    def _check_credentials(
        self, opener: urllib.request.OpenerDirector, url: str, headers: dict[str, str]
    ) -> None:
        """A body-less GET with the credentials: a refusal is then a clear 401 here,
        not a broken pipe while a large body is being sent (once per URL)."""
        if url in self._verified:
            return
        try:
            with opener.open(
                urllib.request.Request(url, method="GET", headers=headers), timeout=self.timeout
            ):
                pass
        except urllib.error.HTTPError as error:
            error.close()
            if error.code == 401:
                raise
        self._verified.add(url)

    def _note_server(self, headers: object) -> None:
        server = getattr(headers, "get", lambda _k, _d=None: None)("Server")
        if server:
            self.server = server

    @property
    def is_virtuoso(self) -> bool:
        return "virtuoso" in (self.server or "").lower()

    @property
    def is_oxigraph(self) -> bool:
        return "oxigraph" in (self.server or "").lower()

    @contextlib.contextmanager
    def _errors(self, action: str, url: str) -> Iterator[None]:
        """Turn every transport failure into a RemoteError that says what to do."""
        try:
            yield
        except urllib.error.HTTPError as error:
            self._note_server(error.headers)
            raise self._http_error(action, url, error) from None
        except urllib.error.URLError as error:
            reason = error.reason
            if isinstance(reason, TimeoutError):
                raise self._timeout_error(action, url) from None
            if isinstance(reason, ConnectionRefusedError):
                raise RemoteError(
                    f"cannot {action} at {url}: connection refused (no server on that port)",
                    hint="start the server, or check the host and port of the URL",
                ) from None
            raise RemoteError(
                f"cannot {action} at {url}: {reason}",
                hint="check the URL and that the server is reachable from here",
            ) from None
        except TimeoutError:
            raise self._timeout_error(action, url) from None
        except (http.client.HTTPException, ConnectionError) as error:
            raise RemoteError(
                f"the connection to {url} broke during the {action}: "
                f"{type(error).__name__}: {error}",
                hint="the server may have stopped or cut the answer (a server-side timeout?); "
                "retry, or look at the server's log",
            ) from None

    def _timeout_error(self, action: str, url: str) -> RemoteError:
        return RemoteError(
            f"no answer to the {action} from {url} within {self.timeout:g} s",
            hint="raise --timeout, simplify the query, or check that the server is not stuck",
        )

    def _http_error(self, action: str, url: str, error: urllib.error.HTTPError) -> RemoteError:
        try:
            body = error.read()
        except (OSError, http.client.HTTPException):
            body = b""
        message = _server_message(body) if body else (error.reason or "")
        status = error.code
        if status == 401:
            return RemoteError(
                f"authentication refused by {url} (HTTP 401) for the {action}",
                hint="check --user and the password in --password-env; Virtuoso's "
                "/sparql-auth endpoints need --auth digest",
            )
        if status == 403:
            return RemoteError(
                f"{url} refused the {action} (HTTP 403): {message}",
                hint="the endpoint is read-only or this user may not write; "
                "use a writable endpoint (retinoid-ld serve --writable) or other credentials",
            )
        if status == 404:
            return RemoteError(
                f"{url} was not found (HTTP 404): {message}",
                hint="check the endpoint URL (Oxigraph: /query, /update, /store; "
                "Virtuoso: /sparql, /sparql-auth, /sparql-graph-crud-auth)",
            )
        known = _known_server_limit(message)
        if known:
            return RemoteError(
                f"the server refused the {action} (HTTP {status}): {message}", hint=known
            )
        if 400 <= status < 500:
            return RemoteError(
                f"the server rejected the {action} (HTTP {status}): {message}",
                hint="the server's message above says what it did not accept",
            )
        return RemoteError(
            f"the server failed on the {action} (HTTP {status}): {message}",
            hint="the server's message above says why; its log may say more",
        )

    def _wrapper(self, url: str, text: str, form: str) -> _Wrapper:
        wrapper = _Wrapper(url, opener=self._opener, timeout=self.timeout)
        wrapper.setOnlyConneg(True)
        wrapper.setMethod(POST)
        wrapper.setQuery(text)
        wrapper.queryType = form  # our own parse of the form, not SPARQLWrapper's regex
        for name, value in self._basic_header().items():
            wrapper.addCustomHttpHeader(name, value)
        return wrapper

    # -- queries ----------------------------------------------------------------

    def query(
        self,
        text: str,
        *,
        substitutions: Mapping[str, rdflib.term.Node] | None = None,
        limit: int | None = None,
    ) -> QueryResult:
        """Run a query (SELECT, ASK, CONSTRUCT, DESCRIBE) scoped to ``graph`` if set."""
        return self._query(text, substitutions=substitutions, limit=limit, scoped=True)

    def _query(
        self,
        text: str,
        *,
        substitutions: Mapping[str, rdflib.term.Node] | None = None,
        limit: int | None = None,
        scoped: bool = True,
    ) -> QueryResult:
        form = query_form(text)
        if form not in QUERY_FORMS:
            raise InputError(
                f"this is a SPARQL update ({form}), not a query",
                hint="queries only; load data with 'retinoid-ld push'",
            )
        wrapper = self._wrapper(self.query_url, bind_by_values(text, substitutions), form)
        if scoped and self.graph:
            wrapper.addParameter("default-graph-uri", self.graph)
        wrapper.setReturnFormat(JSON if form in ("SELECT", "ASK") else TURTLE)
        with self._errors("query", self.query_url):
            response = wrapper.query().response
            body = response.read()
            headers = response.headers
        self._note_server(headers)
        if scoped and not self.graph and self.is_virtuoso and not self._warned:
            self._warned = True
            if self.on_warning:
                self.on_warning(
                    "Virtuoso's default graph includes its own system graphs; "
                    "pass --graph IRI (e.g. the graph you pushed) to query only the data"
                )
        if form in ("SELECT", "ASK"):
            result = self._parse_json(body)
        else:
            # pyoxigraph keeps lexical forms as sent (rdflib's parser rewrites some).
            graph = rdflib.Graph()
            try:
                for triple in ox.parse(body, format=ox.RdfFormat.TURTLE):
                    graph.add(
                        tuple(
                            to_rdflib_term(t)
                            for t in (triple.subject, triple.predicate, triple.object)
                        )
                    )
            except (SyntaxError, ValueError) as error:
                raise RemoteError(
                    f"the answer from {self.query_url} is not valid Turtle: {error}",
                    hint="the server may have cut the answer short (a timeout?)",
                ) from None
            result = QueryResult(kind="construct", graph=graph)
        self._check_complete(headers, result)
        return _apply_limit(result, limit)

    def _parse_json(self, body: bytes) -> QueryResult:
        try:
            data = json.loads(body)
        except ValueError:
            tail = body[-300:].decode("utf-8", errors="replace")
            raise RemoteError(
                f"the answer from {self.query_url} is not valid SPARQL JSON results; "
                f"it ends with: {tail!r}",
                hint="the server stopped the query mid-answer (its query timeout?); "
                "simplify the query or raise the server's timeout",
            ) from None
        if not isinstance(data, dict):
            raise RemoteError(f"unexpected answer from {self.query_url}: {str(data)[:200]}")
        if "boolean" in data:
            return QueryResult(kind="ask", boolean=bool(data["boolean"]))
        try:
            variables = list(data["head"]["vars"])
            bindings = data["results"]["bindings"]
        except (KeyError, TypeError):
            raise RemoteError(
                f"unexpected SPARQL JSON from {self.query_url}: {str(data)[:200]}",
                hint="for Virtuoso, keep CaseMode = 2 in virtuoso.ini (ASK answers otherwise "
                "come back as a table)",
            ) from None
        rows = [tuple(_json_to_term(b.get(v)) for v in variables) for b in bindings]
        return QueryResult(kind="select", variables=variables, rows=rows)

    def _check_complete(self, headers: object, result: QueryResult) -> None:
        """Fail if the server says (only in headers) that it cut the answer."""
        get = getattr(headers, "get", lambda _k, _d=None: None)
        max_rows = get("X-SPARQL-MaxRows")
        if max_rows is not None:
            size = len(result.rows) if result.kind == "select" else len(result.graph or ())
            raise RemoteError(
                f"{self.query_url} cut the answer at its row limit of {max_rows} "
                f"(X-SPARQL-MaxRows; {size} rows or triples came back)",
                hint="raise ResultSetMaxRows in the [SPARQL] section of virtuoso.ini (and "
                "MaxSortedTopRows in [Parameters]) and restart Virtuoso, or narrow the query",
            )
        state = get("X-SQL-State")
        if state:
            raise RemoteError(
                f"{self.query_url} returned a partial answer ({state}: "
                f"{get('X-SQL-Message') or 'no message'})",
                hint="Virtuoso stops queries at MaxQueryExecutionTime and returns what it "
                "has; raise it in virtuoso.ini or narrow the query",
            )

    def count_triples(self, graph: str) -> int:
        """How many triples the named graph holds now."""
        iri = validate_iri(graph, what="graph")
        result = self._query(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}", scoped=False
        )
        try:
            return int(str(result.rows[0][0]))
        except (IndexError, ValueError, TypeError):
            raise RemoteError(
                f"{self.query_url} did not answer a COUNT query with a number"
            ) from None

    def labels(self, iris: set[str], *, batch: int = 200) -> dict[str, str]:
        """rdfs:label of each IRI that has one (for tables), looked up on the endpoint."""
        valid = sorted(i for i in iris if _is_valid_iri(i))
        labels: dict[str, str] = {}
        for start in range(0, len(valid), batch):
            values = " ".join(f"<{iri}>" for iri in valid[start : start + batch])
            result = self.query(
                f"SELECT ?s (MIN(STR(?l)) AS ?label) WHERE {{ VALUES ?s {{ {values} }} "
                f"?s <{RDFS_LABEL}> ?l }} GROUP BY ?s"
            )
            labels.update({str(s): str(label) for s, label in result.rows if label is not None})
        return labels

    # -- updates and uploads -----------------------------------------------------

    def probe(self) -> None:
        """Check that the endpoint answers (and learn which server it is)."""
        self._query("ASK { }", scoped=False)

    def _discover(self) -> None:
        """Fill in the update and Graph Store URLs from the server's identity."""
        if self.server is None:
            self.probe()
        base = _base(self.query_url)
        if self.is_oxigraph:
            path = urllib.parse.urlsplit(self.query_url).path
            if not self.update_url:
                self.update_url = (
                    self.query_url[: -len("/query")] + "/update"
                    if path.endswith("/query")
                    else self.query_url
                )
            if not self.graph_store_url:
                self.graph_store_url = base + "/store"
        elif self.is_virtuoso:
            if not self.update_url:
                self.update_url = base + "/sparql-auth" if self.user else self.query_url
            if not self.graph_store_url:
                suffix = "/sparql-graph-crud-auth" if self.user else "/sparql-graph-crud"
                self.graph_store_url = base + suffix
        elif not self.update_url:
            self.update_url = self.query_url
        if self.user and self.auth == "digest":
            self._opener = self._build_opener()  # register the discovered URLs' hosts

    def update(self, text: str) -> None:
        """Run a SPARQL 1.1 update on the update endpoint."""
        if not self.update_url:
            self._discover()
        assert self.update_url is not None
        form = query_form(text)
        wrapper = self._wrapper(self.update_url, text, form)
        with self._errors("update", self.update_url):
            for name, value in self._authorization(self.update_url, "POST").items():
                wrapper.addCustomHttpHeader(name, value)
            response = wrapper.query().response
            response.read()
            self._note_server(response.headers)

    def put_graph(self, graph: str, data: bytes, *, progress: Progress | None = None) -> None:
        """Replace ``graph`` with N-Triples ``data`` (SPARQL 1.1 Graph Store Protocol PUT)."""
        if not self.graph_store_url:
            self._discover()
        if not self.graph_store_url:
            raise RemoteError(
                f"no Graph Store endpoint is known for {self.query_url}",
                hint="give --graph-store URL, or push with --method insert-data",
            )
        iri = validate_iri(graph, what="graph")
        separator = "&" if "?" in self.graph_store_url else "?"
        url = f"{self.graph_store_url}{separator}{urllib.parse.urlencode({'graph': iri})}"
        with self._errors("upload", self.graph_store_url):
            request = urllib.request.Request(
                url,
                data=_RestartableBody(data, progress),  # type: ignore[arg-type]
                method="PUT",
                headers={
                    "Content-Type": "application/n-triples",
                    "Content-Length": str(len(data)),
                    **self._authorization(url, "PUT"),
                },
            )
            with self._opener.open(request, timeout=self.timeout) as response:
                response.read()
                self._note_server(response.headers)


def _is_valid_iri(iri: str) -> bool:
    try:
        validate_iri(iri)
    except InputError:
        return False
    return True


def _json_to_term(binding: dict[str, str] | None) -> rdflib.term.Node | None:
    """A SPARQL JSON term (1.1, or Virtuoso's 1.0 ``typed-literal``) as an rdflib term."""
    if binding is None:
        return None
    kind = binding.get("type")
    value = binding.get("value", "")
    if kind == "uri":
        return rdflib.URIRef(value)
    if kind == "bnode":
        return rdflib.BNode(value)
    if kind in ("literal", "typed-literal"):
        language = binding.get("xml:lang")
        if language:
            return rdflib.Literal(value, lang=language)
        datatype = binding.get("datatype")
        if datatype and datatype != XSD_STRING:
            return rdflib.Literal(value, datatype=rdflib.URIRef(datatype), normalize=False)
        return rdflib.Literal(value)
    raise RemoteError(f"unknown term type {kind!r} in the SPARQL JSON answer")


def _apply_limit(result: QueryResult, limit: int | None) -> QueryResult:
    if limit is None:
        return result
    result.limit = limit
    if result.kind == "select" and len(result.rows) > limit:
        result.rows = result.rows[:limit]
        result.truncated = True
    elif result.kind == "construct" and result.graph is not None and len(result.graph) > limit:
        kept = rdflib.Graph()
        for count, triple in enumerate(result.graph):
            if count >= limit:
                break
            kept.add(triple)
        result.graph, result.truncated = kept, True
    return result


def run_sparql_remote(
    text: str,
    endpoint: RemoteEndpoint,
    *,
    limit: int | None = None,
    with_labels: bool = False,
) -> QueryResult:
    """Run an ad-hoc query on a remote endpoint (the remote twin of ``run_sparql``)."""
    result = endpoint.query(text, limit=limit)
    if with_labels and result.kind == "select":
        iris = {str(t) for row in result.rows for t in row if isinstance(t, rdflib.URIRef)}
        result.labels = endpoint.labels(iris)
    return result


def run_saved_query_remote(
    name: str,
    endpoint: RemoteEndpoint,
    *,
    params: Mapping[str, str] | None = None,
    limit: int | None = None,
    with_labels: bool = True,
) -> QueryResult:
    """Run a saved question on a remote endpoint, its parameters bound as RDF terms.

    Drug names resolve against the endpoint's labels and synonyms (the same lookup
    as on the embedded store, run remotely), so no local store is needed.
    """
    from retinoid_ld.saved_queries import bind_parameters, get_saved_query

    saved = get_saved_query(name)
    bindings = bind_parameters(RemoteStoreView(endpoint), saved, params)  # type: ignore[arg-type]
    result = endpoint.query(saved.text, substitutions=bindings, limit=limit)
    if with_labels and result.kind == "select":
        iris = {str(t) for row in result.rows for t in row if isinstance(t, rdflib.URIRef)}
        result.labels = endpoint.labels(iris)
    return result


# -- push ------------------------------------------------------------------------


@dataclass(frozen=True)
class PushResult:
    """What a push did: the graph replaced, the triples verified there, and how."""

    endpoint: str
    graph: str
    triples: int
    method: str
    seconds: float


def store_triples(store: str | object | None = None) -> list[ox.Triple]:
    """The distinct triples of the built store's graphs (ontology, imports, data, metadata)."""
    oxstore = open_store(store)  # type: ignore[arg-type]
    triples = {
        ox.Triple(q.subject, q.predicate, q.object)
        for graph in GRAPHS
        for q in oxstore.quads_for_pattern(None, None, None, ox.NamedNode(graph))
    }
    return sorted(triples, key=str)


def _bnode_groups(triples: list[ox.Triple]) -> list[list[ox.Triple]]:
    """Triples grouped so that all triples sharing a blank node stay together.

    A blank node label means one node only within one request, so a chunk of
    ``INSERT DATA`` must hold every triple that mentions it.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for triple in triples:
        nodes = [t.value for t in (triple.subject, triple.object) if isinstance(t, ox.BlankNode)]
        for other in nodes[1:]:
            parent[find(other)] = find(nodes[0])
    groups: dict[str, list[ox.Triple]] = {}
    singles: list[list[ox.Triple]] = []
    for triple in triples:
        nodes = [t.value for t in (triple.subject, triple.object) if isinstance(t, ox.BlankNode)]
        if nodes:
            groups.setdefault(find(nodes[0]), []).append(triple)
        else:
            singles.append([triple])
    return singles + list(groups.values())


def insert_data_chunks(
    triples: list[ox.Triple], *, size: int, blank_node_size: int = 100
) -> list[tuple[str, bool]]:
    """N-Triples chunks for INSERT updates, each with whether it holds blank nodes.

    Triples without blank nodes come in chunks of ``size``. Triples with blank nodes
    are kept whole per connected group (a label names one node only within one
    request) in chunks of about ``blank_node_size``: they need the template form of
    INSERT, which Virtuoso compiles to much longer SQL (it stops at 10,000 lines).
    """
    plain: list[ox.Triple] = []
    groups: list[list[ox.Triple]] = []
    for group in _bnode_groups(triples):
        if any(
            isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in group
        ):
            groups.append(group)
        else:
            plain.extend(group)
    chunks: list[tuple[list[ox.Triple], bool]] = [
        (plain[start : start + size], False) for start in range(0, len(plain), size)
    ]
    current: list[ox.Triple] = []
    for group in groups:
        if current and len(current) + len(group) > blank_node_size:
            chunks.append((current, True))
            current = []
        current.extend(group)
    if current:
        chunks.append((current, True))
    return [
        (ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES).decode("utf-8"), blank)
        for chunk, blank in chunks
    ]


def insert_update(graph: str, ntriples: str, *, has_blank_nodes: bool) -> str:
    """The update adding ``ntriples`` to ``graph``.

    ``INSERT DATA`` where possible; with blank nodes the equivalent
    ``INSERT { ... } WHERE {}`` (one solution, so each label is one fresh node),
    because Virtuoso refuses blank nodes in ``INSERT DATA`` (SP031).
    """
    iri = validate_iri(graph, what="graph")
    if has_blank_nodes:
        return f"INSERT {{ GRAPH <{iri}> {{\n{ntriples}}} }} WHERE {{ }}"
    return f"INSERT DATA {{ GRAPH <{iri}> {{\n{ntriples}}} }}"


def recovery_advice(endpoint: RemoteEndpoint, graph: str) -> str:
    """What to do after a push stopped before its end (printed on failure or Ctrl-C)."""
    temporary = upload_graph_for(graph)
    return (
        f"<{graph}> keeps its previous content unless the final MOVE ran (then it holds the "
        f"new one); run the same 'retinoid-ld push' again to finish. A partial upload may "
        f"remain in <{temporary}>: the next push replaces it, or remove it with the update "
        f"'DROP SILENT GRAPH <{temporary}>' on {endpoint.update_url or endpoint.query_url}"
    )


def _upload(
    endpoint: RemoteEndpoint,
    triples: list[ox.Triple],
    temporary: str,
    *,
    method: str,
    chunk_size: int,
    say: Progress,
) -> str:
    """Replace ``temporary`` with ``triples``; returns the method used."""
    if method in ("auto", "graph-store") and endpoint.graph_store_url:
        data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        try:
            endpoint.put_graph(temporary, data, progress=say)
            return "graph-store"
        except RemoteError as error:
            unsupported = any(f"HTTP {code}" in error.message for code in (404, 405, 415, 501))
            if method == "graph-store" or not unsupported:
                raise
            say(f"the Graph Store upload was not accepted ({error.message}); using INSERT DATA")
    elif method == "graph-store":
        raise RemoteError(
            f"no Graph Store endpoint is known for {endpoint.query_url}",
            hint="give --graph-store URL, or use --method insert-data",
        )
    endpoint.update(f"DROP SILENT GRAPH <{temporary}>")
    chunks = insert_data_chunks(triples, size=chunk_size)
    for number, (chunk, has_blank_nodes) in enumerate(chunks, start=1):
        endpoint.update(insert_update(temporary, chunk, has_blank_nodes=has_blank_nodes))
        say(f"inserted chunk {number} of {len(chunks)}")
    return "insert-data"


def push_store(
    store: str | object | None,
    endpoint: RemoteEndpoint,
    *,
    graph: str = DEFAULT_GRAPH,
    method: str = "auto",
    chunk_size: int = 500,
    progress: Progress | None = None,
) -> PushResult:
    """Replace ``graph`` on ``endpoint`` with the built store's triples, then verify the count.

    The triples are uploaded into ``upload_graph_for(graph)`` (Graph Store PUT, or
    ``DROP SILENT GRAPH`` then chunked ``INSERT DATA``), counted there, and moved
    onto ``graph`` with one ``MOVE`` update, which Oxigraph applies as a single
    transaction. An interrupted push therefore leaves ``graph`` as it was (at worst
    a leftover temporary graph, which the next push replaces; see
    :func:`recovery_advice`); a second push of the same store gives the same graph.
    Two pushes to one graph at the same time are not supported: the counts before
    and after the ``MOVE`` detect the interference and the push fails.
    """
    if method not in PUSH_METHODS:
        raise InputError(f"--method {method!r}: use one of {', '.join(PUSH_METHODS)}")
    if chunk_size < 1:
        raise InputError("chunk size must be at least 1")
    target = validate_iri(graph, what="graph")
    temporary = upload_graph_for(target)
    say = progress or (lambda _message: None)
    started = time.monotonic()
    triples = store_triples(store)
    expected = len(triples)
    endpoint._discover()
    say(f"pushing {expected} triples to <{target}> at {endpoint.query_url}")

    # A request the server received from an interrupted earlier push may still be
    # writing into the temporary graph; the count shows it, and one retry outlasts it.
    for attempt in (1, 2):
        try:
            used = _upload(
                endpoint, triples, temporary, method=method, chunk_size=chunk_size, say=say
            )
        except RemoteError as error:
            raise RemoteError(
                f"{error.message}; <{target}> was not changed",
                hint=f"{error.hint}. Afterwards: {recovery_advice(endpoint, target)}",
            ) from None
        uploaded = endpoint.count_triples(temporary)
        if uploaded == expected:
            break
        if attempt == 1:
            say(f"the upload holds {uploaded} triples, not {expected}; uploading again")
            time.sleep(1)
    else:
        with contextlib.suppress(RemoteError):
            endpoint.update(f"DROP SILENT GRAPH <{temporary}>")
        raise RemoteError(
            f"the upload holds {uploaded} triples, not the {expected} pushed; "
            f"<{target}> was not changed",
            hint="the server may merge or drop some literals, or another push to the same "
            "graph ran at the same time; look at the server's log and push again",
        )
    say(f"replacing <{target}> with the {expected} uploaded triples")
    try:
        endpoint.update(f"MOVE GRAPH <{temporary}> TO GRAPH <{target}>")
    except RemoteError as error:
        raise RemoteError(
            f"replacing <{target}> failed: {error.message}",
            hint=recovery_advice(endpoint, target),
        ) from None
    stored = endpoint.count_triples(target)
    if stored != expected:
        raise RemoteError(
            f"after the push <{target}> holds {stored} triples, not {expected}",
            hint="another client wrote to the graph at the same time; push again "
            "(and do not run two pushes to one graph at once)",
        )
    return PushResult(
        endpoint=endpoint.query_url,
        graph=target,
        triples=expected,
        method=used,
        seconds=time.monotonic() - started,
    )
