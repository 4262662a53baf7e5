"""Reason over the merged ontology with HermiT (through owlready2): consistency and satisfiability.

What is reasoned over is the release graph of :mod:`retinoid_ld.release`: the edit
file, the import modules and the curated data, with ``owl:imports`` removed (the
modules are merged, nothing is fetched). It is handed to owlready2 as an N-Triples
file and classified by HermiT in a fresh owlready2 ``World`` per call, so nothing
leaks between runs.

Two details matter:

* OBO class IRIs are used as slot values of findings (``rld:drug obo:CHEBI_6067``):
  OWL 2 punning, legal in OWL 2 DL. owlready2 keeps every triple in its quadstore
  and writes them back unchanged for HermiT, which handles the punned IRI as a class
  and as an individual.
* ``rld:year`` has range ``xsd:gYear``, which is outside the OWL 2 datatype map;
  HermiT is run with ``--ignoreUnsupportedDatatypes`` so that such values are kept
  as opaque data rather than aborting the run.

HermiT answers "inconsistent" without saying why. :func:`explain_inconsistency` then
looks for the usual causes in the graph itself (an individual in two disjoint
classes, two different values of a functional property, an irreflexive property
used reflexively, a literal outside its property's range) and names them.

HermiT does not scale to bulk data (millions of findings); reason over the ontology
and the curated data, which is what the defaults do.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import rdflib
from rdflib.namespace import OWL, RDF, RDFS, XSD

from retinoid_ld.errors import RetinoidError
from retinoid_ld.namespaces import GRAPH_DATA, GRAPH_IMPORTS, GRAPH_ONTOLOGY, curie
from retinoid_ld.release import merge_into_release, merged_ontology_graph

LARGE_INDIVIDUAL_COUNT = 20_000


class ReasonerUnavailable(RetinoidError):
    """The reasoner cannot run here (no Java, or Java failed): exit 2."""


@dataclass
class ReasonerReport:
    """The outcome of a reasoner run."""

    consistent: bool
    unsatisfiable: list[str] = field(default_factory=list)
    explanations: list[str] = field(default_factory=list)
    triples: int = 0
    individuals: int = 0
    reasoner: str = "HermiT (owlready2)"

    @property
    def ok(self) -> bool:
        """Consistent and without unsatisfiable classes."""
        return self.consistent and not self.unsatisfiable


def java_executable() -> str | None:
    """The Java owlready2 will run, or None if there is none."""
    import owlready2

    configured = owlready2.JAVA_EXE
    if os.path.sep in configured:
        return configured if os.access(configured, os.X_OK) else None
    return shutil.which(configured)


def store_graph(store: str | os.PathLike[str] | None, *, include_data: bool = True) -> rdflib.Graph:
    """The ontology, imports and (optionally) data graphs of a built store as one graph."""
    import pyoxigraph as ox

    from retinoid_ld.rdfio import to_rdflib_term
    from retinoid_ld.store import open_store

    opened = open_store(store)
    graph = rdflib.Graph()
    names = [GRAPH_ONTOLOGY, GRAPH_IMPORTS] + ([GRAPH_DATA] if include_data else [])
    for name in names:
        for quad in opened.quads_for_pattern(None, None, None, ox.NamedNode(name)):
            graph.add(
                (
                    to_rdflib_term(quad.subject),
                    to_rdflib_term(quad.predicate),
                    to_rdflib_term(quad.object),
                )
            )
    return merge_into_release(graph)


def individual_count(graph: rdflib.Graph) -> int:
    """How many individuals (instances of declared classes, or named individuals) there are."""
    classes = set(graph.subjects(RDF.type, OWL.Class))
    return len(
        {
            s
            for s, o in graph.subject_objects(RDF.type)
            if o not in (OWL.Class, OWL.Ontology) and (o in classes or o == OWL.NamedIndividual)
        }
    )


def run_hermit(graph: rdflib.Graph) -> tuple[bool, list[str]]:
    """Run HermiT on ``graph``: (consistent, IRIs of unsatisfiable classes)."""
    import owlready2

    if java_executable() is None:
        raise ReasonerUnavailable(
            f"Java is not installed here (no {owlready2.JAVA_EXE!r} on PATH); HermiT, the OWL "
            "reasoner owlready2 runs, needs a Java runtime",
            hint="install Java 11 or later (Debian: apt-get install default-jre-headless) "
            "and run the command again",
        )
    with tempfile.TemporaryDirectory(prefix="retinoid-ld-reason-") as folder:
        path = Path(folder) / "merged.nt"
        graph.serialize(destination=str(path), format="nt", encoding="utf-8")
        world = owlready2.World()
        try:
            world.get_ontology(path.as_uri()).load()
            try:
                owlready2.sync_reasoner_hermit(
                    world, infer_property_values=False, debug=0, ignore_unsupported_datatypes=True
                )
            except owlready2.OwlReadyInconsistentOntologyError:
                return False, []
            except owlready2.OwlReadyJavaError as error:
                raise ReasonerUnavailable(
                    f"HermiT failed: {str(error).strip()[:2000]}",
                    hint="rerun with --debug; check that Java 11 or later is installed",
                ) from error
            unsatisfiable = sorted(
                cls.iri
                for cls in world.inconsistent_classes()
                if cls.iri != "http://www.w3.org/2002/07/owl#Nothing"
            )
            return True, unsatisfiable
        finally:
            world.close()


# ---------------------------------------------------------------------------
# Explaining an inconsistency
# ---------------------------------------------------------------------------


def _short(node: rdflib.term.Node) -> str:
    if isinstance(node, rdflib.Literal):
        return node.n3()
    return curie(str(node)) if isinstance(node, rdflib.URIRef) else f"_:{node}"


def _name(graph: rdflib.Graph, node: rdflib.term.Node) -> str:
    """``rld:Increased "increased"``: the CURIE and, where there is one, the label."""
    label = None if isinstance(node, rdflib.Literal) else graph.value(node, RDFS.label)
    return f'{_short(node)} "{label}"' if label is not None else _short(node)


def _superclasses(graph: rdflib.Graph, cls: rdflib.term.Node) -> set[rdflib.term.Node]:
    found = {cls}
    pending = [cls]
    while pending:
        for parent in graph.objects(pending.pop(), RDFS.subClassOf):
            if isinstance(parent, rdflib.URIRef) and parent not in found:
                found.add(parent)
                pending.append(parent)
    return found


def _superproperties(graph: rdflib.Graph, prop: rdflib.term.Node) -> set[rdflib.term.Node]:
    found = {prop}
    pending = [prop]
    while pending:
        for parent in graph.objects(pending.pop(), RDFS.subPropertyOf):
            if parent not in found:
                found.add(parent)
                pending.append(parent)
    return found


def _disjoint_pairs(graph: rdflib.Graph) -> set[frozenset[rdflib.term.Node]]:
    pairs = {frozenset((a, b)) for a, b in graph.subject_objects(OWL.disjointWith) if a != b}
    for axiom in graph.subjects(RDF.type, OWL.AllDisjointClasses):
        members_node = graph.value(axiom, OWL.members)
        if members_node is None:
            continue
        members = list(rdflib.collection.Collection(graph, members_node))
        pairs |= {frozenset((a, b)) for a in members for b in members if a != b}
    return pairs


def _different_pairs(graph: rdflib.Graph) -> set[frozenset[rdflib.term.Node]]:
    pairs = {frozenset((a, b)) for a, b in graph.subject_objects(OWL.differentFrom) if a != b}
    for axiom in graph.subjects(RDF.type, OWL.AllDifferent):
        members_node = graph.value(axiom, OWL.distinctMembers) or graph.value(axiom, OWL.members)
        if members_node is None:
            continue
        members = list(rdflib.collection.Collection(graph, members_node))
        pairs |= {frozenset((a, b)) for a in members for b in members if a != b}
    return pairs


_INTEGER_TYPES = {
    XSD.integer,
    XSD.int,
    XSD.long,
    XSD.short,
    XSD.byte,
    XSD.nonNegativeInteger,
    XSD.positiveInteger,
    XSD.unsignedInt,
    XSD.unsignedLong,
    XSD.unsignedShort,
    XSD.unsignedByte,
    XSD.negativeInteger,
    XSD.nonPositiveInteger,
}


def _literal_fits(literal: rdflib.Literal, datatype: rdflib.term.Node) -> bool:
    """Whether a literal is in the value space of a range datatype (the common XSD ones)."""
    given = literal.datatype or (RDF.langString if literal.language else XSD.string)
    if datatype == RDFS.Literal or given == datatype:
        if datatype == XSD.positiveInteger:
            return _number(literal) is not None and _number(literal) > 0  # type: ignore[operator]
        return True
    if datatype == XSD.decimal:
        return given in _INTEGER_TYPES | {XSD.decimal}
    if datatype in (XSD.integer, XSD.nonNegativeInteger, XSD.positiveInteger):
        value = _number(literal)
        if given not in _INTEGER_TYPES or value is None:
            return False
        minimum = {XSD.nonNegativeInteger: 0, XSD.positiveInteger: 1}.get(datatype)
        return minimum is None or value >= minimum
    if datatype == XSD.string:
        return given == XSD.string
    if datatype in (XSD.boolean, XSD.gYear, XSD.date, XSD.dateTime, XSD.anyURI):
        return given == datatype
    return True  # a datatype this check does not know: leave it to HermiT


def _number(literal: rdflib.Literal) -> Decimal | None:
    try:
        return Decimal(str(literal))
    except InvalidOperation:
        return None


def explain_inconsistency(graph: rdflib.Graph, *, limit: int = 20) -> list[str]:
    """Name the usual causes of an inconsistency that the graph shows directly.

    Types of an individual are its asserted classes plus those implied by the domains
    and ranges of the properties it takes part in, closed under rdfs:subClassOf.
    """
    reasons: dict[rdflib.term.Node, dict[rdflib.term.Node, str]] = defaultdict(dict)
    object_properties = set(graph.subjects(RDF.type, OWL.ObjectProperty))
    datatype_properties = set(graph.subjects(RDF.type, OWL.DatatypeProperty))
    used_properties = set(graph.predicates())

    def add_types(node: rdflib.term.Node, cls: rdflib.term.Node, why: str) -> None:
        for superclass in _superclasses(graph, cls):
            reasons[node].setdefault(superclass, why)

    for node, cls in graph.subject_objects(RDF.type):
        if isinstance(cls, rdflib.URIRef) and not str(cls).startswith(str(OWL)):
            add_types(node, cls, f"asserted type {_short(cls)}")
    for prop in used_properties & (object_properties | datatype_properties):
        properties = _superproperties(graph, prop)
        domains = {d for p in properties for d in graph.objects(p, RDFS.domain)}
        ranges = {r for p in properties for r in graph.objects(p, RDFS.range)}
        for subject, obj in graph.subject_objects(prop):
            for domain in domains:
                add_types(subject, domain, f"by the domain of {_short(prop)}")
            if prop in object_properties:
                for range_ in ranges:
                    add_types(
                        obj,
                        range_,
                        f"as the value of {_short(prop)} on {_short(subject)}, by its range",
                    )

    problems: list[str] = []
    disjoint = _disjoint_pairs(graph)
    for node in sorted(reasons, key=str):
        types = reasons[node]
        for pair in sorted(disjoint, key=lambda p: sorted(map(str, p))):
            first, second = sorted(pair, key=str)
            if first in types and second in types:
                problems.append(
                    f"{_name(graph, node)} is both a {_short(first)} ({types[first]}) and a "
                    f"{_short(second)} ({types[second]}), but those classes are disjoint"
                )

    different = _different_pairs(graph)
    for prop in sorted(set(graph.subjects(RDF.type, OWL.FunctionalProperty)), key=str):
        values: dict[rdflib.term.Node, set[rdflib.term.Node]] = defaultdict(set)
        for subject, obj in graph.subject_objects(prop):
            values[subject].add(obj)
        for subject, objs in sorted(values.items(), key=lambda item: str(item[0])):
            clashing = sorted(
                (a, b)
                for a in objs
                for b in objs
                if str(a) < str(b)
                and (
                    frozenset((a, b)) in different
                    or (isinstance(a, rdflib.Literal) and isinstance(b, rdflib.Literal))
                )
            )
            for a, b in clashing:
                problems.append(
                    f"{_name(graph, subject)} has two values of the functional property "
                    f"{_short(prop)}: {_short(a)} and {_short(b)}, which are different "
                    "individuals; keep one"
                )

    for prop in sorted(set(graph.subjects(RDF.type, OWL.IrreflexiveProperty)), key=str):
        for subject, obj in graph.subject_objects(prop):
            if subject == obj:
                problems.append(
                    f"{_name(graph, subject)} is related to itself by the irreflexive property "
                    f"{_short(prop)}"
                )

    for prop in sorted(used_properties & datatype_properties, key=str):
        ranges = set(graph.objects(prop, RDFS.range))
        for subject, obj in graph.subject_objects(prop):
            if not isinstance(obj, rdflib.Literal):
                continue
            for range_ in ranges:
                if not _literal_fits(obj, range_):
                    problems.append(
                        f"{_name(graph, subject)} has {_short(prop)} {obj.n3()}, which is "
                        f"not a {curie(str(range_))} (the property's range)"
                    )
    return problems[:limit]


# ---------------------------------------------------------------------------
# The entry point
# ---------------------------------------------------------------------------


def reason(
    *,
    include_data: bool = True,
    data_files: Iterable[str | os.PathLike[str]] | None = None,
    store: str | os.PathLike[str] | None = None,
    graph: rdflib.Graph | None = None,
) -> ReasonerReport:
    """Check the merged ontology for consistency and unsatisfiable classes.

    The merged ontology is, in order of preference: ``graph`` as given; the ontology,
    imports and data graphs of the built ``store``; or the edit file, import modules
    and data files (the shipped data unless ``data_files``).
    """
    if graph is None:
        if store is not None:
            graph = store_graph(store, include_data=include_data)
        else:
            graph = merged_ontology_graph(include_data=include_data, data_files=data_files)
    individuals = individual_count(graph)
    consistent, unsatisfiable = run_hermit(graph)
    report = ReasonerReport(
        consistent=consistent,
        unsatisfiable=unsatisfiable,
        triples=len(graph),
        individuals=individuals,
    )
    if not consistent:
        report.explanations = explain_inconsistency(graph)
    return report


def describe(report: ReasonerReport, graph_labels: rdflib.Graph | None = None) -> str:
    """The report as text for people."""
    lines = [
        f"reasoner: {report.reasoner}; {report.triples} triples, {report.individuals} individuals"
    ]
    if not report.consistent:
        lines.append("INCONSISTENT: the merged ontology has no model")
        if report.explanations:
            lines.append("likely causes:")
            lines += [f"  - {text}" for text in report.explanations]
        else:
            lines.append(
                "no simple cause found (disjoint types, functional or irreflexive properties, "
                "literal ranges); open the release (retinoid-ld export --format owl) in Protege "
                "and use its inconsistency explanation"
            )
        return "\n".join(lines)
    lines.append("consistent: yes")
    if report.unsatisfiable:
        lines.append(f"UNSATISFIABLE classes ({len(report.unsatisfiable)}):")
        for iri in report.unsatisfiable:
            name = _name(graph_labels, rdflib.URIRef(iri)) if graph_labels is not None else iri
            lines.append(f"  - {name}")
    else:
        lines.append("unsatisfiable classes: none")
    return "\n".join(lines)
