"""The findings table: one tab-separated row per finding and per knowledge gap.

For users who do not speak SPARQL (in the spirit of CTD's chemical-gene interaction
file, but with context): every row names the drug, the target, what changed and which
way, the context, the study and where in which source document it is stated. Terms are
compact CURIEs with their labels beside them; an empty cell means "not stated".

Everything is read from the store by SPARQL over the union of its named graphs, so the
table shows exactly what the store holds. Rows are sorted by finding and every value
list is sorted, so the same store always gives the same bytes.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import BinaryIO

import pyoxigraph as ox

from retinoid_ld.namespaces import RLD, curie

FINDINGS_COLUMNS: tuple[str, ...] = (
    "finding",
    "drug",
    "drug_label",
    "target",
    "target_label",
    "aspect",
    "direction",
    "significance",
    "status",
    "cell_type",
    "cell_type_label",
    "anatomical_context",
    "anatomical_context_label",
    "species",
    "species_label",
    "condition",
    "condition_label",
    "study",
    "study_label",
    "source_document",
    "source_location",
    "evidence",
    "evidence_label",
)

# Term columns: the property each is read from; each has a *_label column beside it.
TERM_COLUMNS: dict[str, str] = {
    "drug": RLD + "drug",
    "target": RLD + "target",
    "cell_type": RLD + "cellType",
    "anatomical_context": RLD + "sampleContext",
    "species": RLD + "species",
    "condition": RLD + "condition",
    "study": RLD + "study",
    "evidence": RLD + "evidence",
}
VALUE_COLUMNS: dict[str, str] = {
    "aspect": RLD + "aspect",
    "direction": RLD + "direction",
    "significance": RLD + "significance",
    "status": RLD + "status",
    "source_document": RLD + "sourceDocument",
}
LOCATION_PROPERTIES: dict[str, str] = {
    RLD + "sourceSection": "section",
    RLD + "sourceTable": "table",
    RLD + "sourceRow": "row",
    RLD + "sourceColumn": "column",
}

# Controlled values as the table spells them; a value mapped to "" reads "not stated".
DIRECTIONS = {
    RLD + "Decreased": "decreased",
    RLD + "Increased": "increased",
    RLD + "NoSignificantChange": "no_significant_change",
    RLD + "Altered": "",  # changed, direction not stated
}
NOT_STUDIED = "not_studied"
SIGNIFICANCES = {
    RLD + "Significant": "significant",
    RLD + "NotSignificant": "not_significant",
    RLD + "NotAlwaysSignificant": "not_always_significant",
    RLD + "SignificanceNotStated": "",
}
STATUSES = {RLD + "Reported": "reported", RLD + "Hypothesized": "hypothesized"}

_PREFIXES = """
PREFIX rld: <https://w3id.org/retinoid-ld/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
# Findings (any subclass of rld:Finding) and knowledge gaps, with every property the
# table reads; one solution per (node, property, value), aggregated in Python so that
# multi-valued properties never multiply rows. The nodes are chosen in a subquery: with
# the BIND beside the triple patterns Oxigraph 0.5 joins in an order 20x slower.
_STATEMENTS_QUERY = (
    _PREFIXES
    + """
SELECT ?node ?gap ?property ?value WHERE {
  {
    SELECT ?node ?gap WHERE {
      VALUES ?kind { rld:Finding rld:KnowledgeGap }
      ?type rdfs:subClassOf* ?kind .
      ?node a ?type .
      BIND(?kind = rld:KnowledgeGap AS ?gap)
    }
  }
  VALUES ?property {
    rld:drug rld:target rld:cellType rld:sampleContext rld:species rld:condition rld:study
    rld:evidence rld:aspect rld:direction rld:significance rld:status rld:sourceDocument
    rld:sourceSection rld:sourceTable rld:sourceRow rld:sourceColumn
  }
  ?node ?property ?value .
}
"""
)
# Every label in the store, filtered in Python to the terms the rows name: one scan of
# rdfs:label is far cheaper than joining labels to every finding's values.
_LABELS_QUERY = (
    _PREFIXES
    + """
SELECT ?term ?label WHERE { ?term rdfs:label ?label . FILTER(isIRI(?term)) }
"""
)


def _clean(text: str) -> str:
    """One line, no tabs: a cell must never break the table's layout."""
    return " ".join(text.split())


def _snake(iri: str) -> str:
    """``rld:SerumLevel`` -> ``serum_level``; other IRIs as CURIEs."""
    if iri.startswith(RLD):
        local = iri[len(RLD) :]
        return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", local).lower()
    return curie(iri)


def _labels(store: ox.Store, terms: set[str]) -> dict[str, str]:
    """The smallest rdfs:label of each of ``terms`` (deterministic when several)."""
    labels: dict[str, str] = {}
    for term, label in store.query(_LABELS_QUERY, use_default_graph_as_union=True):
        iri = term.value
        if iri not in terms:
            continue
        text = _clean(label.value)
        if iri not in labels or text < labels[iri]:
            labels[iri] = text
    return labels


def _location(values: dict[str, list[str]]) -> str:
    """``Table 2, row IL-17, column A + B; section X``: where the source states it."""
    parts = []
    table = values.get("table", [])
    if table or values.get("row") or values.get("column"):
        pieces = [" + ".join(table)] if table else []
        if values.get("row"):
            pieces.append("row " + " + ".join(values["row"]))
        if values.get("column"):
            pieces.append("column " + " + ".join(values["column"]))
        parts.append(", ".join(pieces))
    parts.extend(f"section {section}" for section in values.get("section", []))
    return "; ".join(parts)


def findings_rows(store: ox.Store) -> list[dict[str, str]]:
    """Every finding and knowledge gap of ``store`` as a row keyed by FINDINGS_COLUMNS."""
    statements: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    gaps: set[str] = set()
    # Solutions unpacked by position: much faster than by name over millions of rows.
    for node, gap, prop, value in store.query(_STATEMENTS_QUERY, use_default_graph_as_union=True):
        if not isinstance(node, ox.NamedNode):
            continue  # a finding must be named to be cited; blank nodes are skipped
        if gap.value == "true":
            gaps.add(node.value)
        statements[node.value][prop.value].add(value.value)
    term_properties = set(TERM_COLUMNS.values())
    terms = {
        iri
        for values in statements.values()
        for prop, iris in values.items()
        if prop in term_properties
        for iri in iris
    }
    labels = _labels(store, terms)
    return [
        _row(node, statements[node], node in gaps, labels) for node in sorted(statements, key=curie)
    ]


def _row(
    node: str, values: dict[str, set[str]], gap: bool, labels: dict[str, str]
) -> dict[str, str]:
    row = {column: "" for column in FINDINGS_COLUMNS}
    row["finding"] = curie(node)
    for column, prop in TERM_COLUMNS.items():
        iris = sorted(values.get(prop, ()), key=curie)
        row[column] = "|".join(curie(iri) for iri in iris)
        row[column + "_label"] = "|".join(labels.get(iri, "") for iri in iris)

    def controlled(prop: str, names: dict[str, str]) -> str:
        return "|".join(sorted(names.get(v, _snake(v)) for v in values.get(prop, ())))

    row["aspect"] = "|".join(sorted(_snake(v) for v in values.get(VALUE_COLUMNS["aspect"], ())))
    row["direction"] = NOT_STUDIED if gap else controlled(VALUE_COLUMNS["direction"], DIRECTIONS)
    row["significance"] = controlled(VALUE_COLUMNS["significance"], SIGNIFICANCES)
    row["status"] = controlled(VALUE_COLUMNS["status"], STATUSES)
    row["source_document"] = "|".join(
        sorted(curie(v) for v in values.get(VALUE_COLUMNS["source_document"], ()))
    )
    location = {
        name: sorted(_clean(v) for v in values.get(prop, ()))
        for prop, name in LOCATION_PROPERTIES.items()
    }
    row["source_location"] = _location(location)
    return {column: _clean(value) for column, value in row.items()}


def _lines(rows: Iterable[dict[str, str]]) -> Iterable[str]:
    yield "\t".join(FINDINGS_COLUMNS)
    for row in rows:
        yield "\t".join(row[column] for column in FINDINGS_COLUMNS)


def write_findings_tsv(store: ox.Store, out: BinaryIO) -> None:
    """Write the findings table of ``store`` to ``out`` as UTF-8 TSV with a header row."""
    for line in _lines(findings_rows(store)):
        out.write(line.encode("utf-8") + b"\n")
