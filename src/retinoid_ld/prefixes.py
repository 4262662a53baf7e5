"""The curated prefixes of the exports, and prefixed names that never need escapes.

Turtle, RDF/XML and the JSON-LD context write IRIs with the prefixes curated here:
the project's own (``namespaces.PREFIXES``) and the few standard vocabularies its
ontology, imports and metadata use. A namespace nobody curated gets no invented
prefix; its IRIs are written in full. So does an IRI whose local part would need a
backslash escape (``rld:graph\\/data``): ``<https://w3id.org/retinoid-ld/graph/data>``
reads better and every parser takes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from retinoid_ld.namespaces import PREFIXES

# Standard vocabularies that OBO imports, the ontology and the release metadata use.
STANDARD_PREFIXES: dict[str, str] = {
    "oio": "http://www.geneontology.org/formats/oboInOwl#",
    "oban": "http://purl.org/oban/",
    "time": "http://www.w3.org/2006/time#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "void": "http://rdfs.org/ns/void#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "pav": "http://purl.org/pav/",
    "schema": "http://schema.org/",
}


def curated_prefixes() -> dict[str, str]:
    """Prefix -> namespace; the project's prefixes win over the standard ones."""
    merged = dict(PREFIXES)
    taken = set(merged.values())
    for prefix, namespace in STANDARD_PREFIXES.items():
        if prefix not in merged and namespace not in taken:
            merged[prefix] = namespace
            taken.add(namespace)
    return merged


# A conservative PN_LOCAL (Turtle) that is also a valid XML NCName tail and JSON-LD
# suffix: no escapes, no '/', no leading or trailing '.'.
_LOCAL = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?")


def is_plain_local_name(local: str) -> bool:
    """Whether ``local`` can follow ``prefix:`` with no escape at all."""
    return local == "" or _LOCAL.fullmatch(local) is not None


def split_iri(iri: str) -> tuple[str, str]:
    """Namespace (up to the last '#' or '/') and local part."""
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1], iri[cut + 1 :]


@dataclass
class PrefixMap:
    """Compacts IRIs with curated prefixes and remembers which prefixes it used.

    A namespace must end in '/' or '#' so that lookup is one dictionary probe on the
    IRI's namespace (the text up to its last '/' or '#').
    """

    prefixes: dict[str, str] = field(default_factory=curated_prefixes)
    used: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._by_namespace: dict[str, str] = {}
        for prefix, namespace in self.prefixes.items():
            if namespace.endswith(("/", "#")):
                self._by_namespace.setdefault(namespace, prefix)

    def prefixed_name(self, iri: str) -> str | None:
        """``prefix:local`` for ``iri``, or None when no curated prefix fits cleanly."""
        namespace, local = split_iri(iri)
        prefix = self._by_namespace.get(namespace)
        if prefix is None or not is_plain_local_name(local):
            return None
        self.used.add(prefix)
        return f"{prefix}:{local}"

    def used_prefixes(self) -> list[tuple[str, str]]:
        """The prefixes used so far, sorted by name: a stable header."""
        return sorted((p, self.prefixes[p]) for p in self.used)
