"""KGX export: the findings as Biolink Model edges for KGX pipelines (Translator, Monarch, KG-Hub).

KGX TSV is two files: ``nodes.tsv`` (id, category, name, ...) and ``edges.tsv``
(subject, predicate, object, qualifiers, provenance); multi-valued cells are
separated by ``|``. Each drug effect finding becomes one edge, read in the Biolink
"fully qualified" style (Biolink Model 4.x)::

    subject CHEBI:6067  predicate biolink:affects  object PR:000001153
    qualified_predicate biolink:causes  object_aspect_qualifier expression
    object_direction_qualifier decreased  anatomical_context_qualifier CL:0000576
    species_context_qualifier NCBITaxon:9606  knowledge_level knowledge_assertion

"isotretinoin causes decreased expression of TLR2 in monocytes, in human".

* The category is the most specific Biolink association whose ranges fit the object:
  ChemicalAffectsGeneAssociation (proteins, genes), GeneAffectsChemicalAssociation
  (chemicals: its subject is "chemical entity or gene or gene product"),
  ChemicalAffectsBiologicalEntityAssociation (processes, cells, anatomy, behaviours,
  phenotypes, diseases), else Association without the qualifiers it does not have
  (a finding on an organism taxon, such as C. acnes, keeps only predicate and provenance).
* Direction: increased/decreased from the ontology's ``skos:exactMatch`` to Biolink's
  DirectionQualifierEnum; "no significant change" is the negated statement
  (``negated`` True, no qualified predicate: Biolink has no "has no effect"
  predicate); "altered" keeps ``causes`` and the aspect but states no direction.
* Aspect and knowledge level come from the ontology's mappings to Biolink's enums
  (reported -> knowledge_assertion, hypothesized -> prediction); an aspect with no
  Biolink counterpart is left out rather than forced.
* Context: cell type and sample context are anatomical context qualifiers; the species
  is the species context. Condition (disease) context, significance, regimen and time
  are not slots of these associations: they stay in the RDF exports.
* Provenance: ``publications`` is the source document (its w3id IRI) and the study's
  DOI where the source gives one; ``has_evidence`` the ECO class; ``agent_type``
  manual_agent (curated by people); ``primary_knowledge_source`` infores:retinoid-ld.

Drug-to-drug relations mapped to ``biolink:has_metabolite`` in the ontology become
ChemicalEntityToChemicalDerivationAssociation edges. Condition findings (disease
versus healthy, no drug), knowledge gaps and mechanism chains are not drug-to-target
statements; they are in the RDF exports.

Ids: OBO terms as CURIEs (``CHEBI:6067``); project terms and findings by their full
w3id IRI (no registered prefix exists for them); metabolite edges by a UUID derived
from subject, predicate and object, so the same store gives the same bytes.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import BinaryIO

import pyoxigraph as ox

from retinoid_ld.namespaces import OBO, PREFIXES, RLD, curie

BIOLINK = "https://w3id.org/biolink/vocab/"
INFORES = "infores:retinoid-ld"
AGENT_TYPE = "manual_agent"

NODE_COLUMNS: tuple[str, ...] = ("id", "category", "name", "description", "provided_by")
EDGE_COLUMNS: tuple[str, ...] = (
    "id",
    "subject",
    "predicate",
    "object",
    "category",
    "negated",
    "qualified_predicate",
    "object_aspect_qualifier",
    "object_direction_qualifier",
    "anatomical_context_qualifier",
    "species_context_qualifier",
    "knowledge_level",
    "agent_type",
    "primary_knowledge_source",
    "publications",
    "has_evidence",
)

# Biolink category of a term by its OBO prefix (GO is refined by its branch).
PREFIX_CATEGORIES: dict[str, str] = {
    "CHEBI": "biolink:SmallMolecule",
    "PR": "biolink:Protein",
    "GO": "biolink:BiologicalProcess",
    "CL": "biolink:Cell",
    "UBERON": "biolink:AnatomicalEntity",
    "NBO": "biolink:Behavior",
    "MP": "biolink:PhenotypicFeature",
    "HP": "biolink:PhenotypicFeature",
    "MONDO": "biolink:Disease",
    "NCBITaxon": "biolink:OrganismTaxon",
}
GO_BRANCHES: dict[str, str] = {
    OBO + "GO_0003674": "biolink:MolecularActivity",
    OBO + "GO_0005575": "biolink:CellularComponent",
    OBO + "GO_0008150": "biolink:BiologicalProcess",
}
GENE_CATEGORIES = {"biolink:Protein", "biolink:Gene"}
CHEMICAL_CATEGORIES = {"biolink:SmallMolecule", "biolink:ChemicalEntity", "biolink:MolecularEntity"}
BIOLOGICAL_CATEGORIES = {
    "biolink:BiologicalProcess",
    "biolink:MolecularActivity",
    "biolink:Pathway",
    "biolink:Behavior",
    "biolink:Cell",
    "biolink:CellularComponent",
    "biolink:AnatomicalEntity",
    "biolink:PhenotypicFeature",
    "biolink:Disease",
}
QUALIFIED_ASSOCIATIONS = {
    "biolink:ChemicalAffectsGeneAssociation",
    "biolink:GeneAffectsChemicalAssociation",
    "biolink:ChemicalAffectsBiologicalEntityAssociation",
}
METABOLITE_ASSOCIATION = "biolink:ChemicalEntityToChemicalDerivationAssociation"

ASPECT_ENUM = BIOLINK + "GeneOrGeneProductOrChemicalEntityAspectEnum#"
DIRECTION_ENUM = BIOLINK + "DirectionQualifierEnum#"
KNOWLEDGE_LEVEL_ENUM = BIOLINK + "KnowledgeLevelEnum#"
# Used only where the ontology states no mapping of its own.
KNOWLEDGE_LEVEL_FALLBACK = {
    RLD + "Reported": "knowledge_assertion",
    RLD + "Hypothesized": "prediction",
}
DIRECTION_FALLBACK = {RLD + "Increased": "increased", RLD + "Decreased": "decreased"}
NO_CHANGE = RLD + "NoSignificantChange"
_EDGE_NAMESPACE = uuid.UUID("5a0c5f8e-3b1e-5d7e-9a57-7265746e6f69")

_PREFIXES = f"""PREFIX rld: <{RLD}>
PREFIX rdfs: <{PREFIXES["rdfs"]}>
PREFIX skos: <{PREFIXES["skos"]}>
PREFIX biolink: <{BIOLINK}>
"""


def kgx_id(iri: str) -> str:
    """An OBO PURL as its CURIE, a DOI as ``doi:...``; anything else as the full IRI."""
    compact = curie(iri)
    if compact != iri and not compact.startswith(("rld:", "obo:")):
        return compact
    if iri.startswith("https://doi.org/"):
        return "doi:" + iri[len("https://doi.org/") :]
    return iri


def _node(iri: str, node_iris: dict[str, str]) -> str:
    """The KGX id of an edge end, remembering its IRI for the nodes file."""
    identifier = kgx_id(iri)
    node_iris[identifier] = iri
    return identifier


def _clean(text: str) -> str:
    """A TSV cell: no tabs or line breaks inside."""
    return " ".join(text.split())


def _cell(values: Iterable[str]) -> str:
    return "|".join(sorted(set(values)))


def _select(store: ox.Store, query: str) -> Iterable[ox.QuerySolution]:
    return store.query(_PREFIXES + query, use_default_graph_as_union=True)


def _multi(store: ox.Store, where: str) -> dict[str, list[str]]:
    """?finding -> values of ?value for a pattern."""
    values: dict[str, set[str]] = defaultdict(set)
    for row in _select(store, f"SELECT ?finding ?value WHERE {{ {where} }}"):
        value = row["value"]
        values[row["finding"].value].add(value.value)
    return {k: sorted(v) for k, v in values.items()}


def _enum_mappings(store: ox.Store, enum: str) -> dict[str, str]:
    """Project term -> Biolink enum value, exact matches before close matches."""
    found: dict[str, tuple[int, str]] = {}
    query = f"""SELECT ?term ?match ?rank WHERE {{
      {{ ?term skos:exactMatch ?match BIND(0 AS ?rank) }}
      UNION {{ ?term skos:closeMatch ?match BIND(1 AS ?rank) }}
      FILTER(STRSTARTS(STR(?match), "{enum}")) }}"""
    for row in _select(store, query):
        candidate = (int(row["rank"].value), row["match"].value[len(enum) :])
        term = row["term"].value
        if term not in found or candidate < found[term]:
            found[term] = candidate
    return {term: value for term, (_, value) in found.items()}


class Categorizer:
    """The Biolink category of a term, from its OBO prefix or its nearest OBO ancestor."""

    def __init__(self, store: ox.Store) -> None:
        self.parents: dict[str, set[str]] = defaultdict(set)
        for row in _select(
            store, "SELECT ?c ?p WHERE { ?c rdfs:subClassOf ?p FILTER(isIRI(?p) && isIRI(?c)) }"
        ):
            self.parents[row["c"].value].add(row["p"].value)
        self.missing: dict[str, set[str]] = defaultdict(set)
        for row in _select(store, "SELECT ?t ?m WHERE { ?t rld:missingMapping ?m }"):
            self.missing[row["t"].value].add(row["m"].value)
        self._cache: dict[str, str] = {}

    @staticmethod
    def _prefix(iri: str) -> str | None:
        compact = curie(iri)
        return compact.split(":", 1)[0] if compact != iri else None

    def _ancestors(self, iri: str) -> Iterable[list[str]]:
        """Ancestor IRIs level by level (breadth first), each level sorted."""
        seen = {iri}
        level = [iri]
        while level:
            parents = sorted({p for c in level for p in self.parents.get(c, ()) if p not in seen})
            seen.update(parents)
            if parents:
                yield parents
            level = parents

    def category(self, iri: str) -> str:
        if iri not in self._cache:
            self._cache[iri] = self._category(iri)
        return self._cache[iri]

    def _category(self, iri: str) -> str:
        prefix = self._prefix(iri)
        if prefix == "GO":
            for level in self._ancestors(iri):
                for ancestor in level:
                    if ancestor in GO_BRANCHES:
                        return GO_BRANCHES[ancestor]
            return GO_BRANCHES.get(iri, PREFIX_CATEGORIES["GO"])
        if prefix in PREFIX_CATEGORIES:
            return PREFIX_CATEGORIES[prefix]
        for level in self._ancestors(iri):
            for ancestor in level:
                if self._prefix(ancestor) in PREFIX_CATEGORIES:
                    return self.category(ancestor)
        for ontology in sorted(self.missing.get(iri, ())):
            if ontology in PREFIX_CATEGORIES:
                return PREFIX_CATEGORIES[ontology]
        return "biolink:NamedThing"


def association_category(object_category: str) -> str:
    """The most specific chemical-affects association whose object range fits."""
    if object_category in GENE_CATEGORIES:
        return "biolink:ChemicalAffectsGeneAssociation"
    if object_category in CHEMICAL_CATEGORIES:
        return "biolink:GeneAffectsChemicalAssociation"
    if object_category in BIOLOGICAL_CATEGORIES:
        return "biolink:ChemicalAffectsBiologicalEntityAssociation"
    return "biolink:Association"


@dataclass(frozen=True)
class KgxGraph:
    """Nodes and edges as rows of strings, in column order, sorted by id."""

    nodes: list[dict[str, str]]
    edges: list[dict[str, str]]


def _finding_edges(
    store: ox.Store, categories: Categorizer, node_iris: dict[str, str]
) -> list[dict[str, str]]:
    aspects = _enum_mappings(store, ASPECT_ENUM)
    directions = {**DIRECTION_FALLBACK, **_enum_mappings(store, DIRECTION_ENUM)}
    levels = {**KNOWLEDGE_LEVEL_FALLBACK, **_enum_mappings(store, KNOWLEDGE_LEVEL_ENUM)}
    finding = "?finding a rld:DrugEffectFinding ."
    contexts = _multi(
        store,
        f"{finding} {{ ?finding rld:cellType ?value }} UNION {{ ?finding rld:sampleContext ?value }}",
    )
    species = _multi(store, f"{finding} ?finding rld:species ?value")
    evidence = _multi(store, f"{finding} ?finding rld:evidence ?value")
    documents = _multi(store, f"{finding} ?finding rld:sourceDocument ?value")
    dois = _multi(
        store,
        f"{finding} {{ ?finding rld:study/rld:doi ?value }} "
        "UNION { ?finding rld:sourceDocument/rld:doi ?value }",
    )
    rows = _select(
        store,
        f"""SELECT ?finding ?drug ?target ?aspect ?direction ?status WHERE {{
          {finding} ?finding rld:drug ?drug ; rld:target ?target .
          OPTIONAL {{ ?finding rld:aspect ?aspect }}
          OPTIONAL {{ ?finding rld:direction ?direction }}
          OPTIONAL {{ ?finding rld:status ?status }} }}""",
    )
    statements: dict[str, list[tuple[str, str, str, str, str]]] = defaultdict(list)
    for row in rows:
        if not isinstance(row["drug"], ox.NamedNode) or not isinstance(row["target"], ox.NamedNode):
            continue
        statements[row["finding"].value].append(
            tuple(
                row[v].value if row[v] is not None else ""
                for v in ("drug", "target", "aspect", "direction", "status")
            )  # type: ignore[arg-type]
        )
    edges = []
    for iri in sorted(statements):
        rows_of_finding = sorted(set(statements[iri]))
        for index, (drug, target, aspect, direction, status) in enumerate(rows_of_finding):
            category = association_category(categories.category(target))
            qualified = category in QUALIFIED_ASSOCIATIONS
            negated = direction == NO_CHANGE
            edge = dict.fromkeys(EDGE_COLUMNS, "")
            edge.update(
                id=iri if len(rows_of_finding) == 1 else f"{iri}#{index + 1}",
                subject=_node(drug, node_iris),
                predicate="biolink:affects",
                object=_node(target, node_iris),
                category=category,
                negated="True" if negated else "",
                knowledge_level=levels.get(status, "not_provided"),
                agent_type=AGENT_TYPE,
                primary_knowledge_source=INFORES,
                publications=_cell(
                    [*documents.get(iri, ()), *("doi:" + d for d in dois.get(iri, ()))]
                ),
                has_evidence=_cell(kgx_id(e) for e in evidence.get(iri, ())),
            )
            if qualified:
                edge.update(
                    qualified_predicate="" if negated else "biolink:causes",
                    object_aspect_qualifier=aspects.get(aspect, ""),
                    object_direction_qualifier="" if negated else directions.get(direction, ""),
                    anatomical_context_qualifier=_cell(kgx_id(c) for c in contexts.get(iri, ())),
                    species_context_qualifier=_cell(kgx_id(s) for s in species.get(iri, ())),
                )
            edges.append(edge)
    return edges


def _metabolite_edges(store: ox.Store, node_iris: dict[str, str]) -> list[dict[str, str]]:
    """Drug -> metabolite statements of properties the ontology maps to Biolink's."""
    query = """SELECT DISTINCT ?parent ?metabolite WHERE {
      { ?property skos:exactMatch|skos:closeMatch|skos:broadMatch biolink:has_metabolite .
        ?parent ?property ?metabolite }
      UNION
      { ?property skos:exactMatch|skos:closeMatch|skos:broadMatch biolink:is_metabolite_of .
        ?metabolite ?property ?parent }
      FILTER(isIRI(?parent) && isIRI(?metabolite)) }"""
    edges = []
    for row in _select(store, query):
        subject = _node(row["parent"].value, node_iris)
        obj = _node(row["metabolite"].value, node_iris)
        edge = dict.fromkeys(EDGE_COLUMNS, "")
        edge.update(
            id="urn:uuid:"
            + str(uuid.uuid5(_EDGE_NAMESPACE, f"{subject} biolink:has_metabolite {obj}")),
            subject=subject,
            predicate="biolink:has_metabolite",
            object=obj,
            category=METABOLITE_ASSOCIATION,
            knowledge_level="knowledge_assertion",
            agent_type=AGENT_TYPE,
            primary_knowledge_source=INFORES,
        )
        edges.append(edge)
    return edges


def _nodes(store: ox.Store, iris: Sequence[str], categories: Categorizer) -> list[dict[str, str]]:
    names: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    query = f"""SELECT ?term ?kind ?text WHERE {{
      {{ ?term rdfs:label ?text BIND("name" AS ?kind) }}
      UNION {{ ?term skos:definition|<{OBO}IAO_0000115> ?text BIND("description" AS ?kind) }}
      FILTER(isIRI(?term)) }}"""
    wanted = set(iris)
    for row in _select(store, query):
        term = row["term"].value
        if term not in wanted:
            continue
        target = names if row["kind"].value == "name" else descriptions
        text = _clean(row["text"].value)
        if term not in target or text < target[term]:
            target[term] = text  # the smallest, so a term with two labels is stable
    nodes = []
    for iri in iris:
        node = dict.fromkeys(NODE_COLUMNS, "")
        node.update(
            id=kgx_id(iri),
            category=categories.category(iri),
            name=names.get(iri, ""),
            description=descriptions.get(iri, ""),
            provided_by=INFORES,
        )
        nodes.append(node)
    return sorted(nodes, key=lambda n: n["id"])


def kgx_graph(store: ox.Store) -> KgxGraph:
    """The KGX nodes and edges of an open store."""
    categories = Categorizer(store)
    node_iris: dict[str, str] = {}
    edges = _finding_edges(store, categories, node_iris) + _metabolite_edges(store, node_iris)
    edges.sort(key=lambda e: (e["id"], e["subject"], e["object"]))
    return KgxGraph(nodes=_nodes(store, sorted(node_iris.values()), categories), edges=edges)


def _write_tsv(rows: list[dict[str, str]], columns: Sequence[str], out: BinaryIO) -> None:
    out.write(("\t".join(columns) + "\n").encode("utf-8"))
    for row in rows:
        out.write(("\t".join(_clean(row[c]) for c in columns) + "\n").encode("utf-8"))


def write_kgx(store: ox.Store, nodes_out: BinaryIO, edges_out: BinaryIO) -> KgxGraph:
    """Write KGX ``nodes.tsv`` and ``edges.tsv`` of an open store; returns what was written."""
    graph = kgx_graph(store)
    _write_tsv(graph.nodes, NODE_COLUMNS, nodes_out)
    _write_tsv(graph.edges, EDGE_COLUMNS, edges_out)
    return graph
