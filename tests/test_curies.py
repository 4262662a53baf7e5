"""Every OBO identifier used anywhere in the project is real, live and correctly labelled.

One test per rule over all project files (ontology, imports, term lists, mappings, data,
shapes, queries, code and documentation; test fixtures excluded), and a tiny project
with one defect per rule to prove each rule can fail.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from retinoid_ld import resources
from retinoid_ld.curie_check import (
    RULES,
    CurieProblem,
    check_project,
    find_uses,
    project_files,
)
from retinoid_ld.imports import TermTables

from .conftest import REPO, TERM_TABLES

pytestmark = pytest.mark.skipif(
    not TERM_TABLES.is_dir(), reason=f"the OBO term tables are not at {TERM_TABLES}"
)


@pytest.fixture(scope="module")
def problems() -> list[CurieProblem]:
    return check_project(root=REPO, tables=TermTables(TERM_TABLES))


def _report(found: list[CurieProblem]) -> str:
    return f"{len(found)} problems:\n" + "\n".join(str(p) for p in found)


@pytest.mark.slow
@pytest.mark.parametrize("rule", RULES)
def test_rule_holds_for_every_project_file(problems, rule):
    found = [p for p in problems if p.rule == rule]
    assert not found, _report(found)


def test_every_kind_of_project_file_is_scanned():
    files = {path.relative_to(REPO).as_posix() for path in project_files(REPO)}
    assert "ontology/retinoid-ld-edit.ttl" in files
    assert "ontology/imports/cl_import.ttl" in files
    assert "ontology/imports/cl_terms.txt" in files
    assert "ontology/imports/supplementary_parents.tsv" in files
    assert "ontology/mappings/retinoid-ld.sssom.tsv" in files
    assert {f"data/{p.name}" for p in resources.data_files()} <= files
    assert {f"shapes/{p.name}" for p in resources.shapes_files()} <= files
    assert "queries/qc/obsolete-term-violation.rq" in files
    assert "src/retinoid_ld/curie_check.py" in files
    assert not any(f.startswith("tests/") for f in files)


def test_the_project_uses_and_labels_real_terms():
    """Not vacuous: the scan sees the exemplar finding's terms and the import labels."""
    uses = [use for path in project_files(REPO) for use in find_uses(path)]
    curies = {use.curie for use in uses}
    assert {"CHEBI:6067", "PR:000001153", "CL:0000576", "ECO:0000269", "RO:0002212"} <= curies
    labelled = {(u.curie, u.stated_label) for u in uses if u.stated_label}
    assert ("CL:0000576", "monocyte") in labelled
    assert ("CHEBI:6067", "isotretinoin") in labelled


# ---------------------------------------------------------------------------
# Each rule can fail
# ---------------------------------------------------------------------------

BAD_DATA = """@prefix obo: <http://purl.obolibrary.org/obo/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix rld: <https://w3id.org/retinoid-ld/> .
rld:finding-x rld:cellType obo:CL_9999999 ;
    rld:target obo:GO_9999999 ;
    rld:sampleContext obo:CL_0000003 ;
    rld:evidence obo:IAO_0000115 .
obo:CL_0000576 rdfs:label "macrophage" .
"""

BAD_SSSOM = (
    "#curie_map:\n#  rld: https://w3id.org/retinoid-ld/\n"
    "subject_id\tsubject_label\tpredicate_id\tobject_id\tobject_label\tmapping_justification\tcomment\n"
    "rld:unit-x\tx\tskos:exactMatch\tsssom:NoTermFound\t\tsemapv:ManualMappingCuration\t"
    "searched UO; UO:0000022 could not be verified\n"
    "rld:thing\tthing\tskos:closeMatch\tOBI:0000070\tassay thing\tsemapv:ManualMappingCuration\t\n"
)


def test_each_rule_reports_a_fix_it_message(tmp_path: Path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "bad.ttl").write_text(BAD_DATA, encoding="utf-8")
    (tmp_path / "ontology" / "imports").mkdir(parents=True)
    (tmp_path / "ontology" / "imports" / "cl_terms.txt").write_text(
        "CL:0000576 # monocyte\nCL:0000623 # NK cell\n", encoding="utf-8"
    )
    (tmp_path / "ontology" / "mappings").mkdir()
    (tmp_path / "ontology" / "mappings" / "x.sssom.tsv").write_text(BAD_SSSOM, encoding="utf-8")
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "q.rq").write_text(
        "#+ param: drug drug CHEBI:6067 -- fine\nSELECT * WHERE { ?s ?p UO:0000022 }\n"
    )
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "fixture.ttl").write_text(BAD_DATA, encoding="utf-8")

    found = check_project(root=tmp_path, tables=TermTables(TERM_TABLES))
    messages = {(p.rule, p.path.relative_to(tmp_path).as_posix(), p.line, p.curie) for p in found}
    assert messages == {
        ("exists", "data/bad.ttl", 4, "CL:9999999"),
        ("unverified", "data/bad.ttl", 5, "GO:9999999"),
        ("obsolete", "data/bad.ttl", 6, "CL:0000003"),
        ("has-table", "data/bad.ttl", 7, "IAO:0000115"),
        ("label", "data/bad.ttl", 8, "CL:0000576"),
        ("label", "ontology/imports/cl_terms.txt", 2, "CL:0000623"),
        ("label", "ontology/mappings/x.sssom.tsv", 5, "OBI:0000070"),
        ("has-table", "queries/q.rq", 2, "UO:0000022"),
    }
    text = {p.rule + " " + str(p) for p in found}
    assert any(
        "CL:0000003 (obsolete native cell) is obsolete in CL; use CL:0000000 (cell) instead" in t
        for t in text
    )
    assert any("GO:9999999 is not in the partial GO term table (go.tsv.gz)" in t for t in text)
    assert any("mint a project term" in t and "GO:9999999" in t for t in text)
    assert any("CL:9999999 does not exist in the complete CL term table" in t for t in text)
    assert any(
        "CL:0000576 is labelled 'monocyte' in CL, but this file states 'macrophage'" in t
        for t in text
    )
    assert any("CL:0000623 is labelled 'natural killer cell'" in t for t in text)
    assert any("no IAO term table" in t for t in text)
