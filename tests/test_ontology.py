"""The OWL ontology: metadata, labels and definitions, the finding model, value sets,
mappings (SSSOM and SKOS agree, Biolink names exist), and the release loads in rdflib
and owlready2."""

from __future__ import annotations

import io
import re
from pathlib import Path

import owlready2
import pytest
import rdflib
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from retinoid_ld import resources
from retinoid_ld.imports import CATALOG, module_iri, module_names
from retinoid_ld.mappings import (
    NO_TERM_FOUND,
    check_mapping_set,
    compare_with_ontology,
    mapping_graph,
    read_sssom,
)
from retinoid_ld.namespaces import ONTOLOGY_IRI, RLD
from retinoid_ld.release import merged_ontology_graph, write_owl_release

RLDNS = rdflib.Namespace(RLD)
# Plain IRIs: pytest inspects module attributes, which rdflib's closed XSD namespace warns about.
XSD_DATE = rdflib.URIRef("http://www.w3.org/2001/XMLSchema#date")
XSD_BOOLEAN = rdflib.URIRef("http://www.w3.org/2001/XMLSchema#boolean")
XSD_POSITIVE_INTEGER = rdflib.URIRef("http://www.w3.org/2001/XMLSchema#positiveInteger")
ONTOLOGY = rdflib.URIRef(ONTOLOGY_IRI)
TERM_KINDS = (
    OWL.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    OWL.NamedIndividual,
)


@pytest.fixture(scope="module")
def edit() -> rdflib.Graph:
    return rdflib.Graph().parse(resources.edit_file(), format="turtle")


def _project_terms(graph: rdflib.Graph) -> set[rdflib.URIRef]:
    return {
        s
        for kind in TERM_KINDS
        for s in graph.subjects(RDF.type, kind)
        if isinstance(s, rdflib.URIRef) and str(s).startswith(RLD)
    }


def test_ontology_metadata(edit):
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in edit
    version = str(edit.value(ONTOLOGY, OWL.versionInfo))
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert edit.value(ONTOLOGY, OWL.versionIRI) == rdflib.URIRef(
        f"{RLD}releases/{version}/retinoid-ld.owl"
    )
    assert str(edit.value(ONTOLOGY, DCTERMS.title)).startswith("retinoid-ld")
    assert len(str(edit.value(ONTOLOGY, DCTERMS.description))) > 80
    assert edit.value(ONTOLOGY, DCTERMS.license) == rdflib.URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert edit.value(ONTOLOGY, DCTERMS.created).datatype == XSD_DATE


def test_edit_file_imports_every_module_and_the_catalog_maps_them(edit):
    names = module_names()
    assert {str(o) for o in edit.objects(ONTOLOGY, OWL.imports)} == {module_iri(n) for n in names}
    catalog = (resources.ontology_dir() / CATALOG).read_text(encoding="utf-8")
    for name in names:
        assert f'<uri name="{module_iri(name)}" uri="imports/{name}_import.ttl"/>' in catalog
        assert (resources.ontology_dir() / "imports" / f"{name}_import.ttl").is_file()


def test_every_project_term_has_one_label_and_a_definition(edit):
    terms = _project_terms(edit)
    assert len(terms) > 100
    problems = []
    for term in sorted(terms):
        labels = list(edit.objects(term, RDFS.label))
        definitions = list(edit.objects(term, SKOS.definition))
        if len(labels) != 1:
            problems.append(f"{term}: {len(labels)} labels")
        if len(definitions) != 1 or len(str(definitions[0])) < 15:
            problems.append(f"{term}: needs one skos:definition of a sentence")
    assert not problems, "\n".join(problems)


def test_project_labels_are_unique(edit):
    seen: dict[str, rdflib.URIRef] = {}
    clashes = []
    for term in sorted(_project_terms(edit)):
        label = str(edit.value(term, RDFS.label)).strip().lower()
        if label in seen:
            clashes.append(f"{label!r}: {seen[label]} and {term}")
        seen[label] = term
    assert not clashes, "\n".join(clashes)


def test_every_entity_the_edit_file_uses_is_declared(edit):
    """OWL 2 DL needs the kind of every entity: properties used must be declared."""
    declared = {s for kind in TERM_KINDS for s in edit.subjects(RDF.type, kind)}
    builtin = (str(RDF), str(RDFS), str(OWL))
    used = {p for p in edit.predicates() if not str(p).startswith(builtin)}
    assert used - declared == set()


def test_every_predicate_of_the_release_is_declared():
    """With the curated data merged, every property used still has a declared kind."""
    graph = merged_ontology_graph(include_data=True)
    kinds = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    declared = {s for kind in kinds for s in graph.subjects(RDF.type, kind)}
    builtin = (str(RDF), str(RDFS), str(OWL))
    used = {p for p in graph.predicates() if not str(p).startswith(builtin)}
    assert used - declared == set(), "declare these in ontology/retinoid-ld-edit.ttl"


FINDING_SLOTS = {
    # slot: (kind, range or None)
    "drug": (OWL.ObjectProperty, None),
    "target": (OWL.ObjectProperty, None),
    "aspect": (OWL.ObjectProperty, RLDNS.Aspect),
    "direction": (OWL.ObjectProperty, RLDNS.Direction),
    "significance": (OWL.ObjectProperty, RLDNS.Significance),
    "status": (OWL.ObjectProperty, RLDNS.EpistemicStatus),
    "comparison": (OWL.ObjectProperty, RLDNS.Comparison),
    "experimentalSystem": (OWL.ObjectProperty, RLDNS.ExperimentalSystem),
    "cellType": (OWL.ObjectProperty, None),
    "sampleContext": (OWL.ObjectProperty, None),
    "species": (OWL.ObjectProperty, None),
    "condition": (OWL.ObjectProperty, None),
    "stimulus": (OWL.ObjectProperty, RLDNS.Stimulus),
    "regimen": (OWL.ObjectProperty, RLDNS.Regimen),
    "dose": (OWL.ObjectProperty, RLDNS.Dose),
    "duration": (OWL.ObjectProperty, RLDNS.Duration),
    "timePoint": (OWL.ObjectProperty, RLDNS.TimePoint),
    "persistsAfterTreatment": (OWL.DatatypeProperty, XSD_BOOLEAN),
    "persistsAfterTreatmentFor": (OWL.ObjectProperty, RLDNS.Duration),
    "study": (OWL.ObjectProperty, RLDNS.Study),
    "assay": (OWL.ObjectProperty, RLDNS.Assay),
    "evidence": (OWL.ObjectProperty, None),
    "sourceDocument": (OWL.ObjectProperty, RLDNS.SourceDocument),
    "citedReference": (OWL.ObjectProperty, RLDNS.CitedReference),
    "conflictsWith": (OWL.ObjectProperty, RLDNS.Finding),
    "step": (OWL.ObjectProperty, RLDNS.MechanismStep),
    "causalRelation": (OWL.ObjectProperty, None),
    "convertedTo": (OWL.ObjectProperty, None),
    "hasActiveMetabolite": (OWL.ObjectProperty, None),
    "cohortSize": (OWL.DatatypeProperty, XSD_POSITIVE_INTEGER),
    "sourceSection": (OWL.AnnotationProperty, None),
    "sourceTable": (OWL.AnnotationProperty, None),
    "sourceRow": (OWL.AnnotationProperty, None),
}


@pytest.mark.parametrize("slot", sorted(FINDING_SLOTS))
def test_finding_model_slot(edit, slot):
    kind, range_ = FINDING_SLOTS[slot]
    assert (RLDNS[slot], RDF.type, kind) in edit
    if range_ is not None:
        assert edit.value(RLDNS[slot], RDFS.range) == range_


def test_the_model_states_the_drug_relations_the_sources_give(edit):
    isotretinoin = rdflib.URIRef("http://purl.obolibrary.org/obo/CHEBI_6067")
    atra = rdflib.URIRef("http://purl.obolibrary.org/obo/CHEBI_15367")
    assert (isotretinoin, RLDNS.convertedTo, atra) in edit
    assert (RLDNS.etretinate, RLDNS.hasActiveMetabolite, RLDNS.acitretin) in edit
    assert (RLDNS.hasActiveMetabolite, RDFS.subPropertyOf, RLDNS.convertedTo) in edit
    assert (RLDNS.activeMetaboliteOf, OWL.inverseOf, RLDNS.hasActiveMetabolite) in edit


VALUE_SETS = {
    "Direction": {"Decreased", "Increased", "NoSignificantChange", "Altered"},
    "Significance": {
        "Significant",
        "NotSignificant",
        "NotAlwaysSignificant",
        "SignificanceNotStated",
    },
    "EpistemicStatus": {"Reported", "Hypothesized"},
    "ExperimentalSystem": {"InVivo", "ExVivo", "InVitro"},
    "TimeReference": {"TreatmentStart", "TreatmentEnd"},
}


def _collections(graph: rdflib.Graph, kind: rdflib.URIRef, predicate: rdflib.URIRef):
    for axiom in graph.subjects(RDF.type, kind):
        yield {
            str(m)[len(RLD) :]
            for m in rdflib.collection.Collection(graph, graph.value(axiom, predicate))
        }


def test_value_sets_are_disjoint_classes_of_distinct_named_individuals(edit):
    disjoint = list(_collections(edit, OWL.AllDisjointClasses, OWL.members))
    different = list(_collections(edit, OWL.AllDifferent, OWL.distinctMembers))
    value_sets = {str(s)[len(RLD) :] for s in edit.subjects(RDFS.subClassOf, RLDNS.ValueSetMember)}
    assert set(VALUE_SETS) | {"Aspect", "Comparison", "Unit"} <= value_sets
    assert any(value_sets <= members for members in disjoint)
    for value_set in value_sets:
        members = {str(m)[len(RLD) :] for m in edit.subjects(RDF.type, RLDNS[value_set])}
        assert members >= VALUE_SETS.get(value_set, set())
        assert any(members <= group for group in different), f"{value_set}: not all different"
        for member in members:
            assert (RLDNS[member], RDF.type, OWL.NamedIndividual) in edit
    assert (RLDNS.DrugEffectFinding, OWL.disjointWith, RLDNS.ConditionFinding) in edit


# ---------------------------------------------------------------------------
# Mappings
# ---------------------------------------------------------------------------


def test_sssom_file_is_well_formed():
    mapping_set = read_sssom()
    assert check_mapping_set(mapping_set) == []
    metadata = mapping_set.metadata
    assert str(metadata["mapping_set_id"]).startswith(RLD)
    assert metadata["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert {"rld", "biolink", "skos", "semapv", "sssom"} <= set(mapping_set.curie_map)
    assert len(mapping_set.rows) > 50


def test_sssom_rows_and_the_ontology_skos_mappings_agree():
    problems = compare_with_ontology(read_sssom(), mapping_graph())
    assert not problems, "\n".join(problems)


def test_every_minted_term_has_a_no_term_found_row():
    rows = read_sssom().rows
    minted = {r.subject_id for r in rows if r.object_id == NO_TERM_FOUND}
    assert {"rld:acitretin", "rld:etretinate", "rld:Week"} <= minted
    acitretin = next(r for r in rows if r.subject_id == "rld:acitretin")
    assert "CHEBI" in acitretin.comment


def test_disagreement_between_sssom_and_ontology_is_reported(tmp_path: Path):
    graph = mapping_graph()
    graph.remove((RLDNS.Finding, SKOS.closeMatch, None))
    graph.add((RLDNS.Study, SKOS.exactMatch, rdflib.URIRef("https://example.org/Study")))
    graph.add((RLDNS.Day, RLDNS.missingMapping, rdflib.Literal("QUDT")))
    problems = compare_with_ontology(read_sssom(), graph)
    assert any(
        "rld:Finding skos:closeMatch biolink:Association is not stated" in p for p in problems
    )
    assert any(
        "the ontology states rld:Study skos:exactMatch https://example.org/Study but no row does"
        in p
        for p in problems
    )
    assert any(
        "rld:Day records a missing QUDT mapping but no NoTermFound row" in p for p in problems
    )


def test_biolink_names_exist_in_the_biolink_model():
    """Every biolink: class, slot, enum and enum value the project maps to is real."""
    pytest.importorskip("biolink_model", reason="biolink-model is not installed")
    from importlib.resources import files

    import yaml

    schema_file = files("biolink_model") / "schema" / "biolink_model.yaml"
    schema = yaml.safe_load(schema_file.read_text(encoding="utf-8"))

    def camel(name: str) -> str:
        return "".join(word[:1].upper() + word[1:] for word in name.split(" "))

    classes = {camel(name) for name in schema["classes"]}
    slots = {name.replace(" ", "_") for name in schema["slots"]}
    enums = {
        name: set((definition or {}).get("permissible_values") or {})
        for name, definition in schema["enums"].items()
    }
    used = [r.object_id for r in read_sssom().rows if r.object_id.startswith("biolink:")]
    graph = mapping_graph()
    used += [
        "biolink:" + str(o)[len("https://w3id.org/biolink/vocab/") :]
        for o in graph.objects()
        if str(o).startswith("https://w3id.org/biolink/vocab/")
    ]
    assert len(used) > 40
    unknown = []
    for name in sorted(set(used)):
        local = name.split(":", 1)[1]
        enum, _, value = local.partition("#")
        if value:
            ok = value in enums.get(enum, set())
        else:
            ok = local in classes or local in slots or local in enums
        if not ok:
            unknown.append(name)
    assert not unknown, f"not in Biolink {schema['version']}: {unknown}"


# ---------------------------------------------------------------------------
# Loading: rdflib, owlready2, the release
# ---------------------------------------------------------------------------


def test_ontology_and_imports_load_in_rdflib():
    graph = rdflib.Graph()
    for path in resources.ontology_files():
        graph.parse(path, format="turtle")
    assert (RLDNS.Finding, RDF.type, OWL.Class) in graph
    cell = rdflib.URIRef("http://purl.obolibrary.org/obo/CL_0000576")
    assert graph.value(cell, RDFS.label) == rdflib.Literal("monocyte")


@pytest.fixture(scope="module")
def release_bytes() -> bytes:
    buffer = io.BytesIO()
    write_owl_release(buffer)
    return buffer.getvalue()


def test_release_is_merged_and_deterministic(release_bytes):
    again = io.BytesIO()
    write_owl_release(again)
    assert again.getvalue() == release_bytes
    graph = rdflib.Graph().parse(data=release_bytes, format="xml")
    assert list(graph.subjects(RDF.type, OWL.Ontology)) == [ONTOLOGY]
    assert (None, OWL.imports, None) not in graph
    assert graph.value(ONTOLOGY, OWL.versionIRI) is not None
    assert len(graph) == len(merged_ontology_graph(include_data=True))
    finding = RLDNS["finding-000-tlr2-monocyte-treatment"]
    assert (finding, RDF.type, RLDNS.DrugEffectFinding) in graph


def test_release_without_data_has_no_findings(tmp_path: Path):
    path = tmp_path / "retinoid-ld.owl"
    write_owl_release(path, include_data=False)
    graph = rdflib.Graph().parse(path, format="xml")
    assert (None, RDF.type, RLDNS.DrugEffectFinding) not in graph
    assert (RLDNS.DrugEffectFinding, RDF.type, OWL.Class) in graph
    assert not list(tmp_path.glob(".*partial"))


def test_release_loads_in_owlready2_with_punned_slot_values(tmp_path: Path, release_bytes):
    path = tmp_path / "retinoid-ld.owl"
    path.write_bytes(release_bytes)
    world = owlready2.World()
    try:
        ontology = world.get_ontology(path.as_uri()).load()
        assert ontology.base_iri.startswith(ONTOLOGY_IRI)
        finding_class = world[RLD + "DrugEffectFinding"]
        assert world[RLD + "Finding"] in finding_class.is_a
        finding = world[RLD + "finding-000-tlr2-monocyte-treatment"]
        assert finding_class in finding.is_a
        # OWL 2 punning: the ChEBI class isotretinoin is the finding's drug
        isotretinoin = world["http://purl.obolibrary.org/obo/CHEBI_6067"]
        assert finding.drug == [isotretinoin]
        assert (
            world["http://purl.obolibrary.org/obo/CL_0001065"]
            in world["http://purl.obolibrary.org/obo/CL_0000623"].is_a
        )
    finally:
        world.close()


def test_export_owl_writes_the_release(run_cli, built_store, tmp_path: Path, release_bytes):
    """If the export command offers --format owl, it writes this release."""
    code, out, _ = run_cli("export", "--help")
    if "owl" not in out:
        pytest.skip("the export command does not offer --format owl yet")
    target = tmp_path / "release.owl"
    code, _, err = run_cli("export", "--format", "owl", "-o", target, "--store", built_store)
    assert code == 0, err
    graph = rdflib.Graph().parse(target, format="xml")
    assert list(graph.subjects(RDF.type, OWL.Ontology)) == [ONTOLOGY]
