"""The ontology release: edit file, import modules and (optionally) curated data as one OWL file.

ODK projects release a merged ontology so that users need neither the import modules
nor a catalog: the imports are merged in, every ``owl:imports`` is removed, and only
the project's ontology header (IRI, ``owl:versionIRI``, title, license, ...) is kept.
The file is RDF/XML, which Protege, the OWL API and owlready2 all load, and it is
deterministic: blank nodes are canonicalised (RDFC-1.0) and statements sorted, so two
releases of the same sources are byte-identical.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox
import rdflib
from rdflib.namespace import OWL, RDF

from retinoid_ld import resources
from retinoid_ld.namespaces import ONTOLOGY_IRI, PREFIXES
from retinoid_ld.rdfio import rdflib_graph, to_oxigraph_term

RELEASE_PREFIXES = {
    **{k: v for k, v in PREFIXES.items() if k not in ("sh",)},
    "oio": "http://www.geneontology.org/formats/oboInOwl#",
}


def release_files(
    *, include_data: bool = True, data_files: Iterable[str | os.PathLike[str]] | None = None
) -> list[Path]:
    """The files a release merges: edit file, import modules and (optionally) data."""
    files = [resources.edit_file(), *resources.import_files()]
    if include_data:
        files += [Path(p) for p in data_files] if data_files is not None else resources.data_files()
    return files


def merge_into_release(graph: rdflib.Graph) -> rdflib.Graph:
    """Turn edit file + modules (+ data) into a release graph, in place.

    Drops ``owl:imports`` and the import modules' own ``owl:Ontology`` headers, so the
    graph has exactly one ontology: the project's.
    """
    graph.remove((None, OWL.imports, None))
    project = rdflib.URIRef(ONTOLOGY_IRI)
    for header in list(graph.subjects(RDF.type, OWL.Ontology)):
        if header != project:
            graph.remove((header, None, None))
    return graph


def merged_ontology_graph(
    include_data: bool = True,
    *,
    data_files: Iterable[str | os.PathLike[str]] | None = None,
) -> rdflib.Graph:
    """The merged ontology as an rdflib graph (shipped data unless ``data_files``)."""
    graph = rdflib_graph(release_files(include_data=include_data, data_files=data_files))
    return merge_into_release(graph)


def _sorted_canonical_triples(graph: rdflib.Graph) -> list[ox.Triple]:
    dataset = ox.Dataset()
    for subject, predicate, obj in graph:
        dataset.add(
            ox.Quad(
                to_oxigraph_term(subject),
                to_oxigraph_term(predicate),
                to_oxigraph_term(obj),
                ox.DefaultGraph(),
            )
        )
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in dataset}
    # The ontology header first, as ODK releases have it; then by subject.
    return sorted(
        triples,
        key=lambda t: (
            t.subject.value != ONTOLOGY_IRI if isinstance(t.subject, ox.NamedNode) else True,
            str(t.subject),
            str(t.predicate),
            str(t.object),
        ),
    )


def serialize_release(graph: rdflib.Graph, out: BinaryIO) -> None:
    """Write a release graph as deterministic RDF/XML."""
    ox.serialize(
        _sorted_canonical_triples(graph),
        out,
        format=ox.RdfFormat.RDF_XML,
        prefixes=RELEASE_PREFIXES,
    )


def write_owl_release(out: BinaryIO | str | os.PathLike[str], *, include_data: bool = True) -> None:
    """Write the merged ontology release (RDF/XML) to a binary stream or a file path.

    A path is written through a temporary file and renamed into place, so a failed
    write never leaves half a release.
    """
    graph = merged_ontology_graph(include_data=include_data)
    if isinstance(out, (str, os.PathLike)):
        path = Path(out)
        buffer = io.BytesIO()
        serialize_release(graph, buffer)
        temporary = path.with_name(f".{path.name}.partial")
        temporary.write_bytes(buffer.getvalue())
        os.replace(temporary, path)
        return
    serialize_release(graph, out)
