"""The validation gate: shipped data, valid examples, the bad-input corpus, the command
line (text, JSON, Turtle reports, exit codes) and the same gate inside ``build``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rdflib

from retinoid_ld import resources
from retinoid_ld.errors import InputError, NonConformingError
from retinoid_ld.store import build_store, store_info
from retinoid_ld.validation import ValidationReport, validate, validate_store

HERE = Path(__file__).parent
GOOD = HERE / "good_inputs"
BAD = HERE / "bad_inputs"
EXPECTED = json.loads((BAD / "expected.json").read_text(encoding="utf-8"))["files"]
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")


def violations(report: ValidationReport) -> list[dict[str, object]]:
    return [
        {
            "focus": r.focus,
            "path": r.path,
            "value": r.value,
            "constraint": r.constraint,
            "shape": r.shape,
            "line": r.line,
            "message": r.message,
        }
        for r in report.results
        if r.severity == "Violation"
    ]


def test_the_corpus_has_at_least_twenty_bad_inputs_each_with_an_expectation():
    files = sorted(p.name for p in BAD.iterdir() if p.name != "expected.json")
    assert len(files) >= 20
    assert sorted(EXPECTED) == files


def test_shipped_data_conforms():
    report = validate()
    assert violations(report) == [], "the shipped data must conform to the shapes"
    assert report.conforms


@pytest.mark.parametrize("name", sorted(p.name for p in GOOD.iterdir()))
def test_good_inputs_pass(name):
    report = validate([GOOD / name])
    assert report.conforms, violations(report)
    # The valid examples are complete: not even a warning or a note.
    assert report.results == []


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if e["exit"] == 1))
def test_bad_input_gives_its_exact_violations(name):
    report = validate([BAD / name])
    assert not report.conforms
    assert violations(report) == EXPECTED[name]["violations"]
    for result in report.results:
        assert result.file == f"tests/bad_inputs/{name}" or result.file.endswith(
            f"bad_inputs/{name}"
        )


@pytest.fixture()
def on_disk_validation(monkeypatch) -> list[str]:
    """Send every input to the temporary on-disk store; lists the directories it made."""
    import tempfile

    import retinoid_ld.validation

    monkeypatch.setattr(retinoid_ld.validation, "LARGE_INPUT_BYTES", 0)
    directories: list[str] = []
    real = tempfile.TemporaryDirectory

    def recorded(*args, **kwargs):
        directory = real(*args, **kwargs)
        directories.append(directory.name)
        return directory

    monkeypatch.setattr(tempfile, "TemporaryDirectory", recorded)
    return directories


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if e["exit"] == 1))
def test_a_large_input_validated_on_disk_gives_the_exact_violations(name, on_disk_validation):
    report = validate([BAD / name])
    assert on_disk_validation, "the input was not validated on disk"
    assert violations(report) == EXPECTED[name]["violations"]
    assert not any(Path(d).exists() for d in on_disk_validation), "the temporary store was left"


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if e["exit"] == 2))
def test_a_large_unreadable_input_is_located_and_leaves_no_store(name, on_disk_validation):
    # The on-disk path parses with the bulk loader: its errors must read as parse_quads'
    # do, and the temporary store must go with them.
    expected = EXPECTED[name]["error"]
    with pytest.raises(InputError) as caught:
        validate([BAD / name])
    assert f"{name}:{expected['line']}:{expected['column']}: cannot be parsed" in str(caught.value)
    assert on_disk_validation, "the input was not validated on disk"
    assert not any(Path(d).exists() for d in on_disk_validation), "the temporary store was left"


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if e["exit"] == 2))
def test_unreadable_input_is_an_input_error_with_line_and_column(name):
    expected = EXPECTED[name]["error"]
    with pytest.raises(InputError) as caught:
        validate([BAD / name])
    text = str(caught.value)
    assert f"{name}:{expected['line']}:{expected['column']}: cannot be parsed" in text
    assert expected["message"] in text


def test_deliberately_wrong_category_is_caught_by_subclass_reasoning():
    # CL:0000576 (monocyte) is a real, declared term: only the subclass path to
    # CHEBI:24431 (chemical entity) tells that it cannot be a drug.
    report = validate([BAD / "drug-is-a-cell-type.ttl"])
    [result] = [r for r in report.results if r.severity == "Violation"]
    assert (result.focus, result.path, result.value) == (
        "rld:finding-test",
        "rld:drug",
        "CL:0000576",
    )
    assert result.shape == "rldsh:drug-is-chemical-entity"
    assert result.name == "drug"


def test_a_project_drug_term_is_a_chemical_entity(tmp_path):
    # rld:acitretin has no ChEBI id: it is a project term under CHEBI:26537 (retinoid).
    data = (
        (GOOD / "minimal-finding.ttl")
        .read_text()
        .replace("rld:drug obo:CHEBI_6067", "rld:drug rld:acitretin")
    )
    path = tmp_path / "acitretin.ttl"
    path.write_text(data)
    assert validate([path]).results == []


def test_blank_node_is_located_through_the_node_that_refers_to_it(tmp_path):
    data = (
        (GOOD / "minimal-finding.ttl")
        .read_text()
        .replace(
            "    rld:describedIn rld:doc-test .",
            "    rld:describedIn rld:doc-test ;\n"
            "    rld:regimen [ a rld:Regimen ; rld:dose [ a rld:Dose ; rld:minValue 20 ] ] .",
        )
    )
    path = tmp_path / "inline-dose.ttl"
    path.write_text(data)
    report = validate([path])
    [result] = violations(report)
    assert result["focus"].startswith("_:")
    assert result["shape"] == "rldsh:unit-required"
    assert result["line"] == 13  # the line of rld:study-test, which holds the dose
    assert result["message"].endswith(
        "has a value but no unit: add rld:unit (for example "
        "rld:MilligramPerKilogramPerDay, rld:MilligramPerDay, "
        "rld:Week, rld:Month)."
    )


def test_report_groups_results_by_focus_node_in_file_order():
    report = validate([BAD / "unlinked-conflict.ttl"])
    groups = report.by_focus()
    assert list(groups) == ["rld:finding-test", "rld:finding-test-2"]
    assert [r.line for r in report.results] == [18, 35]


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def test_validate_command_text_report(run_cli):
    code, out, _err = run_cli("validate", BAD / "negative-cohort-size.ttl")
    assert code == 1
    assert "tests/bad_inputs/negative-cohort-size.ttl:36: rld:population-test" in out
    assert '"acne patients"' in out  # the label of the focus node
    assert 'Violation cohort size (rld:cohortSize) = "-5"^^xsd:integer' in out
    assert "The rld:cohortSize -5 of rld:population-test must be 1 or more" in out
    assert (
        out.rstrip()
        .splitlines()[-1]
        .startswith("does not conform: 1 violations, 0 warnings, 0 infos on 1 nodes")
    )


def test_validate_command_exit_zero_with_warnings_shown(run_cli, tmp_path):
    data = (
        (GOOD / "minimal-finding.ttl").read_text().replace("    rld:study rld:study-test ;\n", "")
    )
    path = tmp_path / "no-study.ttl"
    path.write_text(data)
    code, out, _err = run_cli("validate", path)
    assert code == 0
    assert "Warning   study (rld:study)" in out
    assert "Finding rld:finding-test is not linked to a study" in out
    assert "conforms: 0 violations, 1 warnings, 0 infos" in out


def test_validate_command_json_report(run_cli):
    code, out, _err = run_cli("validate", "--format", "json", BAD / "drug-is-a-cell-type.ttl")
    assert code == 1
    payload = json.loads(out)
    assert payload["conforms"] is False
    assert payload["violations"] == 1
    [result] = payload["results"]
    assert result["focus"] == "rld:finding-test"
    assert result["value"] == "CL:0000576"
    assert result["value_label"] == "monocyte"
    assert result["source"] == "tests/bad_inputs/drug-is-a-cell-type.ttl:18"


@pytest.mark.parametrize("engine", ["sparql", "pyshacl"])
def test_validate_command_turtle_report_is_a_shacl_validation_report(run_cli, engine):
    code, out, _err = run_cli(
        "validate", "--format", "turtle", "--engine", engine, BAD / "unlinked-conflict.ttl"
    )
    assert code == 1
    graph = rdflib.Graph().parse(data=out, format="turtle")
    [report] = graph.subjects(rdflib.RDF.type, SH.ValidationReport)
    assert graph.value(report, SH.conforms).toPython() is False
    results = list(graph.objects(report, SH.result))
    assert len(results) == 2
    foci = {str(graph.value(r, SH.focusNode)) for r in results}
    assert foci == {
        "https://w3id.org/retinoid-ld/finding-test",
        "https://w3id.org/retinoid-ld/finding-test-2",
    }
    for result in results:
        assert graph.value(result, SH.resultPath) == rdflib.URIRef(
            "https://w3id.org/retinoid-ld/conflictsWith"
        )
        assert graph.value(result, SH.sourceConstraintComponent) == SH.SPARQLConstraintComponent
        assert "have the same drug, target, aspect" in str(graph.value(result, SH.resultMessage))


def test_validate_command_unreadable_input_exits_2(run_cli):
    code, out, err = run_cli("validate", BAD / "syntax-error.ttl")
    assert code == 2
    assert out == ""
    assert "syntax-error.ttl:20:5: cannot be parsed" in err
    assert "how to fix" in err


def test_validate_command_unreadable_shapes_exit_2(run_cli, tmp_path):
    shapes = tmp_path / "broken-shapes.ttl"
    shapes.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n<urn:s> sh:minCount 1\n")
    code, _out, err = run_cli("validate", "--shapes", shapes, GOOD / "minimal-finding.ttl")
    assert code == 2
    assert "broken-shapes.ttl:3" in err


def test_validate_command_missing_file_exits_2(run_cli, tmp_path):
    code, _out, err = run_cli("validate", tmp_path / "absent.ttl")
    assert code == 2
    assert "absent.ttl: no such file" in err


# ---------------------------------------------------------------------------
# The same gate in build
# ---------------------------------------------------------------------------


def test_build_refuses_invalid_data_and_keeps_the_previous_store(tmp_path, run_cli):
    store = tmp_path / "store"
    build_store(store, data_files=[GOOD / "minimal-finding.ttl"])
    before = store_info(store)
    with pytest.raises(NonConformingError) as caught:
        build_store(store, data_files=[BAD / "negative-cohort-size.ttl"])
    assert caught.value.report.violation_count == 1
    assert store_info(store) == before
    code, out, err = run_cli("build", "--store", store, BAD / "gap-contradicts-finding.ttl")
    assert code == 1
    assert out == ""
    assert "Knowledge gap rld:gap-test says the effect of its drug on its target" in err
    assert "the store was not changed" in err
    assert store_info(store) == before


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if e["exit"] == 1))
def test_build_gate_gives_the_exact_violations_located_in_the_file(tmp_path, name):
    # The gate validates the staging store, not the files: it must still report what
    # `validate` reports, at the same file and line.
    with pytest.raises(NonConformingError) as caught:
        build_store(tmp_path / "store", data_files=[BAD / name])
    report = caught.value.report
    assert violations(report) == EXPECTED[name]["violations"]
    assert {result.file for result in report.results} == {f"tests/bad_inputs/{name}"}
    assert not (tmp_path / "store" / "current").exists()
    assert not list((tmp_path / "store" / "versions").iterdir()), "a staging store was left"


def test_validate_store_agrees_with_file_validation(tmp_path):
    store = tmp_path / "store"
    build_store(store, data_files=[BAD / "unlinked-conflict.ttl"], validate=False)
    from retinoid_ld.store import open_store

    from_store = validate_store(open_store(store))
    from_files = validate([BAD / "unlinked-conflict.ttl"])
    assert {r.key() for r in from_store.results} == {r.key() for r in from_files.results}
    assert all(r.file == "" and r.line is None for r in from_store.results)


def test_shipped_data_files_are_what_validate_checks_by_default():
    assert resources.data_files(), "there is shipped data to validate"


# ---------------------------------------------------------------------------
# Hints from the OBO term tables (available in a checkout next to ../shared)
# ---------------------------------------------------------------------------

needs_term_tables = pytest.mark.skipif(
    not __import__("retinoid_ld.imports", fromlist=["TermTables"]).TermTables().available(),
    reason="the OBO term tables (../shared/ontology-terms) are not present",
)


@needs_term_tables
def test_an_obsolete_term_gets_its_replacement_as_a_hint():
    [result] = [
        r for r in validate([BAD / "obsolete-curie.ttl"]).results if r.severity == "Violation"
    ]
    assert (
        result.hint
        == "GO:0000003 (obsolete reproduction) is obsolete in GO; use GO:0022414 instead"
    )


@needs_term_tables
def test_a_made_up_term_in_a_partial_table_is_unverifiable():
    [result] = [
        r for r in validate([BAD / "nonexistent-curie.ttl"]).results if r.severity == "Violation"
    ]
    assert result.hint.startswith(
        "CHEBI:999999999 is not in the CHEBI term table, which is partial"
    )


@needs_term_tables
def test_a_real_term_not_yet_imported_gets_the_fix(tmp_path):
    data = (
        (GOOD / "minimal-finding.ttl")
        .read_text()
        .replace("rld:cellType obo:CL_0000576", "rld:cellType obo:CL_0000232")
    )
    path = tmp_path / "erythrocyte.ttl"
    path.write_text(data)
    [result] = [r for r in validate([path]).results if r.severity == "Violation"]
    assert result.shape == "rldsh:cellType-declared"
    assert result.hint == (
        "CL:0000232 (erythrocyte) exists in CL but is not imported yet: add it to "
        "ontology/imports/cl_terms.txt and run 'retinoid-ld imports refresh'"
    )


def test_severity_option_lists_only_the_more_severe_results(run_cli, tmp_path):
    data = (
        (GOOD / "minimal-finding.ttl")
        .read_text()
        .replace("rld:significance rld:Significant", "rld:significance rld:SignificanceNotStated")
    )
    path = tmp_path / "not-stated.ttl"
    path.write_text(data)
    code, out, _err = run_cli("validate", path)
    assert code == 0
    assert "Info      significance (rld:significance) = rld:SignificanceNotStated" in out
    code, out, _err = run_cli("validate", "--severity", "warning", path)
    assert code == 0
    assert "significance" not in out
    assert out.startswith("conforms: 0 violations, 0 warnings, 1 infos on 1 nodes")


def test_validate_command_with_other_shapes(run_cli, tmp_path):
    shapes = tmp_path / "label-only.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "<urn:s> sh:targetClass <https://w3id.org/retinoid-ld/SourceDocument> ;\n"
        "    sh:property [ sh:path rdfs:label ; sh:minCount 1 ;\n"
        '        sh:message "{$this} needs a label" ] .\n'
    )
    code, out, _err = run_cli("validate", "--shapes", shapes, GOOD / "minimal-finding.ttl")
    assert code == 1
    assert "tests/good_inputs/minimal-finding.ttl:9: rld:doc-test" in out
    assert "rld:doc-test needs a label" in out


@pytest.mark.parametrize("engine", ["sparql", "pyshacl"])
def test_validate_command_refuses_a_sparql_constraint_with_minus(run_cli, tmp_path, engine):
    # Regression: pySHACL returns (not raises) a ValidationFailure here, which was an
    # internal error (exit 3); the compiled engine silently accepted what SHACL forbids.
    shapes = tmp_path / "minus-shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<urn:s> sh:targetClass <https://w3id.org/retinoid-ld/SourceDocument> ;\n"
        "    sh:sparql [ sh:message \"no\" ; sh:select '''\n"
        "        SELECT $this WHERE { $this ?p ?o MINUS { ?p ?q ?r } }''' ] .\n"
    )
    code, out, err = run_cli(
        "validate", "--engine", engine, "--shapes", shapes, GOOD / "minimal-finding.ttl"
    )
    assert code == 2, err
    assert out == ""
    assert "MINUS" in err
    assert "internal error" not in err
    assert "how to fix" in err
