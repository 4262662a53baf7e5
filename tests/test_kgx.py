"""KGX export: columns, categories, predicates, qualifiers and value sets checked against the
Biolink Model itself, and the exact edges of the curated findings.

The ``kgx`` library's own validator is not used: ``pip install kgx`` pulls about 140
packages (neo4j driver, pandas, linkml, ...), and importing it fetches the Biolink
Model from GitHub at import time, so it cannot run offline or in CI without network.
Instead the checks below read the Biolink Model schema shipped in the ``biolink-model``
package (``biolink_model/schema/biolink_model.yaml``, the source the validator uses)
and apply the rules the validator applies: every column is a Biolink slot, categories
are Biolink classes, predicates descend from ``related_to``, qualifiers are slots of the
edge's association class with values from their enums, subject and object categories
fit the association's ranges, node ids use the class's preferred prefixes, and
single-valued slots hold one value.
"""

from __future__ import annotations

import io
import json
import re
from functools import cache
from pathlib import Path

import pytest

from retinoid_ld.export import export_store
from retinoid_ld.kgx import EDGE_COLUMNS, INFORES, NODE_COLUMNS, kgx_id, write_kgx
from retinoid_ld.namespaces import RLD
from retinoid_ld.store import open_store

biolink_model = pytest.importorskip(
    "biolink_model", reason="the biolink-model package (test extra) holds the Biolink schema"
)
yaml = pytest.importorskip("yaml", reason="PyYAML reads the Biolink schema")

BIOLINK_DIR = Path(next(iter(biolink_model.__path__)))
TLR2_FINDING = RLD + "finding-000-tlr2-monocyte-treatment"


# ---------------------------------------------------------------------------
# The Biolink Model, read from its own schema
# ---------------------------------------------------------------------------


@cache
def schema() -> dict:
    return yaml.safe_load((BIOLINK_DIR / "schema" / "biolink_model.yaml").read_text())


def class_name(curie: str) -> str:
    """``biolink:ChemicalAffectsGeneAssociation`` -> ``chemical affects gene association``."""
    assert curie.startswith("biolink:"), curie
    camel = curie.split(":", 1)[1]
    for name in schema()["classes"]:
        if name.replace(" ", "").lower() == camel.lower() and _camel(name) == camel:
            return name
    raise AssertionError(f"{curie} is not a Biolink class")


def _camel(name: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in name.split(" "))


def slot_name(column: str) -> str:
    """``object_aspect_qualifier`` or ``biolink:affects`` -> the schema's slot name."""
    name = column.removeprefix("biolink:").replace("_", " ")
    assert name in schema()["slots"], f"{column} is not a Biolink slot"
    return name


def class_ancestors(name: str) -> set[str]:
    """The class, its is_a ancestors and every mixin along the way."""
    classes = schema()["classes"]
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        definition = classes[current]
        if definition.get("is_a"):
            todo.append(definition["is_a"])
        todo.extend(definition.get("mixins") or [])
    return seen


def class_slots(name: str) -> set[str]:
    classes = schema()["classes"]
    slots: set[str] = set()
    for ancestor in class_ancestors(name):
        slots.update(classes[ancestor].get("slots") or [])
        slots.update((classes[ancestor].get("slot_usage") or {}).keys())
    return slots


def slot_usage(association: str, slot: str, key: str) -> str | None:
    """The nearest ``slot_usage`` refinement of a slot up the association's is_a chain."""
    classes = schema()["classes"]
    current: str | None = association
    while current:
        usage = (classes[current].get("slot_usage") or {}).get(slot) or {}
        if usage.get(key):
            return usage[key]
        current = classes[current].get("is_a")
    return None


def slot_ancestors(name: str) -> list[str]:
    slots = schema()["slots"]
    chain = []
    current: str | None = name
    while current:
        chain.append(current)
        current = slots[current].get("is_a")
    return chain


def multivalued(name: str) -> bool:
    return any(schema()["slots"][s].get("multivalued") for s in slot_ancestors(name))


def enum_values(enum: str) -> set[str]:
    return set(schema()["enums"][enum]["permissible_values"])


@cache
def preferred_prefixes() -> dict[str, list[str]]:
    document = json.loads(
        (BIOLINK_DIR / "prefixmaps" / "preferred_prefixes_per_class.json").read_text()
    )
    return {
        entry["class_name"]: [p["prefix"] for p in entry["prefix_map"]]
        for entry in document["biolink_class_prefixes"]
    }


# ---------------------------------------------------------------------------
# The export of the shipped store
# ---------------------------------------------------------------------------


def read_tsv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == ""
    header = lines[0].split("\t")
    rows = []
    for number, line in enumerate(lines[1:-1], start=2):
        cells = line.split("\t")
        assert len(cells) == len(header), f"{path.name}:{number}: {len(cells)} cells"
        rows.append(dict(zip(header, cells, strict=True)))
    return header, rows


@pytest.fixture(scope="module")
def kgx(built_store, tmp_path_factory):
    directory = tmp_path_factory.mktemp("kgx")
    export_store(format="kgx", store=built_store, output=f"{directory}/")
    node_header, nodes = read_tsv(directory / "nodes.tsv")
    edge_header, edges = read_tsv(directory / "edges.tsv")
    return {
        "dir": directory,
        "node_header": node_header,
        "nodes": {n["id"]: n for n in nodes},
        "node_rows": nodes,
        "edge_header": edge_header,
        "edges": edges,
        "by_id": {e["id"]: e for e in edges},
    }


def select(store_path, query: str) -> set[str]:
    prefix = f"PREFIX rld: <{RLD}>\n"
    return {
        row[0].value
        for row in open_store(store_path).query(prefix + query, use_default_graph_as_union=True)
    }


def test_columns_are_biolink_slots(kgx):
    assert kgx["node_header"] == list(NODE_COLUMNS)
    assert kgx["edge_header"] == list(EDGE_COLUMNS)
    for column in (*NODE_COLUMNS, *EDGE_COLUMNS):
        slot_name(column)


def test_node_categories_and_id_prefixes_follow_biolink(kgx):
    for node in kgx["node_rows"]:
        name = class_name(node["category"])
        assert "named thing" in class_ancestors(name), node
        assert node["provided_by"] == INFORES
        assert node["name"], f"{node['id']} has no label"
        if ":" in node["id"] and not node["id"].startswith("http"):
            prefixes = preferred_prefixes().get(node["category"])
            if prefixes:
                assert node["id"].split(":")[0] in prefixes, node
        else:
            assert node["id"].startswith(RLD), node  # project terms by their w3id IRI


def test_edges_follow_the_biolink_model(kgx):
    aspects = enum_values("GeneOrGeneProductOrChemicalEntityAspectEnum")
    directions = enum_values("DirectionQualifierEnum")
    levels = enum_values("KnowledgeLevelEnum")
    agents = enum_values("AgentTypeEnum")
    for edge in kgx["edges"]:
        association = class_name(edge["category"])
        assert "association" in class_ancestors(association), edge
        allowed = class_slots(association)
        for column in EDGE_COLUMNS:
            if edge[column] and column not in ("id", "category"):
                assert slot_name(column) in allowed, (column, edge["category"])
            if "|" in edge[column]:
                assert multivalued(slot_name(column)), (column, edge[column])
        predicate = slot_name(edge["predicate"])
        assert "related to" in slot_ancestors(predicate)
        required = slot_usage(association, "predicate", "subproperty_of")
        if required:
            assert required in slot_ancestors(predicate), (edge["predicate"], required)
        if edge["qualified_predicate"]:
            qualified = slot_name(edge["qualified_predicate"])
            required = slot_usage(association, "qualified predicate", "subproperty_of")
            assert required is None or required in slot_ancestors(qualified)
        for end in ("subject", "object"):
            node_class = class_name(kgx["nodes"][edge[end]]["category"])
            expected = slot_usage(association, end, "range")
            if expected:
                assert expected in class_ancestors(node_class), (edge["id"], end, expected)
        assert edge["object_aspect_qualifier"] in aspects | {""}
        assert edge["object_direction_qualifier"] in directions | {""}
        assert edge["knowledge_level"] in levels
        assert edge["agent_type"] in agents
        assert edge["agent_type"] == "manual_agent"
        assert edge["primary_knowledge_source"] == "infores:retinoid-ld"
        assert edge["negated"] in ("", "True")
        for value in filter(None, edge["anatomical_context_qualifier"].split("|")):
            assert value.split(":")[0] in preferred_prefixes()["biolink:AnatomicalEntity"]
        if edge["species_context_qualifier"]:
            assert edge["species_context_qualifier"].startswith("NCBITaxon:")
        for value in filter(None, edge["has_evidence"].split("|")):
            assert value.startswith("ECO:")
        for value in filter(None, edge["publications"].split("|")):
            assert value.startswith(("doi:", RLD + "doc-")), value


def test_every_drug_effect_finding_is_one_edge_and_every_end_a_node(built_store, kgx):
    findings = select(built_store, "SELECT ?f WHERE { ?f a rld:DrugEffectFinding }")
    finding_edges = {e["id"] for e in kgx["edges"] if e["predicate"] == "biolink:affects"}
    assert finding_edges == findings
    assert len(kgx["edges"]) == len(findings) + 2  # and the two metabolite relations
    ends = {e["subject"] for e in kgx["edges"]} | {e["object"] for e in kgx["edges"]}
    assert ends == set(kgx["nodes"])


def test_the_tlr2_finding_edge(kgx):
    edge = kgx["by_id"][TLR2_FINDING]
    assert edge == {
        "id": TLR2_FINDING,
        "subject": "CHEBI:6067",
        "predicate": "biolink:affects",
        "object": "PR:000001153",
        "category": "biolink:ChemicalAffectsGeneAssociation",
        "negated": "",
        "qualified_predicate": "biolink:causes",
        "object_aspect_qualifier": "expression",
        "object_direction_qualifier": "decreased",
        "anatomical_context_qualifier": "CL:0000576",
        "species_context_qualifier": "NCBITaxon:9606",
        "knowledge_level": "knowledge_assertion",
        "agent_type": "manual_agent",
        "primary_knowledge_source": "infores:retinoid-ld",
        "publications": RLD + "doc-000",
        "has_evidence": "ECO:0000269",
    }
    assert kgx["nodes"]["CHEBI:6067"]["category"] == "biolink:SmallMolecule"
    assert kgx["nodes"]["CHEBI:6067"]["name"] == "isotretinoin"
    assert kgx["nodes"]["PR:000001153"]["category"] == "biolink:Protein"


def test_no_significant_change_is_a_negated_statement(built_store, kgx):
    unchanged = select(
        built_store,
        "SELECT ?f WHERE { ?f a rld:DrugEffectFinding ; rld:direction rld:NoSignificantChange }",
    )
    negated = {e["id"] for e in kgx["edges"] if e["negated"] == "True"}
    assert negated == unchanged and unchanged
    for finding in unchanged:
        edge = kgx["by_id"][finding]
        assert edge["qualified_predicate"] == edge["object_direction_qualifier"] == ""


def test_hypotheses_are_predictions_and_reports_assertions(built_store, kgx):
    hypothesised = select(
        built_store,
        "SELECT ?f WHERE { ?f a rld:DrugEffectFinding ; rld:status rld:Hypothesized }",
    )
    predictions = {e["id"] for e in kgx["edges"] if e["knowledge_level"] == "prediction"}
    assert predictions == hypothesised and hypothesised
    others = {e["knowledge_level"] for e in kgx["edges"] if e["id"] not in hypothesised}
    assert others == {"knowledge_assertion"}


def test_directions_follow_the_findings(built_store, kgx):
    # Biolink's chemical-affects associations take biological entities as objects; a
    # finding on an organism taxon (C. acnes) is a plain Association without qualifiers.
    unqualified = {e["id"] for e in kgx["edges"] if e["category"] == "biolink:Association"}
    assert unqualified == {RLD + "finding-000-c-acnes-population"}
    for direction, value in (("Decreased", "decreased"), ("Increased", "increased")):
        findings = select(
            built_store,
            f"SELECT ?f WHERE {{ ?f a rld:DrugEffectFinding ; rld:direction rld:{direction} }}",
        )
        exported = {e["id"] for e in kgx["edges"] if e["object_direction_qualifier"] == value}
        assert exported == findings - unqualified


def test_a_study_doi_is_a_publication(built_store, kgx):
    ren = select(
        built_store, "SELECT ?f WHERE { ?f a rld:DrugEffectFinding ; rld:study rld:study-ren-2025 }"
    )
    assert ren
    for finding in ren:
        publications = kgx["by_id"][finding]["publications"].split("|")
        assert "doi:10.1038/s41398-025-03750-4" in publications
        assert RLD + "doc-002" in publications


def test_metabolite_relations(kgx):
    metabolites = {
        (e["subject"], e["object"])
        for e in kgx["edges"]
        if e["predicate"] == "biolink:has_metabolite"
    }
    assert metabolites == {("CHEBI:6067", "CHEBI:15367"), (RLD + "etretinate", RLD + "acitretin")}
    for edge in kgx["edges"]:
        if edge["predicate"] == "biolink:has_metabolite":
            assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", edge["id"])
            assert edge["category"] == "biolink:ChemicalEntityToChemicalDerivationAssociation"
    assert kgx["nodes"][RLD + "acitretin"]["category"] == "biolink:SmallMolecule"


def test_kgx_ids():
    assert kgx_id("http://purl.obolibrary.org/obo/CHEBI_6067") == "CHEBI:6067"
    assert kgx_id("https://doi.org/10.1/x") == "doi:10.1/x"
    assert kgx_id(RLD + "acitretin") == RLD + "acitretin"


def test_kgx_is_deterministic_and_named_by_prefix(built_store, kgx, run_cli, tmp_path):
    code, out, err = run_cli(
        "export", "--format", "kgx", "-o", tmp_path / "retinoid-ld", "--store", built_store
    )
    assert (code, out, err) == (0, "", "")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "retinoid-ld_edges.tsv",
        "retinoid-ld_nodes.tsv",
    ]
    for kind in ("nodes", "edges"):
        assert (tmp_path / f"retinoid-ld_{kind}.tsv").read_bytes() == (
            kgx["dir"] / f"{kind}.tsv"
        ).read_bytes()
    nodes, edges = io.BytesIO(), io.BytesIO()
    write_kgx(open_store(built_store), nodes, edges)
    assert edges.getvalue() == (kgx["dir"] / "edges.tsv").read_bytes()
