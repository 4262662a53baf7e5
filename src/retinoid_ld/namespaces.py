"""The project's namespace, the prefixes it curates, and CURIE <-> IRI conversion.

One stable namespace holds every project term; OBO terms are always used by their
OBO PURL. The same prefix map serves Turtle export, query output and the tests
that check every CURIE against the OBO term tables.
"""

from __future__ import annotations

RLD = "https://w3id.org/retinoid-ld/"
OBO = "http://purl.obolibrary.org/obo/"

ONTOLOGY_IRI = RLD + "retinoid-ld.owl"

# Named graphs of the store: queries see their union as the default graph.
GRAPH_ONTOLOGY = RLD + "graph/ontology"
GRAPH_IMPORTS = RLD + "graph/imports"
GRAPH_DATA = RLD + "graph/data"
GRAPH_METADATA = RLD + "graph/metadata"
GRAPHS = (GRAPH_ONTOLOGY, GRAPH_IMPORTS, GRAPH_DATA, GRAPH_METADATA)

# OBO ontologies whose terms the project uses; CURIE prefix as the OBO Foundry spells it.
OBO_PREFIXES = (
    "BFO",
    "CHEBI",
    "CL",
    "ECO",
    "GO",
    "MONDO",
    "MP",
    "NBO",
    "NCBITaxon",
    "OBI",
    "PATO",
    "PR",
    "RO",
    "UBERON",
)

PREFIXES: dict[str, str] = {
    "rld": RLD,
    "obo": OBO,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "sh": "http://www.w3.org/ns/shacl#",
    "biolink": "https://w3id.org/biolink/vocab/",
    "sssom": "https://w3id.org/sssom/",
    "semapv": "https://w3id.org/semapv/vocab/",
}

RDFS_LABEL = PREFIXES["rdfs"] + "label"
RDF_TYPE = PREFIXES["rdf"] + "type"


def curie(iri: str) -> str:
    """Compact an IRI: OBO PURLs to ``GO:0032635``, project terms to ``rld:X``; else unchanged."""
    if iri.startswith(OBO):
        local = iri[len(OBO) :]
        prefix, sep, rest = local.partition("_")
        if sep and prefix in OBO_PREFIXES:
            return f"{prefix}:{rest}"
        return iri
    for prefix, namespace in PREFIXES.items():
        if prefix != "obo" and iri.startswith(namespace) and "/" not in iri[len(namespace) :]:
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def expand(curie_or_iri: str) -> str:
    """Expand ``CHEBI:6067`` or ``rld:X`` to an IRI; an absolute IRI is returned unchanged."""
    text = curie_or_iri.strip()
    if text.startswith("<") and text.endswith(">"):
        return text[1:-1]
    prefix, sep, local = text.partition(":")
    if not sep:
        raise ValueError(f"not a CURIE or IRI: {text!r}")
    if prefix in OBO_PREFIXES:
        return f"{OBO}{prefix}_{local}"
    if prefix in PREFIXES:
        return PREFIXES[prefix] + local
    if prefix in ("http", "https", "urn"):
        return text
    raise ValueError(f"unknown prefix {prefix!r} in {text!r}")
