"""The published JSON-LD context (``ontology/context.jsonld``) and compaction with it.

The context lets JSON users read the data without RDF tooling: every property of the
retinoid-ld vocabulary is a short term (``"drug": "CHEBI:6067"``), IRI-valued
properties are coerced to ``@id``, OBO terms are written as their usual CURIEs
(``CHEBI:6067``, ``CL:0000576``; JSON-LD 1.1 ``@prefix`` definitions) and every other
curated namespace has its prefix. The file is generated from the ontology, so it names
exactly the properties the ontology declares; regenerate it after editing the
ontology with::

    python -m retinoid_ld.jsonld_context            # rewrites ontology/context.jsonld

A JSON-LD export carries this context inline (byte-for-byte the file's ``@context``),
so it parses offline, without fetching anything.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph as ox

from retinoid_ld import resources
from retinoid_ld.errors import InputError
from retinoid_ld.namespaces import OBO, OBO_PREFIXES, PREFIXES, RDF_TYPE, RLD
from retinoid_ld.prefixes import curated_prefixes, is_plain_local_name, split_iri
from retinoid_ld.rdfio import load_quads
from retinoid_ld.rdfstream import Object, Pair, Subject, grouped_by_predicate

CONTEXT_FILE = "context.jsonld"
OWL = PREFIXES["owl"]
XSD = PREFIXES["xsd"]
XSD_STRING = XSD + "string"
RDF_LANG_STRING = PREFIXES["rdf"] + "langString"
_PROPERTY_TYPES = {OWL + "ObjectProperty", OWL + "DatatypeProperty", OWL + "AnnotationProperty"}
# Ranges that are plain JSON strings already; no coercion for them.
_UNCOERCED_RANGES = {XSD_STRING, RDF_LANG_STRING, PREFIXES["rdfs"] + "Literal"}


def context_path() -> Path:
    """Where the published context lives: next to the ontology it is generated from."""
    return resources.ontology_dir() / CONTEXT_FILE


def build_context(ontology: Iterable[ox.Quad | ox.Triple]) -> dict[str, Any]:
    """The context for an ontology: prefixes, then one term per project property."""
    types: dict[str, set[str]] = {}
    ranges: dict[str, set[str]] = {}
    for statement in ontology:
        subject, predicate, obj = statement.subject, statement.predicate, statement.object
        if not isinstance(subject, ox.NamedNode) or not isinstance(obj, ox.NamedNode):
            continue
        if predicate.value == RDF_TYPE and obj.value in _PROPERTY_TYPES:
            types.setdefault(subject.value, set()).add(obj.value)
        elif predicate.value == PREFIXES["rdfs"] + "range":
            ranges.setdefault(subject.value, set()).add(obj.value)

    context: dict[str, Any] = {"@version": 1.1}
    prefixes = curated_prefixes()
    for prefix in sorted(prefixes, key=str.lower):
        context[prefix] = prefixes[prefix]
    for prefix in sorted(OBO_PREFIXES, key=str.lower):
        context[prefix] = {"@id": f"{OBO}{prefix}_", "@prefix": True}

    terms: dict[str, Any] = {}
    for iri in sorted(types):
        namespace, local = split_iri(iri)
        if namespace != RLD or not is_plain_local_name(local) or not local:
            continue
        if local in context or local in terms:
            continue  # a prefix of that name exists: the property stays a CURIE
        definition: dict[str, str] = {"@id": f"rld:{local}"}
        kinds = types[iri]
        if OWL + "ObjectProperty" in kinds:
            definition["@type"] = "@id"
        elif OWL + "DatatypeProperty" in kinds:
            datatypes = ranges.get(iri, set())
            if len(datatypes) == 1:
                (datatype,) = datatypes
                if datatype.startswith(XSD) and datatype not in _UNCOERCED_RANGES:
                    definition["@type"] = "xsd:" + datatype[len(XSD) :]
        terms[local] = definition if len(definition) > 1 else definition["@id"]
    for term in sorted(terms):
        context[term] = terms[term]
    return {"@context": context}


def context_text(context: Mapping[str, Any]) -> str:
    """The file's exact text: two-space indentation, keys in the order built."""
    return json.dumps(context, indent=2, ensure_ascii=False) + "\n"


def load_context(path: Path | None = None) -> dict[str, Any]:
    """The published context, or a clear error if it is missing or not JSON."""
    location = path or context_path()
    try:
        document = json.loads(location.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"{location}: the JSON-LD context is missing",
            hint="regenerate it with 'python -m retinoid_ld.jsonld_context'",
        ) from None
    except json.JSONDecodeError as error:
        raise InputError(f"{location}:{error.lineno}: not valid JSON: {error.msg}") from None
    if not isinstance(document, dict) or not isinstance(document.get("@context"), dict):
        raise InputError(f"{location}: has no '@context' object")
    return document


class Compactor:
    """Compacts IRIs, keys and values with one context (the subset of JSON-LD 1.1
    compaction this project's data needs: prefixes, terms, @id and datatype coercion)."""

    def __init__(self, context: Mapping[str, Any]) -> None:
        definitions = context["@context"]
        self._namespaces: dict[str, str] = {}
        self._terms: dict[str, tuple[str, str | None]] = {}
        for name, definition in definitions.items():
            if name.startswith("@"):
                continue
            if isinstance(definition, str) and definition.endswith(("/", "#")):
                self._namespaces.setdefault(definition, name)
            elif isinstance(definition, dict) and definition.get("@prefix") is True:
                self._namespaces.setdefault(definition["@id"], name)
        for name, definition in definitions.items():
            if name.startswith("@") or name in self._namespaces.values():
                continue
            iri = definition if isinstance(definition, str) else definition.get("@id", "")
            coercion = None if isinstance(definition, str) else definition.get("@type")
            expanded = self._expand(iri)
            if coercion and coercion != "@id":
                coercion = self._expand(coercion)
            self._terms.setdefault(expanded, (name, coercion))
        self._cache: dict[str, str] = {}

    def _expand(self, text: str) -> str:
        prefix, sep, local = text.partition(":")
        if sep:
            for namespace, name in self._namespaces.items():
                if name == prefix:
                    return namespace + local
        return text

    def iri(self, iri: str) -> str:
        """A compact IRI (``CHEBI:6067``, ``rld:doc-000``) or the IRI itself."""
        cached = self._cache.get(iri)
        if cached is not None:
            return cached
        text = iri
        candidates = [split_iri(iri)]
        if iri.startswith(OBO):
            head, underscore, _ = iri[len(OBO) :].partition("_")
            if underscore:
                namespace = f"{OBO}{head}_"
                candidates.insert(0, (namespace, iri[len(namespace) :]))
        for namespace, local in candidates:
            prefix = self._namespaces.get(namespace)
            if prefix is not None and local and is_plain_local_name(local):
                text = f"{prefix}:{local}"
                break
        if len(self._cache) > 200_000:
            self._cache.clear()
        self._cache[iri] = text
        return text

    def node_id(self, term: Subject) -> str:
        return f"_:{term.value}" if isinstance(term, ox.BlankNode) else self.iri(term.value)

    def key(self, predicate: str) -> tuple[str, str | None]:
        """The JSON key of a property and the coercion its term declares."""
        term = self._terms.get(predicate)
        if term is not None:
            return term
        return self.iri(predicate), None

    def value(self, obj: Object, coercion: str | None) -> Any:
        if isinstance(obj, (ox.NamedNode, ox.BlankNode)):
            identifier = self.node_id(obj)
            return identifier if coercion == "@id" else {"@id": identifier}
        if obj.language:
            return {"@value": obj.value, "@language": obj.language}
        datatype = obj.datatype.value
        if coercion is None and datatype == XSD_STRING:
            return obj.value
        if coercion is not None and coercion == datatype:
            return obj.value
        if datatype == XSD_STRING:
            return {"@value": obj.value}
        return {"@value": obj.value, "@type": self.iri(datatype)}

    def node(self, subject: Subject, pairs: list[Pair]) -> dict[str, Any]:
        """A node object: ``@id``, ``@type``, then the properties in predicate order."""
        node: dict[str, Any] = {"@id": self.node_id(subject)}
        for predicate, objects in grouped_by_predicate(pairs):
            if predicate.value == RDF_TYPE and all(
                isinstance(o, (ox.NamedNode, ox.BlankNode)) for o in objects
            ):
                types = [self.node_id(o) for o in objects]  # type: ignore[arg-type]
                node["@type"] = types[0] if len(types) == 1 else types
                continue
            key, coercion = self.key(predicate.value)
            values = [self.value(o, coercion) for o in objects]
            node[key] = values[0] if len(values) == 1 else values
        return node


def write_jsonld(
    groups: Iterable[tuple[Subject, list[Pair]]],
    out: BinaryIO,
    *,
    context: Mapping[str, Any] | None = None,
    advance: Callable[[int], None] | None = None,
) -> None:
    """Write subject groups as one compacted JSON-LD document (a single default graph).

    Nodes appear in the groups' order, each pretty-printed on its own lines, so the
    document streams and diffs by node.
    """
    document = context if context is not None else load_context()
    compactor = Compactor(document)
    header = json.dumps(document["@context"], indent=2, ensure_ascii=False)
    out.write(b'{\n  "@context": ' + header.replace("\n", "\n  ").encode("utf-8"))
    out.write(b',\n  "@graph": [')
    separator = b"\n"
    for subject, pairs in groups:
        node = json.dumps(compactor.node(subject, pairs), indent=2, ensure_ascii=False)
        out.write(separator + ("    " + node.replace("\n", "\n    ")).encode("utf-8"))
        separator = b",\n"
        if advance is not None:
            advance(len(pairs))
    out.write(b"\n  ]\n}\n")


def main(argv: list[str] | None = None) -> int:
    """Regenerate ``ontology/context.jsonld`` from the ontology edit file."""
    args = sys.argv[1:] if argv is None else argv
    context = build_context(load_quads([resources.edit_file()]))
    text = context_text(context)
    if args == ["--check"]:
        current = context_path().read_text(encoding="utf-8") if context_path().is_file() else ""
        if current != text:
            print(f"{context_path()} is out of date with the ontology", file=sys.stderr)
            return 1
        return 0
    context_path().write_text(text, encoding="utf-8")
    print(f"wrote {context_path()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
