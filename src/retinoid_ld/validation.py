"""Validate curated data against the SHACL shapes, with reports written for curators.

The shapes in ``shapes/`` are the contract. pySHACL is the reference engine; the data
is checked together with the ontology and import modules so that class constraints
(a drug is a ChEBI chemical entity, ...) can follow the subclass hierarchy.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyshacl
import rdflib

from retinoid_ld import resources
from retinoid_ld.rdfio import rdflib_graph

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")


@dataclass(frozen=True)
class ValidationResult:
    """One problem: which node, which property, which value, what is wrong."""

    focus: str
    path: str
    value: str
    message: str
    severity: str
    constraint: str
    shape: str
    source: str = ""


@dataclass
class ValidationReport:
    """The outcome of a validation run."""

    conforms: bool
    results: list[ValidationResult] = field(default_factory=list)
    graph: rdflib.Graph | None = None

    @property
    def violation_count(self) -> int:
        return sum(1 for r in self.results if r.severity == "Violation")

    @property
    def warning_count(self) -> int:
        return sum(1 for r in self.results if r.severity == "Warning")


def _text(graph: rdflib.Graph, node: rdflib.term.Node | None) -> str:
    if node is None:
        return ""
    if isinstance(node, rdflib.URIRef):
        return str(node)
    if isinstance(node, rdflib.BNode):
        # A property path or anonymous node: render it in Turtle-like form.
        return node.n3(graph.namespace_manager)
    return str(node)


def validate(
    data_files: Iterable[str | os.PathLike[str]] | None = None,
) -> ValidationReport:
    """Validate data files (default: the shipped data) with ontology and imports."""
    files = [Path(p) for p in data_files] if data_files is not None else resources.data_files()
    shapes = resources.shapes_files()
    data = rdflib_graph(files)
    if not shapes:
        return ValidationReport(conforms=True)
    shapes_graph = rdflib_graph(shapes)
    ontology = rdflib_graph(resources.ontology_files())
    conforms, report_graph, _ = pyshacl.validate(
        data,
        shacl_graph=shapes_graph,
        ont_graph=ontology,
        inference="rdfs",
        advanced=True,
        allow_warnings=True,
    )
    results = []
    for result in report_graph.subjects(rdflib.RDF.type, SH.ValidationResult):
        severity = report_graph.value(result, SH.resultSeverity)
        results.append(
            ValidationResult(
                focus=_text(report_graph, report_graph.value(result, SH.focusNode)),
                path=_text(report_graph, report_graph.value(result, SH.resultPath)),
                value=_text(report_graph, report_graph.value(result, SH.value)),
                message=str(report_graph.value(result, SH.resultMessage) or ""),
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                constraint=_text(
                    report_graph, report_graph.value(result, SH.sourceConstraintComponent)
                ),
                shape=_text(report_graph, report_graph.value(result, SH.sourceShape)),
            )
        )
    results.sort(key=lambda r: (r.focus, r.path, r.message))
    return ValidationReport(conforms=bool(conforms), results=results, graph=report_graph)
