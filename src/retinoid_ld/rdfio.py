"""Read RDF files with errors that say which file, line and column is wrong.

pyoxigraph parses an order of magnitude faster than rdflib, so the store is built
from pyoxigraph's parser; rdflib graphs are made only where a library needs one
(pySHACL, owlready2 hand-off, some exports).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox
import rdflib

from retinoid_ld.errors import InputError

# File suffix -> (pyoxigraph format, rdflib format name).
FORMATS: dict[str, tuple[ox.RdfFormat, str]] = {
    ".ttl": (ox.RdfFormat.TURTLE, "turtle"),
    ".nt": (ox.RdfFormat.N_TRIPLES, "nt"),
    ".nq": (ox.RdfFormat.N_QUADS, "nquads"),
    ".trig": (ox.RdfFormat.TRIG, "trig"),
    ".jsonld": (ox.RdfFormat.JSON_LD, "json-ld"),
    ".json": (ox.RdfFormat.JSON_LD, "json-ld"),
    ".rdf": (ox.RdfFormat.RDF_XML, "xml"),
    ".owl": (ox.RdfFormat.RDF_XML, "xml"),
    ".xml": (ox.RdfFormat.RDF_XML, "xml"),
}


def rdf_format(path: Path) -> ox.RdfFormat:
    """The RDF format of a file from its suffix, or a clear error listing the known ones."""
    try:
        return FORMATS[path.suffix.lower()][0]
    except KeyError:
        known = ", ".join(sorted(FORMATS))
        raise InputError(
            f"{path}: unknown RDF file type {path.suffix!r}",
            hint=f"use one of {known}",
        ) from None


def syntax_error(path: Path | str, error: BaseException) -> InputError:
    """An InputError naming the file, line and column of a parser error."""
    line = getattr(error, "lineno", None)
    column = getattr(error, "offset", None)
    where = f"{path}:{line}:{column}" if line else str(path)
    message = str(getattr(error, "msg", None) or error)
    return InputError(
        f"{where}: cannot be parsed: {message}",
        hint="correct the syntax at that line (a missing '.', quote, or undeclared prefix is typical)",
    )


# Curated files nest a few levels. pyoxigraph's JSON-LD and RDF/XML parsers slow down
# quadratically with nesting depth and overflow the native stack (a segmentation fault,
# not an exception) a few thousand levels down, so deeper input is refused first.
MAX_NESTING = 256
_JSON_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_XML_TOKENS = re.compile(
    rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<!ENTITY[^>]*>|<[?!][^>]*>|<(/?)[^>]*?(/?)>", re.DOTALL
)
_NESTED_ENTITY = re.compile(rb"<!ENTITY[^>]*&[^>]*>")


def check_hostile_nesting(path: Path, fmt: ox.RdfFormat) -> None:
    """Refuse JSON-LD or RDF/XML nested too deep, and RDF/XML entities built of entities.

    Both would otherwise crash or stall the parser; an entity defined from other entities
    (the "billion laughs") expands a kilobyte into gigabytes of memory.
    """
    if fmt not in (ox.RdfFormat.JSON_LD, ox.RdfFormat.RDF_XML):
        return
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot be read: {error}") from error
    depth, where = 0, None
    if fmt == ox.RdfFormat.JSON_LD:
        for token in _JSON_TOKENS.finditer(data):
            char = token.group()
            if char in (b"{", b"["):
                depth += 1
            elif char in (b"}", b"]"):
                depth -= 1
            if depth > MAX_NESTING:
                where = token.start()
                break
    else:
        entity = _NESTED_ENTITY.search(data)
        if entity:
            line = data.count(b"\n", 0, entity.start()) + 1
            raise InputError(
                f"{path}:{line}: an XML entity is defined from other entities",
                hint="entities that expand into entities can exhaust memory; write the text out",
            )
        for token in _XML_TOKENS.finditer(data):
            closing, empty = token.group(1), token.group(2)
            if closing is None:  # a comment, CDATA, declaration or processing instruction
                continue
            depth += -1 if closing else (0 if empty else 1)
            if depth > MAX_NESTING:
                where = token.start()
                break
    if where is not None:
        line = data.count(b"\n", 0, where) + 1
        raise InputError(
            f"{path}:{line}: nested more than {MAX_NESTING} levels deep",
            hint="curated data nests a few levels; flatten the structure or check the file",
        )


def parse_quads(path: Path, *, graph: str | None = None) -> Iterator[ox.Quad]:
    """Yield the quads of a file; triples go to ``graph`` (or the default graph)."""
    fmt = rdf_format(path)
    target = ox.NamedNode(graph) if graph else ox.DefaultGraph()
    if not path.is_file():
        raise InputError(f"{path}: no such file", hint="check the path")
    check_hostile_nesting(path, fmt)
    try:
        with path.open("rb") as handle:
            # No base IRI: a relative IRI in curated data is an error, not a file: IRI.
            for statement in ox.parse(handle, format=fmt, rename_blank_nodes=True):
                yield ox.Quad(statement.subject, statement.predicate, statement.object, target)
    except SyntaxError as error:
        raise syntax_error(path, error) from error
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise InputError(f"{path}: cannot be read: {error}") from error


def bulk_load_file(store: ox.Store, path: Path, *, graph: str) -> None:
    """Stream one file into ``graph`` of an on-disk store with Oxigraph's bulk loader.

    Parsed natively, not quad by quad in Python as ``parse_quads`` yields them; a syntax
    error names the file, line and column.
    """
    check_hostile_nesting(path, rdf_format(path))
    try:
        # No base IRI: a relative IRI in curated data is an error, not a file: IRI.
        store.bulk_load(path=str(path), format=rdf_format(path), to_graph=ox.NamedNode(graph))
    except SyntaxError as error:
        raise syntax_error(path, error) from error
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise InputError(f"{path}: cannot be read: {error}") from error


def load_quads(paths: Iterable[Path], *, graph: str | None = None) -> list[ox.Quad]:
    """All quads of the files; the whole of every file is parsed before anything is returned."""
    quads: list[ox.Quad] = []
    for path in paths:
        quads.extend(parse_quads(Path(path), graph=graph))
    return quads


def to_rdflib_term(term: object) -> rdflib.term.Node:
    """Convert a pyoxigraph term to the equal rdflib term."""
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == "http://www.w3.org/2001/XMLSchema#string":
            return rdflib.Literal(term.value)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(datatype), normalize=False)
    raise TypeError(f"unsupported RDF term {term!r}")


def to_oxigraph_term(term: rdflib.term.Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """Convert an rdflib term to the equal pyoxigraph term."""
    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, rdflib.Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"unsupported RDF term {term!r}")


def rdflib_graph(paths: Iterable[Path]) -> rdflib.Graph:
    """One rdflib graph of the files, parsed through pyoxigraph for speed and located errors."""
    graph = rdflib.Graph()
    for path in paths:
        for quad in parse_quads(Path(path)):
            graph.add(
                (
                    to_rdflib_term(quad.subject),
                    to_rdflib_term(quad.predicate),
                    to_rdflib_term(quad.object),
                )
            )
    return graph
