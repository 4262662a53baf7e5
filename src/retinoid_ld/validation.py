"""Validate curated data against the SHACL shapes, with reports written for curators.

The shapes in ``shapes/`` are the contract. Data is validated together with the
ontology and the import modules, so that class constraints follow the subclass
hierarchy (a drug is under CHEBI:24431, a cell type under CL:0000000): SHACL's own
``rdf:type/rdfs:subClassOf*`` semantics plus the shapes' ``rdfs:subClassOf*`` paths
over the ontology graph give the RDFS subclass reasoning. Full RDFS entailment is
deliberately not run: it would also type nodes from ``rdfs:domain``/``rdfs:range``
(any node with ``rld:comparison`` would become a finding), hiding the very
mistakes the shapes exist to catch, and it does not scale.

Two engines give the same results (a test proves it):

* ``sparql`` (default): the shapes compiled to SPARQL (:mod:`retinoid_ld.shacl_sparql`)
  and evaluated by Oxigraph, in memory for files, or on a built store;
* ``pyshacl``: the reference implementation, over an rdflib graph made from the same
  Oxigraph store (so both engines see identical literals). The ontology and imports
  are part of that graph rather than passed as pySHACL's ``ont_graph``: pySHACL
  "inoculates" an ``ont_graph`` by copying only its RDFS/OWL axioms, so a project
  term declared in the ontology (``rld:foxo1 a owl:Class, rld:ProjectTerm`` with
  ``rld:missingMapping``) would lose its type and mapping and look undeclared. The
  union is also exactly what the store holds and what the SPARQL engine sees.

Messages in the shapes may use ``{$this}``, ``{?value}`` and ``{$path}``; they are
filled in with CURIEs for both engines, so a report reads "finding rld:finding-x
has no drug", not "minCount 1".
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import re
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, XSD

from retinoid_ld import resources
from retinoid_ld.errors import InputError
from retinoid_ld.locations import Locator
from retinoid_ld.namespaces import (
    GRAPH_DATA,
    GRAPH_IMPORTS,
    GRAPH_ONTOLOGY,
    PREFIXES,
    curie,
)
from retinoid_ld.rdfio import (
    bulk_load_file,
    load_quads,
    parse_quads,
    rdflib_graph,
    to_rdflib_term,
)
from retinoid_ld.shacl_sparql import (
    SH,
    CompiledConstraint,
    ShapeCompiler,
    UnsupportedShapeError,
    compile_shapes,
    evaluate,
)

ENGINES = ("sparql", "pyshacl")
# Data files at least this large (in total) are validated in a temporary on-disk store.
LARGE_INPUT_BYTES = 64 * 1024 * 1024
DEFAULT_ENGINE = "sparql"
SHAPES_NAMESPACE = "https://w3id.org/retinoid-ld/shapes/"
SEVERITIES = ("Violation", "Warning", "Info")

# Prefixes used to display shapes and constraint components, beyond the project's.
DISPLAY_PREFIXES = {"rldsh": SHAPES_NAMESPACE, "sh": str(SH)}


@dataclass(frozen=True)
class ValidationResult:
    """One problem: which node, which property, which value, what is wrong, and where.

    Terms are shown as CURIEs (``rld:finding-x``, ``CHEBI:6067``), blank nodes as
    ``_:id``, literals in Turtle form (``"-5"^^xsd:integer``), paths as SPARQL
    property paths (``rld:drug/rdfs:subClassOf*``).
    """

    focus: str
    path: str
    value: str
    message: str
    severity: str
    constraint: str
    shape: str
    source: str = ""
    name: str = ""
    file: str = ""
    line: int | None = None
    source_constraint: str = ""
    hint: str = ""

    def key(self) -> tuple[str, str, str, str, str, str, str]:
        """What identifies a result, for comparing engines and runs."""
        return (
            self.focus,
            self.path,
            self.value,
            self.constraint,
            self.severity,
            self.shape,
            self.source_constraint,
        )


@dataclass
class ValidationReport:
    """The outcome of a validation run."""

    conforms: bool
    results: list[ValidationResult] = field(default_factory=list)
    engine: str = DEFAULT_ENGINE
    labels: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    # Builds the SHACL report graph on first use: a large run's text report never needs
    # it, and building it costs as much as the validation itself.
    _graph_factory: Callable[[], rdflib.Graph] | None = field(default=None, repr=False)
    _graph: rdflib.Graph | None = field(default=None, repr=False)

    @property
    def graph(self) -> rdflib.Graph | None:
        """The report as a W3C SHACL validation report graph (sh:ValidationReport)."""
        if self._graph is None and self._graph_factory is not None:
            self._graph = self._graph_factory()
            self._graph_factory = None
        return self._graph

    @property
    def violation_count(self) -> int:
        return sum(1 for r in self.results if r.severity == "Violation")

    @property
    def warning_count(self) -> int:
        return sum(1 for r in self.results if r.severity == "Warning")

    @property
    def info_count(self) -> int:
        return sum(1 for r in self.results if r.severity == "Info")

    def by_focus(self) -> dict[str, list[ValidationResult]]:
        """Results grouped by focus node, in file and line order."""
        groups: dict[str, list[ValidationResult]] = {}
        for result in self.results:
            groups.setdefault(result.focus, []).append(result)
        return groups


# ---------------------------------------------------------------------------
# Shapes
# ---------------------------------------------------------------------------


_SHAPES: dict[tuple, rdflib.Graph] = {}


def load_shapes(paths: Iterable[str | os.PathLike[str]] | None = None) -> rdflib.Graph:
    """The shapes graph (default: the shipped ``shapes/*.ttl``), with located parse errors.

    The graph is cached while the files are unchanged (so is its SPARQL form); treat
    it as read-only.
    """
    files = [Path(p) for p in paths] if paths is not None else resources.shapes_files()
    if not files:
        raise InputError(
            f"no shapes found in {resources.shapes_dir()}",
            hint="restore shapes/*.ttl or pass shapes files",
        )
    try:
        signature = tuple((str(f.resolve()), f.stat().st_mtime_ns, f.stat().st_size) for f in files)
    except OSError:
        signature = None  # let the parser report the missing file
    if signature is not None and signature in _SHAPES:
        return _SHAPES[signature]
    graph = rdflib_graph(files)
    for prefix, namespace in {**PREFIXES, **DISPLAY_PREFIXES}.items():
        graph.bind(prefix, namespace, override=True)
    if signature is not None:
        _SHAPES.clear()
        _SHAPES[signature] = graph
    return graph


def _coerce_shapes(shapes: rdflib.Graph | Iterable[str | os.PathLike[str]] | None) -> rdflib.Graph:
    if isinstance(shapes, rdflib.Graph):
        return shapes
    return load_shapes(shapes)


_COMPILED: dict[int, tuple[rdflib.Graph, list[CompiledConstraint]]] = {}


def compiled_shapes(shapes_graph: rdflib.Graph) -> list[CompiledConstraint]:
    """The SPARQL form of a shapes graph (cached per graph object)."""
    cached = _COMPILED.get(id(shapes_graph))
    if cached is not None and cached[0] is shapes_graph:
        return cached[1]
    try:
        compiled = compile_shapes(shapes_graph)
    except UnsupportedShapeError as error:
        raise InputError(
            f"the shapes cannot be compiled to SPARQL: {error}",
            hint="use --engine pyshacl, or rewrite the shape with supported SHACL",
        ) from error
    empty = ox.Store()
    for constraint in compiled:
        try:  # parse each query once, so a broken sh:select is reported by its shape
            empty.query(constraint.query)
        except SyntaxError as error:
            where = display(constraint.source_constraint or constraint.shape)
            raise InputError(
                f"the SPARQL of shape {display(constraint.shape)} ({where}) cannot be parsed: "
                f"{error}",
                hint="declare every prefix it uses through sh:prefixes, and check its syntax",
            ) from error
    if len(_COMPILED) > 8:
        _COMPILED.clear()
    _COMPILED[id(shapes_graph)] = (shapes_graph, compiled)
    return compiled


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


def load_validation_store(
    data_files: Iterable[str | os.PathLike[str]], *, directory: str | os.PathLike[str] | None = None
) -> ox.Store:
    """A store with the ontology, imports and data in their named graphs.

    In memory, or on disk in ``directory`` (an empty or new directory) for large inputs,
    where the data is parsed natively by the bulk loader, as ``build`` loads it.
    """
    store = ox.Store(str(directory)) if directory is not None else ox.Store()
    store.bulk_extend(load_quads([resources.edit_file()], graph=GRAPH_ONTOLOGY))
    store.bulk_extend(load_quads(resources.import_files(), graph=GRAPH_IMPORTS))
    for path in map(Path, data_files):  # streamed: a large data file is never held as a list
        if directory is None:
            store.bulk_extend(parse_quads(path, graph=GRAPH_DATA))
        else:
            bulk_load_file(store, path, graph=GRAPH_DATA)
    return store


_PREPARED_QUERIES: dict[tuple, object] = {}


class _PreparedQueryGraph(rdflib.Graph):
    """An rdflib graph that parses each SPARQL query text once per process.

    pySHACL runs a SHACL-SPARQL constraint once per focus node, passing the query
    as text, and rdflib parses the text again on every call (about 0.3 s for the
    larger constraints of the shapes); parsing, not evaluation, then dominates.
    Reusing the parsed query changes no result.
    """

    def query(self, query_object, *args, **kwargs):  # type: ignore[override]
        if isinstance(query_object, str):
            namespaces = kwargs.get("initNs") or dict(self.namespaces())
            key = (query_object, kwargs.get("base"), frozenset(namespaces.items()))
            prepared = _PREPARED_QUERIES.get(key)
            if prepared is None:
                from rdflib.plugins.sparql import prepareQuery

                if len(_PREPARED_QUERIES) > 256:
                    _PREPARED_QUERIES.clear()
                prepared = prepareQuery(query_object, initNs=namespaces, base=kwargs.get("base"))
                _PREPARED_QUERIES[key] = prepared
            query_object = prepared
        return super().query(query_object, *args, **kwargs)


@contextlib.contextmanager
def _quiet_ill_typed_literals() -> Iterator[None]:
    """Silence rdflib's traceback log for each ill-typed literal ("many"^^xsd:integer).

    The shapes report such literals properly; the log would only bury the report.
    """
    log = logging.getLogger("rdflib.term")
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        log.setLevel(level)


def _rdflib_from_store(store: ox.Store, graphs: Iterable[str] | None) -> rdflib.Graph:
    graph = _PreparedQueryGraph()
    if graphs is None:
        quads = store.quads_for_pattern(None, None, None)
    else:
        quads = (
            q
            for name in graphs
            for q in store.quads_for_pattern(None, None, None, ox.NamedNode(name))
        )
    for quad in quads:
        graph.add(
            (
                to_rdflib_term(quad.subject),
                to_rdflib_term(quad.predicate),
                to_rdflib_term(quad.object),
            )
        )
    return graph


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def validate(
    data_files: Iterable[str | os.PathLike[str]] | None = None,
    *,
    engine: str = DEFAULT_ENGINE,
    shapes: rdflib.Graph | Iterable[str | os.PathLike[str]] | None = None,
) -> ValidationReport:
    """Validate data files (default: the shipped data) together with ontology and imports.

    Raises InputError (exit 2) when a file or the shapes cannot be read; a report
    with ``conforms=False`` is returned when the data breaks the shapes.
    """
    files = [Path(p) for p in data_files] if data_files is not None else resources.data_files()
    shapes_graph = _coerce_shapes(shapes)
    if sum(path.stat().st_size for path in files if path.is_file()) < LARGE_INPUT_BYTES:
        store = load_validation_store(files)
        return _validate(store, shapes_graph, engine, Locator(files, store))
    # Large inputs on disk: pyoxigraph's in-memory store slows down badly at tens of
    # millions of triples (a million findings, 1.3 GB of Turtle: 10 GiB and unfinished
    # after 35 minutes; the build's gate validated as much on disk in 6.5 minutes).
    with tempfile.TemporaryDirectory(prefix="retinoid-ld-validate-") as directory:
        try:
            store = load_validation_store(files, directory=Path(directory) / "store")
            return _validate(store, shapes_graph, engine, Locator(files, store))
        except BaseException as error:
            # RocksDB writes its files when the store is dropped: the frames the error
            # passed through must let go of it before its directory is removed.
            traceback.clear_frames(error.__traceback__)
            raise
        finally:
            store = None  # closes the database before its directory is removed


def validate_store(
    store: ox.Store,
    *,
    shapes: rdflib.Graph | Iterable[str | os.PathLike[str]] | None = None,
    engine: str = DEFAULT_ENGINE,
    located_in: Iterable[str | os.PathLike[str]] | None = None,
) -> ValidationReport:
    """Validate everything in a store (all graphs together), e.g. a built or generated one.

    The store must already hold the ontology and import modules next to the data
    (a built store does). ``located_in`` names the files the data was loaded from, so
    that results carry their file and line as when validating the files; without it
    no file locations are reported.
    """
    locator = Locator([Path(p) for p in located_in], store) if located_in is not None else None
    return _validate(store, _coerce_shapes(shapes), engine, locator)


def _validate(
    store: ox.Store, shapes_graph: rdflib.Graph, engine: str, locator: Locator | None
) -> ValidationReport:
    _check_engine(engine)
    started = time.perf_counter()
    with _quiet_ill_typed_literals():
        if engine == "pyshacl":
            raw = _run_pyshacl(_rdflib_from_store(store, None), shapes_graph)
        else:
            raw = _run_sparql(store, shapes_graph)
        report = _build_report(raw, shapes_graph, store, engine, locator)
    report.seconds = time.perf_counter() - started
    return report


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise InputError(
            f"unknown validation engine {engine!r}", hint=f"use one of {', '.join(ENGINES)}"
        )


# ---------------------------------------------------------------------------
# Engines: both produce _Raw tuples of rdflib terms
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Raw:
    focus: rdflib.term.Node
    path: rdflib.term.Node | None
    path_graph: rdflib.Graph | None  # where a blank-node path's structure is
    value: rdflib.term.Node | None
    component: rdflib.term.Node
    severity: rdflib.term.Node
    shape: rdflib.term.Node
    source_constraint: rdflib.term.Node | None
    messages: tuple[str, ...]


def _run_sparql(store: ox.Store, shapes_graph: rdflib.Graph) -> list[_Raw]:
    raw = []
    for result in evaluate(store, compiled_shapes(shapes_graph)):
        constraint = result.constraint
        messages = tuple(str(m) for m in constraint.messages)
        if constraint.component == SH.SPARQLConstraintComponent:
            # As pySHACL does: {?var} and {$var} filled with every bound variable.
            variables = {**result.bindings, "this": result.focus}
            if result.value is not None:
                variables["value"] = result.value
            if result.path is not None and not isinstance(result.path, rdflib.BNode):
                variables["path"] = result.path
            messages = tuple(_substitute(m, variables) for m in messages)
        raw.append(
            _Raw(
                focus=result.focus,
                path=result.path,
                path_graph=shapes_graph,
                value=result.value,
                component=constraint.component,
                severity=constraint.severity,
                shape=constraint.shape,
                source_constraint=constraint.source_constraint,
                messages=messages,
            )
        )
    return raw


def _substitute(message: str, variables: dict[str, rdflib.term.Node]) -> str:
    for name, term in variables.items():
        message = re.sub(r"\{[?$]" + re.escape(name) + r"\}", lambda _m, t=term: str(t), message)
    return message


def _run_pyshacl(data: rdflib.Graph, shapes_graph: rdflib.Graph) -> list[_Raw]:
    import pyshacl  # imported here: it is slow to import and only the reference engine

    try:
        _conforms, report_graph, _text = pyshacl.validate(
            data,
            shacl_graph=shapes_graph,
            inference="none",
            advanced=False,
            allow_warnings=True,
            allow_infos=True,
        )
    except Exception as error:  # pySHACL raises its own types for unusable shapes
        raise InputError(
            f"pySHACL cannot use the shapes: {type(error).__name__}: {error}",
            hint="check the shapes files (see shapes/README.md)",
        ) from error
    if not isinstance(report_graph, rdflib.Graph):
        # pySHACL returns (not raises) a ValidationFailure for an ill-formed shape,
        # e.g. a SPARQL constraint with MINUS; its text is the third element.
        raise InputError(
            f"pySHACL cannot use the shapes: {_text.strip()}",
            hint="check the shapes files (see shapes/README.md)",
        )
    raw = []
    # Only top-level results: those pySHACL nests under sh:detail (for sh:node) are
    # typed sh:ValidationResult too, but they explain a result rather than add one.
    results = [
        result
        for report in report_graph.subjects(RDF.type, SH.ValidationReport)
        for result in report_graph.objects(report, SH.result)
    ]
    for result in results:
        value = report_graph.value(result, SH.value)
        raw.append(
            _Raw(
                focus=report_graph.value(result, SH.focusNode),
                path=report_graph.value(result, SH.resultPath),
                path_graph=report_graph,
                value=value,
                component=report_graph.value(result, SH.sourceConstraintComponent),
                severity=report_graph.value(result, SH.resultSeverity) or SH.Violation,
                shape=report_graph.value(result, SH.sourceShape),
                source_constraint=report_graph.value(result, SH.sourceConstraint),
                messages=tuple(str(m) for m in report_graph.objects(result, SH.resultMessage)),
            )
        )
    return raw


# ---------------------------------------------------------------------------
# Turning raw results into a report
# ---------------------------------------------------------------------------


def compact(iri: str) -> str:
    """A CURIE for an IRI where the project knows the prefix, else the IRI in angle brackets."""
    short = curie(iri)
    if short != iri:
        return short
    for prefix, namespace in DISPLAY_PREFIXES.items():
        if iri.startswith(namespace) and "/" not in iri[len(namespace) :]:
            return f"{prefix}:{iri[len(namespace) :]}"
    return f"<{iri}>"


def display(term: rdflib.term.Node | None) -> str:
    """A term as a report shows it."""
    if term is None:
        return ""
    if isinstance(term, rdflib.URIRef):
        return compact(str(term))
    if isinstance(term, rdflib.BNode):
        return f"_:{term}"
    if isinstance(term, rdflib.Literal):
        text = str(term).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        if term.language:
            return f'"{text}"@{term.language}'
        if term.datatype and term.datatype != XSD.string:
            return f'"{text}"^^{compact(str(term.datatype))}'
        return f'"{text}"'
    return str(term)


def _message_term(term: rdflib.term.Node | None) -> str:
    """A term inside a message: CURIE, or a literal's text (quoted unless a number)."""
    if term is None:
        return ""
    if isinstance(term, rdflib.Literal):
        if term.datatype in (
            XSD.integer,
            XSD.decimal,
            XSD.double,
            XSD.float,
            XSD.gYear,
            XSD.boolean,
        ):
            return str(term)
        return f'"{term}"'
    return display(term)


IRI_IN_TEXT = re.compile(r"https?://[^\s\"<>{}]+")


def _split_iri(text: str) -> tuple[str, str]:
    """An IRI found in prose, and the punctuation that followed it."""
    trailing = ""
    while text and text[-1] in ".,;:!?)'":
        trailing = text[-1] + trailing
        text = text[:-1]
    return text, trailing


def render_message(
    message: str,
    focus: rdflib.term.Node,
    value: rdflib.term.Node | None,
    path: str,
    *,
    keep: Iterable[str] = (),
) -> str:
    """Fill ``{$this}``, ``{?value}`` and ``{$path}``, and shorten IRIs to CURIEs.

    SHACL-SPARQL messages arrive with variables already replaced by full IRIs (as
    pySHACL does it); those are shortened, but IRIs written in the shape's own
    message (``keep``) are left as the shape author wrote them.
    """
    kept = set(keep)

    def shorten(match: re.Match[str]) -> str:
        iri, trailing = _split_iri(match.group(0))
        if iri in kept:
            return match.group(0)
        short = compact(iri)
        return (iri if short.startswith("<") else short) + trailing

    text = IRI_IN_TEXT.sub(shorten, message)
    text = re.sub(r"\{[?$]this\}", lambda _m: _message_term(focus), text)
    text = re.sub(r"\{[?$]value\}", lambda _m: _message_term(value), text)
    text = re.sub(r"\{[?$]path\}", lambda _m: path, text)
    return text


def path_text(graph: rdflib.Graph | None, path: rdflib.term.Node | None) -> str:
    """A SHACL path as a SPARQL property path with CURIEs (``rld:drug/rdfs:subClassOf*``)."""
    if path is None:
        return ""
    if isinstance(path, rdflib.URIRef):
        return compact(str(path))
    if graph is None:
        return display(path)
    if (path, RDF.first, None) in graph:
        return "/".join(_path_part(graph, p) for p in Collection(graph, path))
    for predicate, template in (
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "{}*"),
        (SH.oneOrMorePath, "{}+"),
        (SH.zeroOrOnePath, "{}?"),
    ):
        inner = graph.value(path, predicate)
        if inner is not None:
            return template.format(_path_part(graph, inner))
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "|".join(_path_part(graph, p) for p in Collection(graph, alternatives))
    return display(path)


def _path_part(graph: rdflib.Graph, path: rdflib.term.Node) -> str:
    text = path_text(graph, path)
    return text if isinstance(path, rdflib.URIRef) else f"({text})"


def _build_report(
    raw: list[_Raw],
    shapes_graph: rdflib.Graph,
    store: ox.Store,
    engine: str,
    locator: Locator | None,
) -> ValidationReport:
    results: dict[tuple, ValidationResult] = {}
    located: dict[rdflib.term.Node, tuple[str, int | None]] = {}
    for item in raw:
        path = path_text(item.path_graph, item.path)
        severity = str(item.severity).rsplit("#", 1)[-1]
        templates = [
            str(m)
            for node in (item.source_constraint, item.shape)
            if node is not None
            for m in shapes_graph.objects(node, SH.message)
        ]
        keep = {_split_iri(i)[0] for t in templates for i in IRI_IN_TEXT.findall(t)}
        message = " ".join(
            render_message(m, item.focus, item.value, path, keep=keep)
            for m in sorted(set(item.messages))
        )
        name = shapes_graph.value(item.shape, SH.name) if item.shape is not None else None
        if name is None and item.path is not None and isinstance(item.path, rdflib.URIRef):
            name = store_label(store, item.path)
        file, line = "", None
        if locator is not None:
            if item.focus not in located:
                location = locator.locate(item.focus)
                located[item.focus] = (
                    (_display_path(location.file), location.line) if location else ("", None)
                )
            file, line = located[item.focus]
        result = ValidationResult(
            focus=display(item.focus),
            path=path,
            value=display(item.value),
            message=message,
            severity=severity,
            constraint=compact(str(item.component)),
            shape=display(item.shape),
            source=f"{file}:{line}" if file and line else file,
            name=str(name) if name is not None else "",
            file=file,
            line=line,
            source_constraint=display(item.source_constraint),
        )
        if result.shape.endswith("-declared") and result.value:
            result = dataclasses.replace(result, hint=term_hint(result.value))
        results.setdefault(result.key(), result)
    ordered = sorted(
        results.values(),
        key=lambda r: (
            r.file or "\uffff",
            r.line or 0,
            r.focus,
            SEVERITIES.index(r.severity) if r.severity in SEVERITIES else 9,
            r.path,
            r.shape,
            r.value,
        ),
    )
    labels = _labels(store, raw)
    report = ValidationReport(
        conforms=not any(r.severity == "Violation" for r in ordered),
        results=ordered,
        engine=engine,
        labels=labels,
    )
    report._graph_factory = lambda: report_graph(report, raw, shapes_graph)
    return report


_TERM_TABLES: list[object] = []


def term_hint(value: str) -> str:
    """What the OBO term tables say about an undeclared term, when they are at hand.

    The import modules hold only verified terms, so an undeclared OBO term is made up,
    obsolete, or real but not imported yet; the tables tell which, and the fix differs.
    Without the tables (an installed package), there is no hint.
    """
    prefix, sep, local = value.partition(":")
    if not sep or not local or value.startswith(("rld:", "<", '"', "_:")):
        return ""
    from retinoid_ld.imports import TermTables

    if not _TERM_TABLES:
        _TERM_TABLES.append(TermTables())
    tables = _TERM_TABLES[0]
    try:
        if not tables.available() or not tables.has_table(prefix):  # type: ignore[attr-defined]
            return ""
        term = tables.get(value)  # type: ignore[attr-defined]
        partial = tables.is_partial(prefix)  # type: ignore[attr-defined]
    except (OSError, ValueError, InputError):
        return ""
    if term is None:
        if partial:
            return (
                f"{value} is not in the {prefix} term table, which is partial: it cannot be "
                "verified, so mint a project term (rld:..., rld:missingMapping "
                f'"{prefix}") rather than use it'
            )
        return f"{value} does not exist in {prefix}: check the identifier in the source"
    if term.obsolete:
        replacement = f"; use {term.replaced_by} instead" if term.replaced_by else ""
        return f"{value} ({term.label}) is obsolete in {prefix}{replacement}"
    return (
        f"{value} ({term.label}) exists in {prefix} but is not imported yet: add it to "
        f"ontology/imports/{prefix.lower()}_terms.txt and run 'retinoid-ld imports refresh'"
    )


def _display_path(path: Path) -> str:
    """A file path as given, or relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def store_label(store: ox.Store, term: rdflib.term.Node) -> str | None:
    if not isinstance(term, rdflib.URIRef):
        return None
    for quad in store.quads_for_pattern(
        ox.NamedNode(str(term)), ox.NamedNode(str(RDFS.label)), None
    ):
        return quad.object.value
    return None


def _labels(store: ox.Store, raw: list[_Raw]) -> dict[str, str]:
    labels = {}
    for item in raw:
        for term in (item.focus, item.value):
            if isinstance(term, rdflib.URIRef) and display(term) not in labels:
                label = store_label(store, term)
                if label:
                    labels[display(term)] = label
    return labels


def report_graph(
    report: ValidationReport, raw: list[_Raw], shapes_graph: rdflib.Graph
) -> rdflib.Graph:
    """The standard SHACL validation report (sh:ValidationReport) of the results."""
    graph = rdflib.Graph()
    for prefix, namespace in {**PREFIXES, **DISPLAY_PREFIXES}.items():
        graph.bind(prefix, namespace, override=True)
    node = rdflib.BNode()
    graph.add((node, RDF.type, SH.ValidationReport))
    graph.add((node, SH.conforms, rdflib.Literal(report.conforms)))
    seen = set()
    by_key = {r.key(): r for r in report.results}
    for item in raw:
        path = path_text(item.path_graph, item.path)
        key = (
            display(item.focus),
            path,
            display(item.value),
            compact(str(item.component)),
            str(item.severity).rsplit("#", 1)[-1],
            display(item.shape),
            display(item.source_constraint),
        )
        if key in seen or key not in by_key:
            continue
        seen.add(key)
        result = rdflib.BNode()
        graph.add((node, SH.result, result))
        graph.add((result, RDF.type, SH.ValidationResult))
        graph.add((result, SH.focusNode, item.focus))
        if item.path is not None:
            graph.add((result, SH.resultPath, _copy(item.path_graph, item.path, graph)))
        if item.value is not None:
            graph.add((result, SH.value, item.value))
        graph.add((result, SH.resultSeverity, item.severity))
        graph.add((result, SH.sourceConstraintComponent, item.component))
        if item.shape is not None:
            graph.add((result, SH.sourceShape, _copy(shapes_graph, item.shape, graph, deep=False)))
        if item.source_constraint is not None:
            graph.add(
                (
                    result,
                    SH.sourceConstraint,
                    _copy(shapes_graph, item.source_constraint, graph, deep=False),
                )
            )
        graph.add((result, SH.resultMessage, rdflib.Literal(by_key[key].message)))
    return graph


def _copy(
    source: rdflib.Graph | None, node: rdflib.term.Node, target: rdflib.Graph, *, deep: bool = True
) -> rdflib.term.Node:
    """``node``, with the triples that describe it when it is a blank node (a path)."""
    if not isinstance(node, rdflib.BNode) or source is None or not deep:
        return node
    pending = [node]
    seen = set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        for predicate, obj in source.predicate_objects(current):
            target.add((current, predicate, obj))
            if isinstance(obj, rdflib.BNode):
                pending.append(obj)
    return node


__all__ = [
    "ENGINES",
    "ShapeCompiler",
    "ValidationReport",
    "ValidationResult",
    "compiled_shapes",
    "load_shapes",
    "load_validation_store",
    "render_message",
    "validate",
    "validate_store",
]
