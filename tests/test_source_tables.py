"""Rebuild the source documents' tables from the store by SPARQL, cell by cell.

The expected tables below are the sources' tables written as structured values. The
queries read only the finding model (comparison, direction, significance, drug, cell
type, gap) plus the table/row/column provenance, and translate it back into the
tables' own words; any curation slip (a lost row, a wrong direction, a significance
dropped, a reference missing) shows up as a differing cell.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from retinoid_ld.namespaces import curie
from retinoid_ld.store import open_store

PREFIXES = """
PREFIX rld: <https://w3id.org/retinoid-ld/>
PREFIX obo: <http://purl.obolibrary.org/obo/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""

PRE = "Pre-treatment Levels (Acne Patients)"
POST = "Post-treatment Levels (Acne Patients)"
HEALTHY = "Healthy Control Levels"

# doc 000, Tables 1 and 2: cytokine, pre-treatment, post-treatment, healthy control, references
TABLE_000_1 = {
    "IL-1β": ("Elevated", "Significantly Decreased", "Normal", (3,)),
    "IL-6": ("Elevated", "Significantly Decreased", "Normal", (3,)),
    "IL-8": ("Elevated", "Significantly Decreased", "Normal", (7,)),
    "IL-10": ("Elevated", "Significantly Decreased", "Normal", (3,)),
    "IL-12p70": ("Elevated", "Significantly Decreased", "Normal", (3,)),
    "TNF-α": ("Elevated", "Significantly Decreased", "Normal", (5, 7)),
}
TABLE_000_2 = {
    "IL-4": ("Elevated", "Significantly Decreased", "Normal", (5,)),
    "IL-17": (
        "Elevated",
        "Significantly Decreased",
        "Higher than controls post-treatment",
        (5,),
    ),
    "IFN-γ": (
        "Elevated",
        "Significantly Decreased",
        "Lower than controls post-treatment",
        (5,),
    ),
    "IL-36": ("Elevated", "Significantly Decreased", "Normal", (8,)),
    "TWEAK": ("Elevated", "Significantly Decreased", "Normal", (8,)),
    "TSLP": (
        "Elevated",
        "Decreased (not always statistically significant)",
        "Normal",
        (8,),
    ),
}

# doc 001, Table 1: parameter x drug column -> (drug, direction, significance, week)
TABLE_001_1 = {
    ("NK Cell Activity", "Isotretinoin"): ("CHEBI:6067", "decreased", "significant", "12"),
    ("NK Cell Activity", "Acitretin (as Etretinate)"): (
        "rld:etretinate",
        "increased",
        "significance not stated",
        "12",
    ),
    ("NK Cell Numbers", "Isotretinoin"): (
        "CHEBI:6067",
        "decreased",
        "significance not stated",
        "12",
    ),
    ("NK Cell Numbers", "Acitretin (as Etretinate)"): (
        "rld:etretinate",
        "increased",
        "significant",
        "12",
    ),
}

# doc 001, Table 2: cytokine -> (effect of isotretinoin, effect of acitretin, references)
DECREASE = "Decrease"
GAP = "Not extensively studied"
NSE_LYMPHOCYTES = "No significant effect on lymphocytes"
NSE = "No significant effect"
TABLE_001_2 = {
    "IL-1β": (DECREASE, GAP, (4,)),
    "IL-6": (DECREASE, GAP, (4,)),
    "IL-8": (DECREASE, GAP, (6, 7)),
    "IL-10": (DECREASE, GAP, (4,)),
    "IL-12p70": (DECREASE, GAP, (4,)),
    "TNF-α": (DECREASE, GAP, (2, 10)),
    "IFN-γ": (NSE_LYMPHOCYTES, DECREASE, (4, 8)),
    "IL-17": (NSE_LYMPHOCYTES, DECREASE, (4, 8, 11)),
    "IL-4": (NSE_LYMPHOCYTES, NSE, (4, 8)),
    "IL-36": (DECREASE, GAP, (6, 7)),
    "TWEAK": (DECREASE, GAP, (6, 7)),
}
TABLE_001_2_DRUGS = {"Effect of Isotretinoin": "CHEBI:6067", "Effect of Acitretin": "rld:acitretin"}

# Every table of every source, with the rows it has.
SOURCE_TABLES = {
    ("rld:doc-000", "Table 1"): set(TABLE_000_1),
    ("rld:doc-000", "Table 2"): set(TABLE_000_2),
    ("rld:doc-001", "Table 1"): {"NK Cell Activity", "NK Cell Numbers"},
    ("rld:doc-001", "Table 2"): set(TABLE_001_2),
}

# The words the 000 tables use for each combination of the finding model's values.
CELLS_000 = f"""
SELECT ?row ?column ?cell WHERE {{
  VALUES (?column ?comparison ?direction ?significance ?cell) {{
    ("{PRE}" rld:ConditionVersusHealthy rld:Increased UNDEF "Elevated")
    ("{POST}" rld:TreatedVersusBaseline rld:Decreased rld:Significant "Significantly Decreased")
    ("{POST}" rld:TreatedVersusBaseline rld:Decreased rld:NotAlwaysSignificant
        "Decreased (not always statistically significant)")
    ("{HEALTHY}" rld:ConditionVersusHealthy rld:Increased UNDEF "Normal")
    ("{HEALTHY}" rld:TreatedVersusHealthy rld:Increased UNDEF "Higher than controls post-treatment")
    ("{HEALTHY}" rld:TreatedVersusHealthy rld:Decreased UNDEF "Lower than controls post-treatment")
  }}
  ?finding rld:sourceDocument rld:doc-000 ; rld:sourceTable ?table ; rld:sourceRow ?row ;
           rld:sourceColumn ?column ; rld:comparison ?comparison ; rld:direction ?direction ;
           rld:significance ?significance .
}}
"""

REFERENCES = """
SELECT ?row ?number WHERE {
  ?statement rld:sourceDocument ?document ; rld:sourceTable ?table ; rld:sourceRow ?row ;
             rld:citedReference ?reference .
  ?reference rld:referenceNumber ?number ; rld:describedIn ?document .
}
"""

CELLS_001_1 = """
SELECT ?row ?column ?drug ?direction ?significance ?weeks WHERE {
  ?finding rld:sourceDocument rld:doc-001 ; rld:sourceTable "Table 1" ; rld:sourceRow ?row ;
           rld:sourceColumn ?column ; rld:drug ?drug ; rld:direction ?d ; rld:significance ?s ;
           rld:comparison rld:TreatedVersusBaseline ;
           rld:timePoint [ rld:quantityValue ?weeks ; rld:unit rld:Week ] .
  ?d <http://www.w3.org/2000/01/rdf-schema#label> ?direction .
  ?s <http://www.w3.org/2000/01/rdf-schema#label> ?significance .
}
"""

CELLS_001_2 = """
SELECT ?row ?column ?drug ?cell WHERE {
  ?statement rld:sourceDocument rld:doc-001 ; rld:sourceTable "Table 2" ; rld:sourceRow ?row ;
             rld:sourceColumn ?column ; rld:drug ?drug .
  OPTIONAL { ?statement rld:direction ?direction }
  OPTIONAL { ?statement rld:cellType ?cellType }
  BIND(
    IF(EXISTS { ?statement a rld:KnowledgeGap }, "Not extensively studied",
    IF(sameTerm(?direction, rld:Decreased), "Decrease",
    IF(sameTerm(?direction, rld:NoSignificantChange) && BOUND(?cellType) && sameTerm(?cellType, obo:CL_0000542),
       "No significant effect on lymphocytes",
    IF(sameTerm(?direction, rld:NoSignificantChange) && !BOUND(?cellType), "No significant effect",
       "(not a cell the table uses)"))))
    AS ?cell)
}
"""


@pytest.fixture(scope="module")
def store(built_store: Path) -> ox.Store:
    return open_store(built_store)


def select(store: ox.Store, query: str) -> list[tuple[str, ...]]:
    solutions = store.query(PREFIXES + query, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    rows = []
    for solution in solutions:
        row = []
        for name in names:
            term = solution[name]
            if term is None:
                row.append("")
            elif isinstance(term, ox.NamedNode):
                row.append(curie(term.value))
            else:
                row.append(term.value)
        rows.append(tuple(row))
    return rows


def references_by_row(store: ox.Store, document: str, table: str) -> dict[str, tuple[int, ...]]:
    query = REFERENCES.replace("?document", document).replace("?table", f'"{table}"')
    found: dict[str, set[int]] = {}
    for row, number in select(store, query):
        found.setdefault(row, set()).add(int(number))
    return {row: tuple(sorted(numbers)) for row, numbers in found.items()}


def rebuild_000(store: ox.Store, table: str) -> dict[str, tuple[object, ...]]:
    cells: dict[tuple[str, str], list[str]] = {}
    query = CELLS_000.replace("?table ;", f'"{table}" ;', 1)
    for row, column, cell in select(store, query):
        cells.setdefault((row, column), []).append(cell)
    references = references_by_row(store, "rld:doc-000", table)
    rows = {row for row, _ in cells}
    rebuilt = {}
    for row in rows:
        values = []
        for column in (PRE, POST, HEALTHY):
            found = cells.get((row, column), [])
            # Exactly one statement per cell: two would mean the cell is ambiguous.
            values.append(found[0] if len(found) == 1 else tuple(sorted(found)))
        rebuilt[row] = (*values, references.get(row, ()))
    return rebuilt


def test_000_table_1_monocyte_cytokines(store: ox.Store) -> None:
    assert rebuild_000(store, "Table 1") == TABLE_000_1


def test_000_table_2_serum_cytokines(store: ox.Store) -> None:
    assert rebuild_000(store, "Table 2") == TABLE_000_2


def test_000_table_rows_keep_their_context(store: ox.Store) -> None:
    """Table 1 is P. acnes-stimulated monocytes; Table 2 is serum: every finding says so."""
    contexts = select(
        store,
        """
        SELECT DISTINCT ?table ?aspect ?cellType ?sample ?stimulus ?system WHERE {
          ?f rld:sourceDocument rld:doc-000 ; rld:sourceTable ?table ; rld:sourceColumn ?c ;
             rld:aspect ?aspect ; rld:experimentalSystem ?system .
          FILTER(?c != "Key Findings" || EXISTS { ?f rld:sourceColumn ?other FILTER(?other != ?c) })
          OPTIONAL { ?f rld:cellType ?cellType } OPTIONAL { ?f rld:sampleContext ?sample }
          OPTIONAL { ?f rld:stimulus ?stimulus }
        }
        """,
    )
    assert sorted(contexts) == [
        (
            "Table 1",
            "rld:Secretion",
            "CL:0000576",
            "",
            "rld:stimulus-p-acnes-sonicate",
            "rld:ExVivo",
        ),
        ("Table 2", "rld:SerumLevel", "", "UBERON:0001977", "", "rld:InVivo"),
    ]


def test_001_table_1_nk_cells(store: ox.Store) -> None:
    rebuilt = {}
    for row, column, drug, direction, significance, weeks in select(store, CELLS_001_1):
        assert (row, column) not in rebuilt, f"two findings for one cell: {row} / {column}"
        rebuilt[(row, column)] = (drug, direction, significance, weeks)
    assert rebuilt == TABLE_001_1
    assert references_by_row(store, "rld:doc-001", "Table 1") == {
        "NK Cell Activity": (3,),
        "NK Cell Numbers": (3,),
    }


def test_001_table_2_cytokines_by_drug(store: ox.Store) -> None:
    cells: dict[tuple[str, str], list[str]] = {}
    for row, column, drug, cell in select(store, CELLS_001_2):
        assert drug == TABLE_001_2_DRUGS[column], (row, column, drug)
        cells.setdefault((row, column), []).append(cell)
    references = references_by_row(store, "rld:doc-001", "Table 2")
    rebuilt = {}
    for row in {row for row, _ in cells}:
        isotretinoin = cells.get((row, "Effect of Isotretinoin"), [])
        acitretin = cells.get((row, "Effect of Acitretin"), [])
        assert len(isotretinoin) == 1 and len(acitretin) == 1, (row, isotretinoin, acitretin)
        rebuilt[row] = (isotretinoin[0], acitretin[0], references.get(row, ()))
    assert rebuilt == TABLE_001_2


def test_001_table_2_gaps_cite_no_evidence(store: ox.Store) -> None:
    """'Not extensively studied' is a gap, not a finding, and carries no supporting reference."""
    gaps = select(
        store,
        """
        SELECT ?gap ?row WHERE {
          ?gap a rld:KnowledgeGap ; rld:sourceDocument rld:doc-001 ; rld:sourceRow ?row .
          FILTER NOT EXISTS { ?gap rld:citedReference ?any }
          FILTER NOT EXISTS { ?gap a/rdfs:subClassOf* rld:Finding }
          FILTER NOT EXISTS { ?gap rld:direction ?direction }
        }
        """,
    )
    assert sorted(row for _, row in gaps) == sorted(
        row for row, (_, acitretin, _) in TABLE_001_2.items() if acitretin == GAP
    )


def test_every_row_of_every_table_is_curated(store: ox.Store) -> None:
    curated = select(
        store,
        """
        SELECT DISTINCT ?document ?table ?row WHERE {
          VALUES ?kind { rld:Finding rld:KnowledgeGap }
          ?s a/rdfs:subClassOf* ?kind ; rld:sourceDocument ?document ; rld:sourceTable ?table ; rld:sourceRow ?row .
        }
        """,
    )
    found: dict[tuple[str, str], set[str]] = {}
    for document, table, row in curated:
        found.setdefault((document, table), set()).add(row)
    assert found == SOURCE_TABLES
