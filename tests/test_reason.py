"""HermiT through owlready2: the shipped ontology and data are consistent; contradictions are caught."""

from __future__ import annotations

from pathlib import Path

import owlready2
import pytest
import rdflib

from retinoid_ld.reason import (
    ReasonerUnavailable,
    explain_inconsistency,
    java_executable,
    reason,
)
from retinoid_ld.release import merged_ontology_graph

needs_java = pytest.mark.skipif(java_executable() is None, reason="Java is not installed")

CONTRADICTIONS = """@prefix rld: <https://w3id.org/retinoid-ld/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
rld:finding-contradictory a rld:DrugEffectFinding , rld:ConditionFinding ;
    rdfs:label "a finding typed as both kinds" .
rld:SomethingOdd a rld:Direction , rld:Aspect ; rdfs:label "both a direction and an aspect" .
"""

UNSATISFIABLE = """@prefix rld: <https://w3id.org/retinoid-ld/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
rld:ImpossibleValue a owl:Class ; rdfs:label "impossible value" ;
    rdfs:subClassOf rld:Direction , rld:Aspect .
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@needs_java
@pytest.mark.slow
def test_shipped_ontology_and_curated_data_are_consistent():
    report = reason()
    assert report.consistent, report.explanations
    assert report.unsatisfiable == []
    assert report.ok
    assert report.individuals > 100  # the curated findings, studies, steps ... took part


@needs_java
@pytest.mark.slow
def test_reason_command_on_the_built_store_reports_consistent(run_cli, built_store):
    code, out, err = run_cli("reason", "--store", built_store)
    assert code == 0, out + err
    assert "consistent: yes" in out
    assert "unsatisfiable classes: none" in out
    assert "reasoning over" in err


@needs_java
@pytest.mark.slow
def test_contradictory_typing_is_inconsistent_and_explained(run_cli, tmp_path: Path):
    bad = _write(tmp_path, "contradictory.ttl", CONTRADICTIONS)
    code, out, _err = run_cli("reason", bad)
    assert code == 1
    assert "INCONSISTENT" in out
    assert (
        'rld:SomethingOdd "both a direction and an aspect" is both a rld:Aspect (asserted type '
        "rld:Aspect) and a rld:Direction (asserted type rld:Direction), but those classes are "
        "disjoint"
    ) in out
    assert (
        'rld:finding-contradictory "a finding typed as both kinds" is both a '
        "rld:ConditionFinding (asserted type rld:ConditionFinding) and a rld:DrugEffectFinding "
        "(asserted type rld:DrugEffectFinding), but those classes are disjoint"
    ) in out


@needs_java
@pytest.mark.slow
def test_unsatisfiable_class_is_reported(run_cli, tmp_path: Path):
    code, out, _err = run_cli("reason", _write(tmp_path, "unsat.ttl", UNSATISFIABLE))
    assert code == 1
    assert "consistent: yes" in out
    assert 'UNSATISFIABLE classes (1):\n  - rld:ImpossibleValue "impossible value"' in out


def test_missing_java_is_a_clear_usage_error(run_cli, monkeypatch):
    monkeypatch.setattr(owlready2, "JAVA_EXE", "/nonexistent/bin/java")
    code, out, err = run_cli("reason", "--no-data")
    assert code == 2
    assert out == ""
    assert "Java is not installed here" in err
    assert "apt-get install default-jre-headless" in err
    with pytest.raises(ReasonerUnavailable):
        reason(include_data=False)


# ---------------------------------------------------------------------------
# Explanations (no Java needed): each cause is named
# ---------------------------------------------------------------------------


def _graph_with(turtle: str) -> rdflib.Graph:
    graph = merged_ontology_graph(include_data=False)
    graph.parse(data=turtle, format="turtle")
    return graph


def test_explanation_names_a_value_from_the_wrong_value_set():
    graph = _graph_with(
        "@prefix rld: <https://w3id.org/retinoid-ld/> .\n"
        "rld:finding-x a rld:DrugEffectFinding ; rld:direction rld:Expression ."
    )
    assert explain_inconsistency(graph) == [
        'rld:Expression "expression" is both a rld:Aspect (asserted type rld:Aspect) and a '
        "rld:Direction (as the value of rld:direction on rld:finding-x, by its range), but "
        "those classes are disjoint"
    ]


def test_explanation_names_two_values_of_a_functional_property_and_self_conflict():
    graph = _graph_with(
        "@prefix rld: <https://w3id.org/retinoid-ld/> .\n"
        "rld:finding-y a rld:DrugEffectFinding ; rld:direction rld:Decreased , rld:Increased ;\n"
        "    rld:conflictsWith rld:finding-y ."
    )
    assert explain_inconsistency(graph) == [
        "rld:finding-y has two values of the functional property rld:direction: "
        "rld:Decreased and rld:Increased, which are different individuals; keep one",
        "rld:finding-y is related to itself by the irreflexive property rld:conflictsWith",
    ]


def test_explanation_names_a_literal_outside_the_range():
    graph = _graph_with(
        "@prefix rld: <https://w3id.org/retinoid-ld/> .\n"
        'rld:population-z a rld:StudyPopulation ; rld:cohortSize "twelve" .'
    )
    assert explain_inconsistency(graph) == [
        'rld:population-z has rld:cohortSize "twelve", which is not a xsd:positiveInteger '
        "(the property's range)"
    ]


def test_explanation_is_empty_for_the_shipped_data():
    assert explain_inconsistency(merged_ontology_graph(include_data=True)) == []
