"""The shapes themselves: they parse, every shape is reachable from a target, they
conform to SHACL's shapes for shapes, every reporting shape speaks to a curator, and
they agree with the ontology (value sets, properties, classes, root terms)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS

from retinoid_ld import resources
from retinoid_ld.namespaces import RLD
from retinoid_ld.rdfio import rdflib_graph, to_oxigraph_term
from retinoid_ld.shacl_sparql import SH, ShapeCompiler
from retinoid_ld.validation import compiled_shapes, load_shapes, validate_store

TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
SHAPE_REFERENCES = (SH.property, SH.node, SH["not"])
SHAPE_LISTS = (SH["or"], SH["and"], SH.xone)


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return load_shapes()


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return rdflib_graph(resources.ontology_files())


def all_shapes(graph: rdflib.Graph) -> set[rdflib.term.Node]:
    found = set(graph.subjects(RDF.type, SH.NodeShape)) | set(
        graph.subjects(RDF.type, SH.PropertyShape)
    )
    found |= set(graph.subjects(SH.path, None))
    for predicate in TARGETS:
        found |= set(graph.subjects(predicate, None))
    for predicate in SHAPE_REFERENCES:
        found |= set(graph.objects(None, predicate))
    for predicate in SHAPE_LISTS:
        for members in graph.objects(None, predicate):
            found |= set(Collection(graph, members))
    return found


def reachable_shapes(graph: rdflib.Graph) -> set[rdflib.term.Node]:
    pending = [s for p in TARGETS for s in graph.subjects(p, None)]
    seen: set[rdflib.term.Node] = set()
    while pending:
        shape = pending.pop()
        if shape in seen:
            continue
        seen.add(shape)
        for predicate in SHAPE_REFERENCES:
            pending.extend(graph.objects(shape, predicate))
        for predicate in SHAPE_LISTS:
            for members in graph.objects(shape, predicate):
                pending.extend(Collection(graph, members))
    return seen


def reporting_property_shapes(graph: rdflib.Graph) -> set[rdflib.term.Node]:
    """Property shapes whose results are reported: those of targeted node shapes."""
    targeted = {s for p in TARGETS for s in graph.subjects(p, None)}
    return {p for s in targeted for p in graph.objects(s, SH.property)}


def test_every_shapes_file_parses():
    files = resources.shapes_files()
    assert {f.name for f in files} >= {
        "terms.ttl",
        "finding.ttl",
        "knowledge-gap.ttl",
        "mechanism.ttl",
        "study.ttl",
        "provenance.ttl",
        "iri-rules.ttl",
    }
    for path in files:
        assert len(rdflib_graph([path])) > 0, path


def test_every_shape_is_reachable_from_a_target(shapes):
    unreachable = all_shapes(shapes) - reachable_shapes(shapes)
    assert sorted(map(str, unreachable)) == []


def shacl_shacl() -> rdflib.Graph:
    return rdflib.Graph().parse(Path(pyshacl.__file__).parent / "assets" / "shacl-shacl.ttl")


def as_store(graph: rdflib.Graph) -> ox.Store:
    store = ox.Store()
    store.extend(
        ox.Quad(to_oxigraph_term(s), to_oxigraph_term(p), to_oxigraph_term(o)) for s, p, o in graph
    )
    return store


def test_shapes_conform_to_the_shacl_shapes_for_shapes(shapes):
    # The W3C shapes for shapes (as pySHACL ships them), run by the SPARQL engine.
    report = validate_store(as_store(shapes), shapes=shacl_shacl())
    assert report.results == []


def test_shapes_for_shapes_catch_a_broken_shape(shapes):
    broken = rdflib.Graph()
    broken += shapes
    shape = rdflib.URIRef(RLD + "shapes/label-required")
    broken.add((shape, SH.minCount, rdflib.Literal("one")))
    report = validate_store(as_store(broken), shapes=shacl_shacl())
    assert {(r.focus, r.path, r.constraint) for r in report.results} == {
        ("rldsh:label-required", "sh:minCount", "sh:MaxCountConstraintComponent"),
        ("rldsh:label-required", "sh:minCount", "sh:DatatypeConstraintComponent"),
    }


@pytest.mark.slow
def test_pyshacl_meta_shacl_accepts_the_shapes(shapes):
    # pySHACL's own check of the shapes graph before validating (meta_shacl=True).
    conforms, _graph, text = pyshacl.validate(rdflib.Graph(), shacl_graph=shapes, meta_shacl=True)
    assert conforms, text


def test_every_class_of_the_finding_model_has_a_node_shape(shapes):
    targeted = {str(c) for c in shapes.objects(None, SH.targetClass)}
    model = {
        "Finding",
        "DrugEffectFinding",
        "ConditionFinding",
        "KnowledgeGap",
        "MechanismChain",
        "MechanismStep",
        "Study",
        "StudyPopulation",
        "Regimen",
        "Dose",
        "Duration",
        "TimePoint",
        "Assay",
        "Stimulus",
        "SourceDocument",
        "CitedReference",
        "ProjectTerm",
    }
    assert {RLD + c for c in model} <= targeted


def test_every_reporting_property_shape_has_a_name_and_one_message(shapes):
    for shape in reporting_property_shapes(shapes):
        names = list(shapes.objects(shape, SH.name))
        messages = list(shapes.objects(shape, SH.message))
        has_sparql = (shape, SH.sparql, None) in shapes
        assert len(names) == 1, f"{shape} needs one sh:name"
        if has_sparql:
            assert messages == [], f"{shape}: the message belongs on its SPARQL constraint"
        else:
            assert len(messages) == 1, f"{shape} needs one sh:message"


def test_every_node_level_constraint_and_sparql_constraint_has_one_message(shapes):
    compiler = ShapeCompiler(shapes)
    for shape in {s for p in TARGETS for s in shapes.subjects(p, None)}:
        node_level = compiler.value_tests(shape) or compiler.focus_tests(shape)
        messages = list(shapes.objects(shape, SH.message))
        if node_level:
            assert len(messages) == 1, f"{shape} needs one sh:message"
        if (shape, SH.sparql, None) in shapes:
            assert messages == [], f"{shape}: the message belongs on its SPARQL constraint"
    for constraint in shapes.objects(None, SH.sparql):
        assert len(list(shapes.objects(constraint, SH.message))) == 1, constraint


def test_every_message_names_the_node_it_is_about(shapes):
    for message in shapes.objects(None, SH.message):
        assert "{$this}" in str(message), message


def test_severities_are_used_on_purpose(shapes):
    severities = set(shapes.objects(None, SH.severity))
    assert severities == {SH.Warning, SH.Info}  # Violation is the default
    warnings = {str(s) for s in shapes.subjects(SH.severity, SH.Warning)}
    assert RLD + "shapes/Finding-study-recommended" in warnings
    infos = {str(s) for s in shapes.subjects(SH.severity, SH.Info)}
    assert RLD + "shapes/Finding-significance-stated" in infos


@pytest.mark.parametrize(
    ("property_local", "value_class"),
    [
        ("aspect", "Aspect"),
        ("direction", "Direction"),
        ("significance", "Significance"),
        ("status", "EpistemicStatus"),
        ("comparison", "Comparison"),
        ("experimentalSystem", "ExperimentalSystem"),
        ("timeReference", "TimeReference"),
    ],
)
def test_value_sets_are_the_ontology_individuals(shapes, ontology, property_local, value_class):
    path = rdflib.URIRef(RLD + property_local)
    individuals = set(ontology.subjects(RDF.type, rdflib.URIRef(RLD + value_class)))
    lists = [
        set(Collection(shapes, members))
        for shape in shapes.subjects(SH.path, path)
        for members in shapes.objects(shape, SH["in"])
    ]
    assert lists, f"no sh:in for rld:{property_local}"
    # The general value set is complete; narrower ones (per finding kind) are subsets.
    assert max(lists, key=len) == individuals
    assert all(values <= individuals for values in lists)


def test_every_project_property_and_class_in_the_shapes_is_in_the_ontology(shapes, ontology):
    declared_properties = {
        s
        for kind in (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
        for s in ontology.subjects(RDF.type, kind)
    }
    used_properties = {
        node
        for predicate in (SH.path, SH.targetSubjectsOf, SH.lessThanOrEquals)
        for node in shapes.objects(None, predicate)
        if isinstance(node, rdflib.URIRef) and str(node).startswith(RLD)
    }
    used_properties |= {
        node
        for node in shapes.objects(None, SH.inversePath)
        if isinstance(node, rdflib.URIRef) and str(node).startswith(RLD)
    }
    assert used_properties - declared_properties == set()
    declared_classes = set(ontology.subjects(RDF.type, OWL.Class))
    used_classes = {
        node
        for predicate in (SH.targetClass, SH["class"])
        for node in shapes.objects(None, predicate)
        if str(node).startswith(RLD)
    }
    assert used_classes - declared_classes == set()


def test_root_terms_of_the_category_checks_are_in_the_import_modules(shapes, ontology):
    roots = {
        node
        for node in shapes.objects(None, SH.hasValue)
        if isinstance(node, rdflib.URIRef) and str(node).startswith("http://purl.obolibrary.org/")
    }
    assert len(roots) >= 8
    classes = set(ontology.subjects(RDF.type, OWL.Class))
    # GO's function and component roots serve a negative check (a GO target must not be
    # under them); they enter the import closure with the first such term imported.
    negative = {
        rdflib.URIRef("http://purl.obolibrary.org/obo/GO_0003674"),
        rdflib.URIRef("http://purl.obolibrary.org/obo/GO_0005575"),
    }
    assert roots - negative - classes == set()
    # and each has the label the shapes' comments name it by
    labels = {str(r).rsplit("/", 1)[1]: str(ontology.value(r, RDFS.label)) for r in roots}
    assert labels["CHEBI_24431"] == "chemical entity"
    assert labels["CL_0000000"] == "cell"
    assert labels["NCBITaxon_33208"] == "Metazoa"
    assert labels["ECO_0000000"] == "evidence"
    assert labels["MONDO_0000001"] == "disease"


def test_every_constraint_compiles_to_sparql(shapes):
    compiled = compiled_shapes(shapes)
    components = {str(c.component).rsplit("#", 1)[1] for c in compiled}
    # The shapes use these SHACL constraint components; the compiler covers each.
    assert components >= {
        "MinCountConstraintComponent",
        "MaxCountConstraintComponent",
        "DatatypeConstraintComponent",
        "NodeKindConstraintComponent",
        "InConstraintComponent",
        "ClassConstraintComponent",
        "PatternConstraintComponent",
        "MinInclusiveConstraintComponent",
        "MinExclusiveConstraintComponent",
        "LessThanOrEqualsConstraintComponent",
        "NodeConstraintComponent",
        "NotConstraintComponent",
        "OrConstraintComponent",
        "SPARQLConstraintComponent",
    }
