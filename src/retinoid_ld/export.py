"""Export the store in the formats other knowledge graphs and tools load.

RDF formats (``turtle``, ``ntriples``, ``nquads``, ``jsonld``, ``rdfxml``) are lossless
(every statement of the store, as stored: Oxigraph keeps numbers in canonical form, so
``"1"^^xsd:positiveInteger`` in a source file is ``"1"^^xsd:integer`` in the store)
and deterministic: blank nodes get canonical labels (RDFC-1.0) and statements a fixed
order, so two exports of the same store are byte-identical and a diff between two
releases shows only what changed. ``--include`` selects the parts (ontology, imports,
data); the store's release metadata (build date, ontology version IRI, license,
source documents) is always exported with them. ``nquads`` keeps every part in its
named graph; the other RDF formats write the merged graph, each statement once.

Memory: ``ntriples`` and ``nquads`` stream in the store's index order (constant
memory). ``turtle``, ``rdfxml`` and ``jsonld`` are sorted by subject and hold the
sorted list of subject IRIs (about 100 bytes each), never the statements. Every format
holds the statements that mention blank nodes, to label them canonically. See
``rdfstream`` for the orders.

Other formats: ``owl`` (the merged ontology release, loadable by owlready2 and
Protégé; ``release`` builds it from the ontology files and the shipped data, not from
the store), ``kgx`` (Biolink KGX nodes and edges TSV), ``findings-tsv`` (one row per
finding) and ``sssom`` (the ontology's mapping set).

Files are written atomically: to a temporary file next to the target, renamed into
place only when complete. On a terminal a progress bar shows on stderr.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from retinoid_ld.errors import InputError, StoreError
from retinoid_ld.namespaces import GRAPH_DATA, RDF_TYPE
from retinoid_ld.prefixes import PrefixMap
from retinoid_ld.progress import ProgressBar, progress_bar
from retinoid_ld.rdfstream import (
    ALL_PART_GRAPHS,
    METADATA_PART,
    PART_GRAPHS,
    SubjectOrder,
    index_order_quads,
    union_triples,
)
from retinoid_ld.store import BUILD_INFO, version_in_use

DEFAULT_PARTS = tuple(PART_GRAPHS)


@dataclass(frozen=True)
class ExportFormat:
    """A format ``export`` writes: its name, file suffix and what it is for."""

    name: str
    suffix: str
    description: str
    rdf: bool = False


FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat("turtle", ".ttl", "Turtle, sorted, curated prefixes (diff-friendly)", True),
        ExportFormat("ntriples", ".nt", "N-Triples, merged graph, streamed", True),
        ExportFormat("nquads", ".nq", "N-Quads, every part in its named graph, streamed", True),
        ExportFormat("jsonld", ".jsonld", "JSON-LD compacted with ontology/context.jsonld", True),
        ExportFormat("rdfxml", ".rdf", "RDF/XML, merged graph", True),
        ExportFormat("owl", ".owl", "merged OWL release of the ontology files and shipped data"),
        ExportFormat("kgx", "", "KGX nodes.tsv and edges.tsv with Biolink categories"),
        ExportFormat("findings-tsv", ".tsv", "the findings table, one row per finding"),
        ExportFormat("sssom", ".sssom.tsv", "the SSSOM mapping set of the ontology"),
    )
}
EXPORT_FORMATS = tuple(FORMATS)
RDF_FORMATS = tuple(name for name, f in FORMATS.items() if f.rdf)
# N-Triples writes the (largest) data graph first: later graphs are checked against
# earlier ones to write each statement once, and the small graphs are cheap to check.
_NTRIPLES_FIRST = GRAPH_DATA


def parse_parts(include: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    """``ontology,imports,data`` (any order, any subset) to the parts in canonical order."""
    if include is None or include == "":
        return DEFAULT_PARTS
    names = [n.strip() for n in include.split(",")] if isinstance(include, str) else list(include)
    names = [n for n in names if n]
    unknown = [n for n in names if n not in PART_GRAPHS]
    if unknown or not names:
        raise InputError(
            f"--include: unknown part {', '.join(unknown) or '(empty)'}",
            hint=f"use a comma-separated list of {', '.join(PART_GRAPHS)}",
        )
    return tuple(p for p in PART_GRAPHS if p in names)


def selected_graphs(parts: tuple[str, ...]) -> list[str]:
    """The named graphs of the parts, in canonical order, with the metadata graph last."""
    return [PART_GRAPHS[p] for p in PART_GRAPHS if p in parts] + [ALL_PART_GRAPHS[METADATA_PART]]


def _expected_statements(version: Path, graphs: list[str]) -> int | None:
    """The statement count of the graphs from the build record, for the progress bar."""
    try:
        counts = json.loads((version / BUILD_INFO).read_text())["graphs"]
    except (OSError, ValueError, KeyError):
        return None
    return sum(int(counts.get(g, 0)) for g in graphs) or None


@contextlib.contextmanager
def pinned_store(path: str | os.PathLike[str] | None = None) -> Iterator[tuple[ox.Store, Path]]:
    """The current version of a built store, opened read-only and pinned while in use.

    A build that finishes during a long export swaps in a new version; pinning keeps
    the old one from being pruned under the export (see ``store.version_in_use``).
    """
    with version_in_use(path) as version:
        try:
            store = ox.Store.read_only(str(version))
        except OSError as error:
            raise StoreError(f"{version}: cannot open the store: {error}") from error
        yield store, version


def _counted(items: Iterator, bar: ProgressBar) -> Iterator:
    for item in items:
        bar.advance()
        yield item


def _rdfxml_prefixes(store: ox.Store, graphs: list[str]) -> dict[str, str]:
    """Curated prefixes of the namespaces RDF/XML needs (predicates and typed nodes)."""
    prefix_map = PrefixMap()
    for graph in graphs:
        for pattern in ("?s ?x ?o", f"?s <{RDF_TYPE}> ?x"):
            query = f"SELECT DISTINCT ?x WHERE {{ GRAPH <{graph}> {{ {pattern} }} }}"
            for row in store.query(query):
                if isinstance(row[0], ox.NamedNode):
                    prefix_map.prefixed_name(row[0].value)
    prefix_map.prefixed_name(RDF_TYPE)
    return dict(prefix_map.used_prefixes())


def write_rdf(
    store: ox.Store,
    format: str,
    out: BinaryIO,
    *,
    parts: tuple[str, ...] = DEFAULT_PARTS,
    bar: ProgressBar | None = None,
) -> None:
    """Write the parts of an open store (plus its metadata graph) as ``format`` to ``out``."""
    graphs = selected_graphs(parts)
    drawing = bar is not None and bar.enabled
    advance: Callable[[int], None] | None = bar.advance if drawing else None
    if format in ("turtle", "jsonld", "rdfxml"):
        order = SubjectOrder(store, graphs)
        if format == "turtle":
            from retinoid_ld.turtle import write_turtle

            write_turtle(order.groups(), order.blanks, out, advance=advance)
        elif format == "jsonld":
            from retinoid_ld.jsonld_context import write_jsonld

            write_jsonld(order.groups(), out, advance=advance)
        else:
            triples: Iterator = (
                ox.Triple(subject, predicate, obj)
                for subject, pairs in order.groups()
                for predicate, obj in pairs
            )
            ox.serialize(
                _counted(triples, bar) if drawing else triples,
                out,
                format=ox.RdfFormat.RDF_XML,
                prefixes=_rdfxml_prefixes(store, graphs),
            )
    elif format == "ntriples":
        ordered = sorted(graphs, key=lambda g: g != _NTRIPLES_FIRST)
        triples = union_triples(store, ordered)
        ox.serialize(
            _counted(triples, bar) if drawing else triples, out, format=ox.RdfFormat.N_TRIPLES
        )
    elif format == "nquads":
        quads: Iterator = index_order_quads(store, graphs)
        ox.serialize(_counted(quads, bar) if drawing else quads, out, format=ox.RdfFormat.N_QUADS)
    else:
        raise InputError(f"{format!r} is not an RDF export format", hint=", ".join(RDF_FORMATS))


def _check_format(format: str) -> ExportFormat:
    try:
        return FORMATS[format]
    except KeyError:
        raise InputError(
            f"unknown export format {format!r}", hint=f"use one of {', '.join(FORMATS)}"
        ) from None


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[BinaryIO]:
    """A file that appears at ``path`` only once everything was written to it."""
    if path.is_dir():
        raise InputError(f"{path} is a directory", hint="give a file name with -o")
    if not path.parent.is_dir():
        raise InputError(f"{path.parent}: no such directory", hint="create it first")
    temporary = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with temporary.open("wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def kgx_paths(output: str | os.PathLike[str]) -> tuple[Path, Path]:
    """Where KGX goes: ``DIR/nodes.tsv`` and ``DIR/edges.tsv`` for a directory (an
    existing one, or a path ending in '/'), else ``PREFIX_nodes.tsv`` and
    ``PREFIX_edges.tsv`` (the KGX naming convention)."""
    text = os.fspath(output)
    path = Path(text)
    if path.is_dir() or text.endswith(("/", os.sep)):
        path.mkdir(parents=True, exist_ok=True)
        return path / "nodes.tsv", path / "edges.tsv"
    return path.with_name(f"{path.name}_nodes.tsv"), path.with_name(f"{path.name}_edges.tsv")


def _provided(module: str, name: str, format: str) -> Callable:
    """A writer from the module that owns it, imported only when its format is asked for."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        raise InputError(
            f"the {format} export is not available: {module}.{name} is missing",
            hint="reinstall retinoid-ld (pip install retinoid-ld)",
        ) from None


def _write_other(format: str, store: ox.Store | None, out: BinaryIO, parts: tuple[str, ...]):
    if format == "findings-tsv":
        _provided("retinoid_ld.findings_table", "write_findings_tsv", format)(store, out)
    elif format == "sssom":
        source = _provided("retinoid_ld.mappings", "sssom_path", format)()
        try:
            with source.open("rb") as handle:
                shutil.copyfileobj(handle, out)
        except FileNotFoundError:
            raise InputError(
                f"{source}: the SSSOM mapping set is missing",
                hint="restore ontology/mappings/ from the repository",
            ) from None
    elif format == "owl":
        write_owl_release = _provided("retinoid_ld.release", "write_owl_release", format)
        write_owl_release(out, include_data="data" in parts)
    else:  # pragma: no cover - every format has a branch
        raise InputError(f"unknown export format {format!r}")


def export_store(
    *,
    format: str = "turtle",
    output: str | os.PathLike[str] | BinaryIO | None = None,
    include: str | tuple[str, ...] | None = None,
    store: str | os.PathLike[str] | None = None,
) -> bytes | None:
    """Export the store at ``store`` (default location if None) as ``format``.

    ``output`` is a path (written atomically), a binary stream, or None to get the
    bytes back. ``kgx`` writes two files, so it needs a path: a directory or a prefix
    (see :func:`kgx_paths`). ``include`` selects parts for the RDF formats and
    whether ``owl`` carries the data; the other formats refuse it rather than
    ignore it. The store version being read is pinned until the export ends.
    """
    spec = _check_format(format)
    parts = parse_parts(include)
    if include and not spec.rdf and format != "owl":
        raise InputError(
            f"--include does not apply to {format}",
            hint=f"it selects parts for {', '.join((*RDF_FORMATS, 'owl'))}",
        )
    if format == "kgx":
        if output is None or not isinstance(output, (str, os.PathLike)):
            raise InputError(
                "kgx writes two files (nodes and edges)",
                hint="give -o DIR/ or -o PREFIX (writes PREFIX_nodes.tsv, PREFIX_edges.tsv)",
            )
        from retinoid_ld.kgx import write_kgx

        nodes_path, edges_path = kgx_paths(output)
        with (
            pinned_store(store) as (oxstore, _),
            atomic_output(nodes_path) as nodes,
            atomic_output(edges_path) as edges,
        ):
            write_kgx(oxstore, nodes, edges)
        return None

    def write(out: BinaryIO) -> None:
        if format in ("sssom", "owl"):  # read from the repository's files, not the store
            _write_other(format, None, out, parts)
            return
        with pinned_store(store) as (oxstore, version):
            if not spec.rdf:
                _write_other(format, oxstore, out, parts)
                return
            graphs = selected_graphs(parts)
            total = _expected_statements(version, graphs)
            with progress_bar(f"export {format}", total=total, unit="statements") as bar:
                write_rdf(oxstore, format, out, parts=parts, bar=bar)

    if output is None:
        buffer = io.BytesIO()
        write(buffer)
        return buffer.getvalue()
    if isinstance(output, (str, os.PathLike)):
        with atomic_output(Path(output)) as handle:
            write(handle)
    else:
        write(output)
    return None
