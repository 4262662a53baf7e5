"""Export the store for other knowledge graphs.

Every RDF export is deterministic: blank nodes are canonicalised (RDFC-1.0) and
statements sorted, so two exports of the same store are byte-identical and a diff
between releases shows only what changed.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from retinoid_ld.errors import InputError
from retinoid_ld.namespaces import (
    GRAPH_DATA,
    GRAPH_IMPORTS,
    GRAPH_METADATA,
    GRAPH_ONTOLOGY,
    PREFIXES,
)
from retinoid_ld.store import open_store

PARTS = {"ontology": GRAPH_ONTOLOGY, "imports": GRAPH_IMPORTS, "data": GRAPH_DATA}
DEFAULT_PARTS = ("ontology", "imports", "data")


def _canonical_dataset(store: ox.Store, parts: tuple[str, ...]) -> ox.Dataset:
    dataset = ox.Dataset()
    for name in (*parts, "metadata"):
        graph = ox.NamedNode(GRAPH_METADATA if name == "metadata" else PARTS[name])
        for quad in store.quads_for_pattern(None, None, None, graph):
            dataset.add(quad)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return dataset


def _sorted_triples(dataset: ox.Dataset) -> list[ox.Triple]:
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in dataset}
    return sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def _write_turtle(dataset: ox.Dataset, out: BinaryIO) -> None:
    ox.serialize(_sorted_triples(dataset), out, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)


def _write_ntriples(dataset: ox.Dataset, out: BinaryIO) -> None:
    ox.serialize(_sorted_triples(dataset), out, format=ox.RdfFormat.N_TRIPLES)


Writer = Callable[[ox.Dataset, BinaryIO], None]
WRITERS: dict[str, Writer] = {"turtle": _write_turtle, "ntriples": _write_ntriples}
EXPORT_FORMATS = tuple(WRITERS)


def parse_parts(include: str | None) -> tuple[str, ...]:
    """``ontology,imports,data`` to a tuple, rejecting unknown names."""
    if not include:
        return DEFAULT_PARTS
    names = tuple(n.strip() for n in include.split(",") if n.strip())
    unknown = [n for n in names if n not in PARTS]
    if unknown or not names:
        raise InputError(
            f"--include: unknown part {', '.join(unknown) or '(empty)'}",
            hint=f"use a comma-separated list of {', '.join(PARTS)}",
        )
    return names


def export_store(
    *,
    format: str = "turtle",
    output: str | os.PathLike[str] | BinaryIO | None = None,
    include: str | tuple[str, ...] | None = None,
    store: str | os.PathLike[str] | None = None,
) -> bytes | None:
    """Export the store in ``format``; returns the bytes when no ``output`` is given."""
    if format not in WRITERS:
        raise InputError(
            f"unknown export format {format!r}", hint=f"use one of {', '.join(WRITERS)}"
        )
    parts = include if isinstance(include, tuple) else parse_parts(include)
    dataset = _canonical_dataset(open_store(store), parts)
    if output is None:
        buffer = io.BytesIO()
        WRITERS[format](dataset, buffer)
        return buffer.getvalue()
    if isinstance(output, (str, os.PathLike)):
        path = Path(output)
        temporary = path.with_name(f".{path.name}.partial")
        with temporary.open("wb") as handle:
            WRITERS[format](dataset, handle)
        os.replace(temporary, path)
    else:
        WRITERS[format](dataset, output)
    return None
