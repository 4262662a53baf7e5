"""A deterministic, readable Turtle writer.

Why not a library serializer: rdflib holds the whole graph and orders it by its own
rules; Oxigraph's writer streams but escapes local names (``rld:graph\\/data``) and
declares every prefix it is given. This writer takes statements grouped by subject in
sorted order (see ``rdfstream``) and writes:

* a header of the curated prefixes actually used, sorted by prefix name (the body is
  written to a temporary file first, since the prefixes are known only at its end);
* one block per subject, ``a`` first, then predicates sorted, objects sorted;
* blank nodes used once nested in place as ``[ ... ]`` and RDF lists as ``( ... )``,
  as OWL tools write them; other blank nodes by their canonical label;
* literals as ``"text"``, ``"text"@lang`` or ``"text"^^xsd:type``, never abbreviated,
  so a literal's lexical form is written exactly as stored.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Callable, Iterable
from typing import BinaryIO

import pyoxigraph as ox

from retinoid_ld.namespaces import PREFIXES, RDF_TYPE
from retinoid_ld.prefixes import PrefixMap
from retinoid_ld.rdfstream import CanonicalBlankNodes, Pair, Subject, grouped_by_predicate

RDF = PREFIXES["rdf"]
RDF_FIRST = RDF + "first"
RDF_REST = RDF + "rest"
RDF_NIL = RDF + "nil"
XSD_STRING = PREFIXES["xsd"] + "string"
RDF_LANG_STRING = RDF + "langString"
INDENT = "    "
_CACHE_LIMIT = 200_000

# Turtle string escapes: the four the grammar requires, and \uXXXX for other controls.
_STRING_ESCAPES = {ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r"}
_STRING_ESCAPES.update(
    {code: f"\\u{code:04X}" for code in [*range(0x20), 0x7F] if code not in _STRING_ESCAPES}
)
_STRING_ESCAPES.pop(ord("\t"))


def turtle_string(text: str) -> str:
    """``text`` as a quoted Turtle string."""
    return '"' + text.translate(_STRING_ESCAPES) + '"'


class TurtleWriter:
    """Formats terms and subject blocks; one instance per document."""

    def __init__(self, blanks: CanonicalBlankNodes, prefixes: PrefixMap | None = None) -> None:
        self.blanks = blanks
        self.prefixes = prefixes or PrefixMap()
        self.nested = blanks.nestable()
        self._iris: dict[str, str] = {}

    def iri(self, iri: str) -> str:
        text = self._iris.get(iri)
        if text is None:
            text = self.prefixes.prefixed_name(iri) or f"<{iri}>"
            if len(self._iris) >= _CACHE_LIMIT:
                self._iris.clear()
            self._iris[iri] = text
        return text

    def literal(self, literal: ox.Literal) -> str:
        text = turtle_string(literal.value)
        if literal.language:
            return f"{text}@{literal.language}"
        datatype = literal.datatype.value
        if datatype in (XSD_STRING, RDF_LANG_STRING):
            return text
        return f"{text}^^{self.iri(datatype)}"

    def term(self, term: Subject | ox.Literal, indent: str) -> str:
        if isinstance(term, ox.NamedNode):
            return self.iri(term.value)
        if isinstance(term, ox.Literal):
            return self.literal(term)
        if isinstance(term, ox.BlankNode):
            if term in self.nested:
                return self._nested(term, indent)
            return f"_:{term.value}"
        raise TypeError(f"cannot write {term!r} in Turtle")

    def _list_items(self, head: ox.BlankNode) -> list[Subject | ox.Literal] | None:
        """The members of a well-formed RDF list starting at ``head``, else None."""
        items: list[Subject | ox.Literal] = []
        node: Subject | ox.Literal = head
        seen: set[ox.BlankNode] = set()
        while not (isinstance(node, ox.NamedNode) and node.value == RDF_NIL):
            if not isinstance(node, ox.BlankNode) or node not in self.nested or node in seen:
                return None
            pairs = self.blanks.pairs(node)
            if len(pairs) != 2 or pairs[0][0].value != RDF_FIRST or pairs[1][0].value != RDF_REST:
                return None
            seen.add(node)
            items.append(pairs[0][1])
            node = pairs[1][1]
        return items

    def _nested(self, node: ox.BlankNode, indent: str) -> str:
        items = self._list_items(node)
        if items is not None:
            return "(" + "".join(" " + self.term(item, indent) for item in items) + " )"
        pairs = self.blanks.pairs(node)
        if not pairs:
            return "[]"
        inner = indent + INDENT
        return "[\n" + inner + self.predicate_objects(pairs, inner) + "\n" + indent + "]"

    def predicate_objects(self, pairs: list[Pair], indent: str) -> str:
        """``p o1 , o2 ; q o3`` with one predicate per line."""
        parts = []
        for predicate, objects in grouped_by_predicate(pairs):
            verb = "a" if predicate.value == RDF_TYPE else self.iri(predicate.value)
            separator = " ,\n" + indent + INDENT
            parts.append(verb + " " + separator.join(self.term(o, indent) for o in objects))
        return (" ;\n" + indent).join(parts)

    def block(self, subject: Subject, pairs: list[Pair]) -> str | None:
        """A top-level statement block, or None for a blank node nested elsewhere."""
        if isinstance(subject, ox.BlankNode):
            if subject in self.nested:
                return None
            head = "[]" if subject not in self.blanks.references else f"_:{subject.value}"
        else:
            head = self.iri(subject.value)
        return head + " " + self.predicate_objects(pairs, INDENT) + " .\n"


def write_turtle(
    groups: Iterable[tuple[Subject, list[Pair]]],
    blanks: CanonicalBlankNodes,
    out: BinaryIO,
    *,
    prefixes: PrefixMap | None = None,
    advance: Callable[[int], None] | None = None,
) -> None:
    """Write the subject groups as Turtle to ``out``; ``advance(n)`` counts statements."""
    writer = TurtleWriter(blanks, prefixes)
    with tempfile.TemporaryFile() as spool:
        body = io.TextIOWrapper(spool, encoding="utf-8", newline="\n")
        first = True
        for subject, pairs in groups:
            text = writer.block(subject, pairs)
            if text is not None:
                if not first:
                    body.write("\n")
                body.write(text)
                first = False
            if advance is not None:
                advance(len(pairs))
        body.flush()
        header = "".join(
            f"@prefix {prefix}: <{namespace}> .\n"
            for prefix, namespace in writer.prefixes.used_prefixes()
        )
        if header:
            out.write((header + ("\n" if not first else "")).encode("utf-8"))
        spool.seek(0)
        shutil.copyfileobj(spool, out, 1 << 20)
        body.detach()
