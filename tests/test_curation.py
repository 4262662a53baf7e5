"""The curated data, read back through the findings table and SPARQL on the built store.

Expected rows are written out in full: if a curator changes a finding's drug, target,
direction, context or study, the test says which row moved. Counts are exact so that
a finding cannot silently disappear.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from retinoid_ld import resources
from retinoid_ld.findings_table import FINDINGS_COLUMNS, findings_rows, write_findings_tsv
from retinoid_ld.namespaces import OBO, curie
from retinoid_ld.store import open_store

PREFIXES = """
PREFIX rld: <https://w3id.org/retinoid-ld/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX obo: <http://purl.obolibrary.org/obo/>
"""

# finding -> (drug, target, direction, significance, status, cell type, anatomical context,
#             species, study)
EXPECTED_ROWS: dict[str, tuple[str, ...]] = {
    # doc 000: TLR-2 on monocytes, the disease baseline and the drug effect
    "rld:finding-000-tlr2-monocyte-baseline": (
        "",
        "PR:000001153",
        "increased",
        "",
        "reported",
        "CL:0000576",
        "",
        "NCBITaxon:9606",
        "rld:study-dispenza-2012",
    ),
    "rld:finding-000-tlr2-monocyte-treatment": (
        "CHEBI:6067",
        "PR:000001153",
        "decreased",
        "significant",
        "reported",
        "CL:0000576",
        "",
        "NCBITaxon:9606",
        "rld:study-dispenza-2012",
    ),
    # doc 000 Table 1 (stimulated monocytes) and Table 2 (serum)
    "rld:finding-000-t1-il6-treatment": (
        "CHEBI:6067",
        "GO:0032635",
        "decreased",
        "significant",
        "reported",
        "CL:0000576",
        "",
        "NCBITaxon:9606",
        "rld:study-dispenza-2012",
    ),
    "rld:finding-000-t1-il8-treatment": (
        "CHEBI:6067",
        "GO:0032637",
        "decreased",
        "significant",
        "reported",
        "CL:0000576",
        "",
        "NCBITaxon:9606",
        "rld:study-dispenza-2012",
    ),
    "rld:finding-000-t2-tslp-treatment": (
        "CHEBI:6067",
        "rld:tslp-production",
        "decreased",
        "not_always_significant",
        "reported",
        "",
        "UBERON:0001977",
        "NCBITaxon:9606",
        "rld:study-kilic-2025",
    ),
    "rld:finding-000-t2-il17-treated-vs-healthy": (
        "CHEBI:6067",
        "GO:0032620",
        "increased",
        "",
        "reported",
        "",
        "UBERON:0001977",
        "NCBITaxon:9606",
        "rld:study-karadag-2012",
    ),
    "rld:finding-000-t2-ifng-treated-vs-healthy": (
        "CHEBI:6067",
        "GO:0032609",
        "decreased",
        "",
        "reported",
        "",
        "UBERON:0001977",
        "NCBITaxon:9606",
        "rld:study-karadag-2012",
    ),
    # doc 000 hypotheses: FoxO1 under the active metabolite, the Th17 reading of IL-17
    "rld:finding-000-foxo1-nuclear-localization": (
        "CHEBI:15367",
        "rld:foxo1",
        "increased",
        "",
        "hypothesized",
        "",
        "",
        "",  # the source names no species: none is recorded
        "",
    ),
    "rld:finding-000-t2-il17-th17-response": (
        "CHEBI:6067",
        "GO:0072538",
        "decreased",
        "",
        "hypothesized",
        "",
        "",
        "NCBITaxon:9606",
        "rld:study-karadag-2012",
    ),
    # doc 001: NK cells, opposite directions under isotretinoin and etretinate
    "rld:finding-001-nk-activity-isotretinoin": (
        "CHEBI:6067",
        "CL:0000623",
        "decreased",
        "significant",
        "reported",
        "",
        "UBERON:0000178",
        "NCBITaxon:9606",
        "rld:study-retinoid-nk-cells",
    ),
    "rld:finding-001-nk-activity-etretinate": (
        "rld:etretinate",
        "CL:0000623",
        "increased",
        "",
        "reported",
        "",
        "UBERON:0000178",
        "NCBITaxon:9606",
        "rld:study-retinoid-nk-cells",
    ),
    "rld:finding-001-nk-numbers-isotretinoin": (
        "CHEBI:6067",
        "CL:0000623",
        "decreased",
        "",
        "reported",
        "",
        "UBERON:0000178",
        "NCBITaxon:9606",
        "rld:study-retinoid-nk-cells",
    ),
    "rld:finding-001-nk-numbers-etretinate": (
        "rld:etretinate",
        "CL:0000623",
        "increased",
        "significant",
        "reported",
        "",
        "UBERON:0000178",
        "NCBITaxon:9606",
        "rld:study-retinoid-nk-cells",
    ),
    # doc 001: the serum IL-17 conflict under acitretin, same context, both kept
    "rld:finding-001-acitretin-serum-il17": (
        "rld:acitretin",
        "GO:0032620",
        "decreased",
        "",
        "reported",
        "",
        "UBERON:0001977",
        "NCBITaxon:9606",
        "rld:study-acitretin-th-cells",
    ),
    "rld:finding-001-acitretin-serum-il17-trial": (
        "rld:acitretin",
        "GO:0032620",
        "no_significant_change",
        "",
        "reported",
        "",
        "UBERON:0001977",
        "NCBITaxon:9606",
        "rld:study-acitretin-etanercept-trial",
    ),
    # doc 001 Table 2: a lymphocyte non-effect, a serum decrease, a gap
    "rld:finding-001-t2-isotretinoin-il17-lymphocytes": (
        "CHEBI:6067",
        "GO:0032620",
        "no_significant_change",
        "not_significant",
        "reported",
        "CL:0000542",
        "",
        "NCBITaxon:9606",
        "",
    ),
    "rld:finding-001-t2-isotretinoin-il8": (
        "CHEBI:6067",
        "GO:0032637",
        "decreased",
        "",
        "reported",
        "",
        "UBERON:0001977",
        "NCBITaxon:9606",
        "rld:study-kilic-2025",
    ),
    "rld:gap-001-acitretin-il1b": (
        "rld:acitretin",
        "GO:0032611",
        "not_studied",
        "",
        "",
        "",
        "",
        "",
        "",
    ),
    # doc 001: acitretin turns mouse MDSCs into M2 macrophages in vitro
    "rld:finding-001-mdsc-to-m2-macrophage": (
        "rld:acitretin",
        "CL:0000890",
        "increased",
        "",
        "reported",
        "CL:0000889",
        "",
        "NCBITaxon:10090",
        "rld:study-acitretin-mdsc",
    ),
    # doc 002: mouse behaviour, a pathway altered without direction, the human gap
    "rld:finding-002-depressive-like-behaviour": (
        "CHEBI:6067",
        "NBO:0000085",
        "increased",
        "",
        "reported",
        "",
        "",
        "NCBITaxon:10090",
        "rld:study-ren-2025",
    ),
    "rld:finding-002-neuroactive-pathway": (
        "CHEBI:6067",
        "rld:neuroactive-ligand-receptor-interaction-pathway",
        "",
        "",
        "reported",
        "",
        "UBERON:0000955",
        "NCBITaxon:10090",
        "rld:study-ren-2025",
    ),
    "rld:gap-002-human-depressive-like-behaviour": (
        "CHEBI:6067",
        "NBO:0000085",
        "not_studied",
        "",
        "",
        "",
        "",
        "NCBITaxon:9606",
        "rld:study-ren-2025",
    ),
}
ROW_FIELDS = (
    "drug",
    "target",
    "direction",
    "significance",
    "status",
    "cell_type",
    "anatomical_context",
    "species",
    "study",
)


@pytest.fixture(scope="module")
def store(built_store: Path) -> ox.Store:
    return open_store(built_store)


@pytest.fixture(scope="module")
def rows(store: ox.Store) -> dict[str, dict[str, str]]:
    return {row["finding"]: row for row in findings_rows(store)}


def select(store: ox.Store, query: str) -> list[tuple[str, ...]]:
    """Rows of a SELECT as tuples of strings (compact CURIEs for IRIs, '' for unbound)."""
    solutions = store.query(PREFIXES + query, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    out = []
    for solution in solutions:
        cells = []
        for name in names:
            term = solution[name]
            if term is None:
                cells.append("")
            elif isinstance(term, ox.NamedNode):
                cells.append(curie(term.value))
            else:
                cells.append(term.value)
        out.append(tuple(cells))
    return sorted(out)


@pytest.mark.parametrize("finding", sorted(EXPECTED_ROWS))
def test_representative_rows(rows: dict[str, dict[str, str]], finding: str) -> None:
    row = rows[finding]
    assert tuple(row[field] for field in ROW_FIELDS) == EXPECTED_ROWS[finding]


def test_labels_sit_beside_the_curies(rows: dict[str, dict[str, str]]) -> None:
    tslp = rows["rld:finding-000-t2-tslp-treatment"]
    assert (tslp["drug_label"], tslp["target_label"], tslp["anatomical_context_label"]) == (
        "isotretinoin",
        "thymic stromal lymphopoietin production",
        "blood serum",
    )
    assert (tslp["aspect"], tslp["evidence"], tslp["evidence_label"]) == (
        "serum_level",
        "ECO:0000269",
        "experimental evidence used in manual assertion",
    )
    assert tslp["source_document"] == "rld:doc-000"
    assert tslp["source_location"] == (
        "Table 2, row TSLP, column Key Findings + Post-treatment Levels (Acne Patients)"
    )
    nk = rows["rld:finding-001-nk-activity-etretinate"]
    assert (nk["drug_label"], nk["study_label"], nk["source_location"]) == (
        "etretinate",
        "NK cells under oral isotretinoin or etretinate (comparison reference 3)",
        "Table 1, row NK Cell Activity, column Acitretin (as Etretinate); "
        "section Effects on Immune Cell Populations",
    )


def test_context_decides_identity(rows: dict[str, dict[str, str]]) -> None:
    """Isotretinoin and IL-17: serum decrease, lymphocyte non-effect, serum above controls."""
    il17 = sorted(
        (r["finding"], r["aspect"], r["direction"], r["cell_type"], r["anatomical_context"])
        for r in rows.values()
        if r["drug"] == "CHEBI:6067" and r["target"] == "GO:0032620"
    )
    assert il17 == [
        (
            "rld:finding-000-t2-il17-treated-vs-healthy",
            "serum_level",
            "increased",
            "",
            "UBERON:0001977",
        ),
        ("rld:finding-000-t2-il17-treatment", "serum_level", "decreased", "", "UBERON:0001977"),
        (
            "rld:finding-001-t2-isotretinoin-il17-lymphocytes",
            "occurrence",
            "no_significant_change",
            "CL:0000542",
            "",
        ),
    ]


def test_counts_per_document(rows: dict[str, dict[str, str]]) -> None:
    kinds = Counter(
        (r["source_document"], "gap" if r["direction"] == "not_studied" else "finding")
        for r in rows.values()
    )
    assert kinds == {
        ("rld:doc-000", "finding"): 40,
        ("rld:doc-001", "finding"): 34,
        ("rld:doc-001", "gap"): 8,
        ("rld:doc-002", "finding"): 10,
        ("rld:doc-002", "gap"): 2,
    }


def test_every_row_has_provenance_and_controlled_values(rows: dict[str, dict[str, str]]) -> None:
    for row in rows.values():
        assert row["source_document"] and row["source_location"], row["finding"]
        assert row["evidence"].startswith("ECO:") and row["evidence_label"], row["finding"]
        assert row["direction"] in {
            "decreased",
            "increased",
            "no_significant_change",
            "not_studied",
            "",
        }
        gap = row["direction"] == "not_studied"
        assert row["status"] == ("" if gap else row["status"])
        assert gap or row["status"] in {"reported", "hypothesized"}, row["finding"]
        assert row["significance"] in {
            "",
            "significant",
            "not_significant",
            "not_always_significant",
        }
        for column in ("drug", "target", "cell_type", "anatomical_context", "species", "study"):
            if row[column]:
                assert row[column + "_label"], (row["finding"], column)


def test_table_is_deterministic_with_header(store: ox.Store) -> None:
    first, second = io.BytesIO(), io.BytesIO()
    write_findings_tsv(store, first)
    write_findings_tsv(store, second)
    assert first.getvalue() == second.getvalue()
    lines = first.getvalue().decode("utf-8").splitlines()
    assert lines[0].split("\t") == list(FINDINGS_COLUMNS)
    assert len(lines) == 1 + 94
    assert all(len(line.split("\t")) == len(FINDINGS_COLUMNS) for line in lines)
    findings = [line.split("\t")[0] for line in lines[1:]]
    assert findings == sorted(findings)


def test_conflicts_are_exactly_the_serum_il17_pair_in_one_context(store: ox.Store) -> None:
    pairs = select(
        store,
        """
        SELECT ?a ?b WHERE { ?a rld:conflictsWith ?b }
        """,
    )
    assert pairs == [
        ("rld:finding-001-acitretin-serum-il17", "rld:finding-001-acitretin-serum-il17-trial"),
        ("rld:finding-001-acitretin-serum-il17-trial", "rld:finding-001-acitretin-serum-il17"),
    ]
    differing = select(
        store,
        """
        SELECT ?a ?p WHERE {
          ?a rld:conflictsWith ?b .
          VALUES ?p { rld:drug rld:target rld:aspect rld:sampleContext rld:species rld:condition
                      rld:comparison rld:cellType }
          { ?a ?p ?x MINUS { ?b ?p ?x } } UNION { ?b ?p ?y MINUS { ?a ?p ?y } }
        }
        """,
    )
    assert differing == []


def test_nk_cells_move_in_opposite_directions(store: ox.Store) -> None:
    answer = select(
        store,
        """
        SELECT ?aspect ?drug ?direction ?weeks WHERE {
          ?f rld:target obo:CL_0000623 ; rld:drug ?drug ; rld:aspect ?aspect ;
             rld:direction ?direction ; rld:timePoint/rld:quantityValue ?weeks .
        }
        """,
    )
    assert answer == [
        ("rld:Activity", "CHEBI:6067", "rld:Decreased", "12"),
        ("rld:Activity", "rld:etretinate", "rld:Increased", "12"),
        ("rld:CellNumber", "CHEBI:6067", "rld:Decreased", "12"),
        ("rld:CellNumber", "rld:etretinate", "rld:Increased", "12"),
    ]


def test_mechanism_chains_and_their_status(store: ox.Store) -> None:
    chains = select(
        store,
        """
        SELECT ?chain ?drug ?status (COUNT(?step) AS ?steps) WHERE {
          ?chain a rld:MechanismChain ; rld:drug ?drug ; rld:status ?status ; rld:step ?step .
        } GROUP BY ?chain ?drug ?status
        """,
    )
    assert chains == [
        ("rld:chain-000-foxo1", "CHEBI:6067", "rld:Hypothesized", "6"),
        ("rld:chain-000-p53", "CHEBI:6067", "rld:Hypothesized", "5"),
        ("rld:chain-000-tlr2-nfkb", "CHEBI:6067", "rld:Hypothesized", "4"),
        ("rld:chain-001-acitretin-mdsc-erk", "rld:acitretin", "rld:Reported", "4"),
        ("rld:chain-001-isotretinoin-tlr2", "CHEBI:6067", "rld:Reported", "3"),
        ("rld:chain-001-rar-rxr-acitretin", "rld:acitretin", "rld:Reported", "5"),
        ("rld:chain-001-rar-rxr-isotretinoin", "CHEBI:6067", "rld:Reported", "5"),
        ("rld:chain-002-isotretinoin-neuroactive-pathway", "CHEBI:6067", "rld:Hypothesized", "4"),
    ]
    tlr2 = select(
        store,
        """
        SELECT ?i ?up ?relation ?down ?status WHERE {
          rld:chain-000-tlr2-nfkb rld:step ?s .
          ?s rld:sequenceIndex ?i ; rld:upstream ?up ; rld:causalRelation ?relation ;
             rld:downstream ?down ; rld:status ?status .
        }
        """,
    )
    assert tlr2 == [
        ("1", "CHEBI:6067", "RO:0002212", "PR:000001153", "rld:Reported"),
        ("2", "rld:cutibacterium-acnes", "RO:0002213", "PR:000001153", "rld:Reported"),
        ("3", "PR:000001153", "RO:0002213", "PR:000001753", "rld:Reported"),
        ("4", "PR:000001753", "RO:0002213", "GO:0001816", "rld:Reported"),
    ]


def test_persistence_and_regimens(store: ox.Store) -> None:
    persistence = select(
        store,
        """
        SELECT ?f ?persists ?value ?unit WHERE {
          ?f rld:persistsAfterTreatment ?persists .
          OPTIONAL { ?f rld:persistsAfterTreatmentFor ?d .
                     OPTIONAL { ?d rld:quantityValue ?value } OPTIONAL { ?d rld:unit ?unit } }
        }
        """,
    )
    # Table 1 says only "sustained decrease post-therapy" for IL-6: no length is
    # recorded. The TLR-2 section states six months.
    assert persistence == [
        ("rld:finding-000-t1-il6-treatment", "true", "", ""),
        ("rld:finding-000-tlr2-monocyte-treatment", "true", "6", "rld:Month"),
    ]
    regimens = select(
        store,
        """
        SELECT ?study ?drug ?min ?max ?doseUnit ?length ?lengthUnit ?notStated WHERE {
          ?study a rld:Study ; rld:regimen ?r . ?r rld:drug ?drug .
          OPTIONAL { ?r rld:dose ?d . ?d rld:minValue ?min ; rld:unit ?doseUnit .
                     OPTIONAL { ?d rld:maxValue ?max } }
          OPTIONAL { ?r rld:duration ?t . ?t rld:quantityValue ?length ; rld:unit ?lengthUnit }
          OPTIONAL { ?r rld:doseNotStated ?notStated }
        }
        """,
    )
    assert regimens == [
        (
            "rld:study-acitretin-mdsc",
            "rld:acitretin",
            "100",
            "500",
            "rld:NanogramPerMillilitre",
            "",
            "",
            "",
        ),
        (
            "rld:study-acitretin-th-cells",
            "rld:acitretin",
            "20",
            "",
            "rld:MilligramPerDay",
            "8",
            "rld:Week",
            "",
        ),
        (
            "rld:study-dispenza-2012",
            "CHEBI:6067",
            "0.5",
            "1",  # the store keeps xsd:decimal in canonical form (1.0 -> 1)
            "rld:MilligramPerKilogramPerDay",
            "20",
            "rld:Week",
            "",
        ),
        ("rld:study-karadag-2012", "CHEBI:6067", "", "", "", "3", "rld:Month", "true"),
        (
            "rld:study-kilic-2025",
            "CHEBI:6067",
            "20",
            "",
            "rld:MilligramPerDay",
            "8",
            "rld:Week",
            "",
        ),
        ("rld:study-ren-2025", "CHEBI:6067", "", "", "", "", "", "true"),
    ]


def test_study_populations_as_the_sources_state_them(store: ox.Store) -> None:
    populations = select(
        store,
        """
        SELECT ?study ?population ?size ?species WHERE {
          ?study rld:hasPopulation ?population . ?population rld:species ?species .
          OPTIONAL { ?population rld:cohortSize ?size }
        }
        """,
    )
    assert populations == [
        (
            "rld:study-acitretin-etanercept-trial",
            "rld:population-trial-psoriasis-acitretin",
            "",
            "NCBITaxon:9606",
        ),
        (
            "rld:study-acitretin-mdsc",
            "rld:population-mdsc-mouse-bone-marrow",
            "",
            "NCBITaxon:10090",
        ),
        ("rld:study-acitretin-th-cells", "rld:population-th-psoriasis", "30", "NCBITaxon:9606"),
        ("rld:study-dispenza-2012", "rld:population-dispenza-acne", "", "NCBITaxon:9606"),
        ("rld:study-dispenza-2012", "rld:population-dispenza-healthy", "", "NCBITaxon:9606"),
        ("rld:study-karadag-2012", "rld:population-karadag-acne", "37", "NCBITaxon:9606"),
        ("rld:study-karadag-2012", "rld:population-karadag-healthy", "", "NCBITaxon:9606"),
        ("rld:study-kilic-2025", "rld:population-kilic-acne", "75", "NCBITaxon:9606"),
        ("rld:study-kilic-2025", "rld:population-kilic-healthy", "25", "NCBITaxon:9606"),
        ("rld:study-ren-2025", "rld:population-ren-2025-control", "", "NCBITaxon:10090"),
        ("rld:study-ren-2025", "rld:population-ren-2025-isotretinoin", "", "NCBITaxon:10090"),
        ("rld:study-retinoid-nk-cells", "rld:population-nk-etretinate", "7", "NCBITaxon:9606"),
        ("rld:study-retinoid-nk-cells", "rld:population-nk-isotretinoin", "17", "NCBITaxon:9606"),
    ]


def test_only_the_doi_the_source_gives(store: ox.Store) -> None:
    assert select(store, "SELECT ?s ?doi WHERE { ?s rld:doi ?doi }") == [
        ("rld:study-ren-2025", "10.1038/s41398-025-03750-4")
    ]


def test_acitretin_is_not_curated_as_all_trans_retinoic_acid(store: ox.Store) -> None:
    wrong = select(
        store,
        """
        SELECT ?f WHERE {
          ?f rld:sourceDocument rld:doc-001 .
          { ?f rld:drug obo:CHEBI_15367 } UNION { ?f rld:upstream obo:CHEBI_15367 }
        }
        """,
    )
    assert wrong == []
    notes = select(store, "SELECT ?note WHERE { rld:doc-001 rld:curationNote ?note }")
    assert any("all-trans" in note and "rld:acitretin" in note for (note,) in notes)


def test_every_obo_term_in_the_data_is_imported_with_its_label(store: ox.Store) -> None:
    """A term missing from the term lists would have no label and no place in the hierarchy."""
    used = set()
    for path in resources.data_files():
        used.update(re.findall(r"obo:([A-Za-z]+_[0-9A-Za-z]+)", path.read_text("utf-8")))
    assert used, "no OBO terms found in the data"
    labelled = {
        iri.value[len(OBO) :]
        for iri in (
            s["term"]
            for s in store.query(
                "SELECT ?term WHERE { ?term <http://www.w3.org/2000/01/rdf-schema#label> ?l }",
                use_default_graph_as_union=True,
            )
        )
        if isinstance(iri, ox.NamedNode) and iri.value.startswith(OBO)
    }
    assert sorted(used - labelled) == []


def test_project_terms_record_their_missing_mapping(store: ox.Store) -> None:
    minted = select(
        store,
        """
        SELECT ?term ?missing ?parent WHERE {
          ?term a rld:ProjectTerm ; rld:missingMapping ?missing ; rdfs:subClassOf ?parent ;
                rdfs:label ?label .
          FILTER(?term NOT IN (rld:acitretin, rld:etretinate))
        }
        """,
    )
    assert minted == [
        ("rld:cutibacterium-acnes", "NCBITaxon", "NCBITaxon:1760"),
        ("rld:dopamine-receptor", "PR", "PR:000000001"),
        ("rld:foxo1", "PR", "PR:000000001"),
        ("rld:gaba-receptor", "PR", "PR:000000001"),
        ("rld:interleukin-36-production", "GO", "GO:0001816"),
        ("rld:neuroactive-ligand-receptor-interaction-pathway", "GO", "GO:0007165"),
        ("rld:neurotransmitter-biosynthetic-process", "GO", "GO:0009058"),
        ("rld:neurotransmitter-receptor-turnover", "GO", "GO:0019538"),
        ("rld:retinoic-acid-receptor", "PR", "PR:000000001"),
        ("rld:retinoid-x-receptor", "PR", "PR:000000001"),
        ("rld:selumetinib", "CHEBI", "CHEBI:37699"),
        ("rld:serotonin-receptor", "PR", "PR:000000001"),
        ("rld:tslp-production", "GO", "GO:0001816"),
        ("rld:tweak-production", "GO", "GO:0071706"),
    ]
