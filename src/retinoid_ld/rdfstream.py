"""Deterministic streams of a store's statements, for exports that are byte-identical.

Two orders, chosen per format:

* **Subject order** (:class:`SubjectOrder`): subjects sorted by IRI, each with its
  predicate-object pairs sorted. Turtle, RDF/XML and JSON-LD group statements by
  subject, and a sorted file diffs well between releases. It holds the sorted list of
  distinct subject IRIs in memory (roughly 100 bytes per subject), never the triples:
  each subject's statements are read from the store's SPOG index when it is written.
* **Index order** (:func:`index_order_quads`, :func:`union_triples`): the order of
  Oxigraph's on-disk GSPO index, which sorts terms by a hash of their text. It depends on the terms alone,
  not on load order or on the other statements, so it is deterministic for a given
  content and a new statement does not move the others. N-Triples and N-Quads stream
  in this order with constant memory (no sort, no external sort). An in-memory
  ``pyoxigraph.Store`` keeps insertion order instead; exports read on-disk stores.

Blank nodes get canonical labels (RDFC-1.0, ``_:c14n0``...). The build renames blank
nodes per file, so their labels in the store change from build to build; canonical
labels do not. RDFC-1.0 labels depend only on the quads that mention a blank node,
so only those are held in memory (:class:`CanonicalBlankNodes`) and the labels are
those of the whole dataset. The streaming formats collect them during their one pass
and write them last; the subject-order formats find them first, by index lookups.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import groupby

import pyoxigraph as ox

from retinoid_ld.namespaces import (
    GRAPH_DATA,
    GRAPH_IMPORTS,
    GRAPH_METADATA,
    GRAPH_ONTOLOGY,
    RDF_TYPE,
)

# The parts a user selects with --include; the metadata graph is always exported.
PART_GRAPHS: dict[str, str] = {
    "ontology": GRAPH_ONTOLOGY,
    "imports": GRAPH_IMPORTS,
    "data": GRAPH_DATA,
}
METADATA_PART = "metadata"
ALL_PART_GRAPHS: dict[str, str] = {**PART_GRAPHS, METADATA_PART: GRAPH_METADATA}

Subject = ox.NamedNode | ox.BlankNode
Object = ox.NamedNode | ox.BlankNode | ox.Literal
Pair = tuple[ox.NamedNode, Object]


def pair_key(pair: Pair) -> tuple[bool, str, str]:
    """rdf:type first, then by predicate IRI, then by the object's N-Triples form."""
    predicate, obj = pair
    return (predicate.value != RDF_TYPE, predicate.value, str(obj))


def blank_label_key(node: ox.BlankNode) -> tuple[int, str]:
    """Canonical labels in numeric order: c14n2 before c14n10."""
    label = node.value
    if label.startswith("c14n") and label[4:].isdigit():
        return (int(label[4:]), "")
    return (-1, label)


def _in_graphs(quad: ox.Quad, graphs: frozenset[str]) -> bool:
    graph = quad.graph_name
    return isinstance(graph, ox.NamedNode) and graph.value in graphs


class CanonicalBlankNodes:
    """Every statement of the selected graphs that mentions a blank node, canonically labelled.

    Holds those statements in memory (an OWL ontology's restrictions and lists, a
    curator's nested nodes); statements without blank nodes stay in the store.
    """

    def __init__(self, quads: Iterable[ox.Quad]) -> None:
        dataset = ox.Dataset(quads)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        pairs: dict[Subject, set[Pair]] = {}
        by_graph: dict[str, list[ox.Quad]] = {}
        for quad in dataset:
            pairs.setdefault(quad.subject, set()).add((quad.predicate, quad.object))
            by_graph.setdefault(quad.graph_name.value, []).append(quad)
        self._pairs = {s: sorted(p, key=pair_key) for s, p in pairs.items()}
        self._quads = {g: sorted(q, key=str) for g, q in by_graph.items()}
        # How many distinct statements (graphs merged) have each blank node as object.
        self.references: dict[ox.BlankNode, int] = {}
        for subject_pairs in self._pairs.values():
            for _, obj in subject_pairs:
                if isinstance(obj, ox.BlankNode):
                    self.references[obj] = self.references.get(obj, 0) + 1

    @classmethod
    def from_store(
        cls,
        store: ox.Store,
        graphs: Sequence[str],
        *,
        blank_subjects: Mapping[str, Iterable[ox.BlankNode]] | None = None,
    ) -> CanonicalBlankNodes:
        """Find the statements with blank nodes of the graphs by point lookups.

        ``blank_subjects`` (graph -> blank subjects) saves a scan when the caller has
        listed the subjects already. Blank objects are found with a filtered scan in
        Oxigraph; then each blank node's statements are looked up in the indexes.
        """
        found: set[ox.Quad] = set()
        for graph in graphs:
            name = ox.NamedNode(graph)
            if blank_subjects is None:
                subjects = _distinct(store, graph, "?x ?p ?o", blank_only=True)
            else:
                subjects = list(blank_subjects.get(graph, ()))
            for node in subjects:
                found.update(store.quads_for_pattern(node, None, None, name))
            for node in _distinct(store, graph, "?s ?p ?x", blank_only=True):
                found.update(store.quads_for_pattern(None, None, node, name))
        return cls(found)

    def __len__(self) -> int:
        return sum(len(q) for q in self._quads.values())

    def pairs(self, subject: Subject) -> list[Pair]:
        """The sorted predicate-object pairs of ``subject`` that mention a blank node."""
        return self._pairs.get(subject, [])

    def blank_subjects(self) -> list[ox.BlankNode]:
        """Blank nodes that are subjects, in canonical label order."""
        return sorted((s for s in self._pairs if isinstance(s, ox.BlankNode)), key=blank_label_key)

    def quads_in_graph(self, graph: str) -> list[ox.Quad]:
        """The graph's statements that mention a blank node, sorted by their N-Quads text."""
        return self._quads.get(graph, [])

    def nestable(self) -> set[ox.BlankNode]:
        """Blank nodes a writer may nest where they are used (``[ ... ]`` in Turtle).

        A blank node used as the object of exactly one statement can be written inside
        that statement, if the nesting reaches it from a node written at the top level;
        in a cycle of such nodes the one with the lowest label is written at the top.
        """
        once = {node for node, count in self.references.items() if count == 1}
        children = {
            subject: [o for _, o in pairs if isinstance(o, ox.BlankNode)]
            for subject, pairs in self._pairs.items()
        }
        reached: set[ox.BlankNode] = set()

        def visit(starts: list[Subject]) -> None:
            stack = list(starts)
            while stack:
                node = stack.pop()
                for child in children.get(node, ()):
                    if child in once and child not in reached:
                        reached.add(child)
                        stack.append(child)

        visit([s for s in children if s not in once])
        for node in sorted(once - reached, key=blank_label_key):
            if node not in reached:
                once.discard(node)
                visit([node])
        return once


def _distinct(store: ox.Store, graph: str, pattern: str, *, blank_only: bool = False) -> list:
    """The distinct values of ?x in one graph's ``pattern``.

    Plain DISTINCT queries, one per graph, filtered here rather than in SPARQL: in
    Oxigraph a ``FILTER(isBlank(?x))`` or a ``VALUES ?g`` makes the scan several times
    slower than returning every distinct value.
    """
    rows = store.query(f"SELECT DISTINCT ?x WHERE {{ GRAPH <{graph}> {{ {pattern} }} }}")
    if blank_only:
        return [row[0] for row in rows if isinstance(row[0], ox.BlankNode)]
    return [row[0] for row in rows]


class SubjectOrder:
    """The statements of the graphs grouped by subject: subject IRIs sorted, then blank nodes.

    Holds the sorted subject IRIs and the statements with blank nodes; each subject's
    statements are read from the store's SPOG index when its group is produced.
    """

    def __init__(self, store: ox.Store, graphs: Sequence[str]) -> None:
        self.store = store
        self.graphs = list(graphs)
        subjects: set[str] = set()
        blank_subjects: dict[str, list[ox.BlankNode]] = {}
        for graph in self.graphs:
            for subject in _distinct(store, graph, "?x ?p ?o"):
                if isinstance(subject, ox.NamedNode):
                    subjects.add(subject.value)
                else:
                    blank_subjects.setdefault(graph, []).append(subject)
        self.subjects = sorted(subjects)
        self.blanks = CanonicalBlankNodes.from_store(
            store, self.graphs, blank_subjects=blank_subjects
        )

    def groups(self) -> Iterator[tuple[Subject, list[Pair]]]:
        """Each subject with its sorted pairs; a statement held in several graphs once."""
        selected = frozenset(self.graphs)
        for iri in self.subjects:
            node = ox.NamedNode(iri)
            pairs = {
                (quad.predicate, quad.object)
                for quad in self.store.quads_for_pattern(node, None, None, None)
                if not isinstance(quad.object, ox.BlankNode) and _in_graphs(quad, selected)
            }
            pairs.update(self.blanks.pairs(node))
            if pairs:
                yield node, sorted(pairs, key=pair_key)
        for blank in self.blanks.blank_subjects():
            yield blank, self.blanks.pairs(blank)


def _has_blank(quad: ox.Quad) -> bool:
    return isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)


def index_order_quads(store: ox.Store, graphs: Sequence[str]) -> Iterator[ox.Quad]:
    """The quads of the graphs in index order, graph by graph, in one pass.

    Statements with blank nodes are held back while the pass runs and come last,
    canonically labelled, graph by graph, each graph's sorted by N-Quads text.
    """
    held: list[ox.Quad] = []
    for graph in graphs:
        for quad in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)):
            if _has_blank(quad):
                held.append(quad)
            else:
                yield quad
    blanks = CanonicalBlankNodes(held)
    del held
    for graph in graphs:
        yield from blanks.quads_in_graph(graph)


def union_triples(store: ox.Store, graphs: Sequence[str]) -> Iterator[ox.Triple]:
    """The merged graph of the graphs, in index order, each statement once.

    A statement is skipped when an earlier graph holds it: one index lookup per
    statement per earlier graph, so no set of the statements seen is kept (put the
    largest graph first).
    """
    names = [ox.NamedNode(g) for g in graphs]
    seen_blank: set[ox.Triple] = set()
    for quad in index_order_quads(store, graphs):
        triple = ox.Triple(quad.subject, quad.predicate, quad.object)
        if _has_blank(quad):
            if triple in seen_blank:
                continue
            seen_blank.add(triple)
        else:
            position = names.index(quad.graph_name)
            if any(
                ox.Quad(quad.subject, quad.predicate, quad.object, earlier) in store
                for earlier in names[:position]
            ):
                continue
        yield triple


def grouped_by_predicate(pairs: list[Pair]) -> Iterator[tuple[ox.NamedNode, list[Object]]]:
    """Sorted pairs as (predicate, objects) runs."""
    for _, run in groupby(pairs, key=lambda pair: pair[0].value):
        items = list(run)
        yield items[0][0], [obj for _, obj in items]
