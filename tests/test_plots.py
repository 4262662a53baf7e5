"""The heatmap and the mechanism diagrams: drawn from the store, with the expected content."""

from __future__ import annotations

import shutil
import struct
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from retinoid_ld.errors import InputError
from retinoid_ld.namespaces import curie
from retinoid_ld.plot_matrix import (
    DECREASED,
    INCREASED,
    NO_SIGNIFICANT_CHANGE,
    STATED_DRUG_EFFECT_COMPARISONS,
    drug_effect_matrix,
    plot_matrix,
)
from retinoid_ld.plot_mechanism import (
    CONVERSION,
    NEGATIVE,
    NEGATIVELY_REGULATES,
    NEUTRAL,
    POSITIVE,
    _polarity,
    layered_layout,
    mechanism_graph,
    plot_mechanism,
    to_dot,
)

from .visuals import (
    ACITRETIN,
    ATRA,
    CYTOKINE_PRODUCTION,
    ERK,
    ETRETINATE,
    FOXO1,
    GLUTATHIONE,
    ISOTRETINOIN,
    MDSC,
    NFKB,
    OBO,
    RLD,
    TLR2,
    build_visuals_store,
)

SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_visuals_store(tmp_path_factory.mktemp("visuals") / "store")


def svg_texts(path: Path) -> list[str]:
    """Every text run of an SVG (the figures keep text as text, not paths)."""
    root = ElementTree.parse(path).getroot()
    texts = []
    for element in root.iter():
        if element.tag in (SVG_NS + "text", SVG_NS + "tspan") and element.text:
            texts.append(element.text.strip())
    return texts


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def summary(matrix) -> list[tuple[str, str, dict[str, str]]]:
    """The matrix as (group, row label, {drug CURIE: cell}) with a short code per cell.

    A cell is ``gap``, or its directions joined by ``+``, each suffixed ``~`` when not
    (always) significant and ``?`` when hypothesised, and ``!`` for a conflict.
    """
    rows = []
    for index, row in enumerate(matrix.rows):
        cells = {}
        for drug in matrix.drugs:
            cell = matrix.cell(index, drug)
            if cell.state == "blank":
                continue
            if cell.state == "gap":
                cells[curie(drug)] = "gap"
                continue
            code = "+".join(
                mark.direction[len(RLD) :]
                + ("~" if mark.weak else "")
                + ("?" if mark.hypothesized else "")
                for mark in cell.marks
            )
            cells[curie(drug)] = code + ("!" if cell.conflict else "")
        rows.append((row.group, row.label, cells))
    return rows


CYTOKINES = "Cytokines and secreted mediators"
EXPECTED_FIXTURE_MATRIX = [
    (
        f"{CYTOKINES} · blood serum",
        "interleukin-17 production (serum level)",
        {"CHEBI:6067": "Decreased~", "rld:acitretin": "Decreased+NoSignificantChange!"},
    ),
    (
        f"{CYTOKINES} · lymphocyte",
        "interleukin-17 production (secretion)",
        {"CHEBI:6067": "NoSignificantChange"},
    ),
    (
        f"{CYTOKINES} · monocyte",
        "interleukin-6 production (secretion)",
        {"CHEBI:6067": "Decreased", "rld:acitretin": "gap"},
    ),
    (
        f"{CYTOKINES} · context not stated",
        "tumor necrosis factor production",
        {"rld:acitretin": "gap"},
    ),
    (
        "Cell populations",
        "myeloid-derived suppressor cell: differentiation",
        {"rld:acitretin": "Increased"},
    ),
    (
        "Cell populations",
        "natural killer cell: activity",
        {"CHEBI:6067": "Decreased", "rld:etretinate": "Increased"},
    ),
    (
        "Molecules, pathways and processes",
        "forkhead box protein O1: nuclear localization",
        {"CHEBI:15367": "Increased?"},
    ),
    (
        "Molecules, pathways and processes",
        "Toll-like receptor 2: expression (monocyte)",
        {"CHEBI:6067": "Decreased"},
    ),
    ("Behaviours and phenotypes", "fear/anxiety related behavior", {"CHEBI:6067": "Increased"}),
]


# --------------------------------------------------------------------------- matrix


def test_matrix_rows_columns_and_cells(store):
    matrix = drug_effect_matrix(store=store)
    # The best-studied drug first, then by label.
    assert matrix.drugs == [ISOTRETINOIN, ACITRETIN, ATRA, ETRETINATE]
    assert summary(matrix) == EXPECTED_FIXTURE_MATRIX
    assert matrix.finding_count == 11
    assert matrix.gap_count == 2


def test_matrix_leaves_out_disease_baselines(store):
    """The acne-versus-healthy TLR-2 finding (increased) is not a drug effect."""
    matrix = drug_effect_matrix(store=store)
    (row,) = matrix.find_rows(TLR2)
    cell = matrix.cell(row, ISOTRETINOIN)
    assert [m.direction for m in cell.marks] == [DECREASED]
    assert cell.findings == (RLD + "finding-900-tlr2",)
    all_findings = {f for c in matrix.cells.values() for f in c.findings}
    assert RLD + "finding-900-tlr2-baseline" not in all_findings


def test_matrix_gap_is_distinct_from_blank(store):
    matrix = drug_effect_matrix(store=store)
    (il6,) = matrix.find_rows(OBO + "GO_0032635")
    assert matrix.cell(il6, ACITRETIN).state == "gap"
    assert matrix.cell(il6, ACITRETIN).gaps == (RLD + "gap-900-acitretin-il6",)
    assert matrix.cell(il6, ETRETINATE).state == "blank"


def test_matrix_drug_selection_in_the_given_order(store):
    matrix = drug_effect_matrix(store=store, drugs=["acitretin", "CHEBI:6067"])
    assert matrix.drugs == [ACITRETIN, ISOTRETINOIN]
    labels = [row.label for row in matrix.rows]
    assert "forkhead box protein O1: nuclear localization" not in labels  # ATRA only
    assert "natural killer cell: activity" in labels  # isotretinoin has it
    assert len(labels) == 8


def test_matrix_stated_comparisons_only(tmp_path, store):
    """Effects stated without a reference state can be left out."""
    extra = tmp_path / "unstated.ttl"
    extra.write_text(
        "@prefix rld: <https://w3id.org/retinoid-ld/> .\n"
        "@prefix obo: <http://purl.obolibrary.org/obo/> .\n"
        "rld:finding-unstated a rld:DrugEffectFinding ; rld:drug obo:CHEBI_6067 ;\n"
        "  rld:target obo:GO_0032640 ; rld:aspect rld:Secretion ; rld:direction rld:Decreased ;\n"
        "  rld:comparison rld:NoComparisonStated .\n"
    )
    from retinoid_ld import build_store

    from .visuals import FIXTURE

    path = tmp_path / "store"
    build_store(path, data_files=[FIXTURE, extra], validate=False)
    tnf = OBO + "GO_0032640"
    default = drug_effect_matrix(store=path)
    # The unstated finding makes a row; acitretin's knowledge gap marks it.
    (row,) = default.find_rows(tnf)
    assert default.rows[row].label == "tumor necrosis factor production (secretion)"
    assert [m.direction for m in default.cell(row, ISOTRETINOIN).marks] == [DECREASED]
    assert default.cell(row, ACITRETIN).state == "gap"
    stated = drug_effect_matrix(store=path, comparisons=STATED_DRUG_EFFECT_COMPARISONS)
    assert [stated.rows[i].label for i in stated.find_rows(tnf)] == [
        "tumor necrosis factor production"
    ]


def test_matrix_unknown_drug_is_a_clear_error(store):
    with pytest.raises(InputError, match="isotretinion"):
        drug_effect_matrix(store=store, drugs=["isotretinion"])


def test_matrix_svg_has_real_text_and_is_deterministic(tmp_path, store):
    first = plot_matrix(store=store, output=tmp_path / "a.svg")
    second = plot_matrix(store=store, output=tmp_path / "b.svg")
    assert first == tmp_path / "a.svg"
    assert first.read_bytes() == second.read_bytes()
    texts = svg_texts(first)
    for expected in [
        "Drug effects by target",
        "interleukin-6 production (secretion)",
        "interleukin-17 production (serum level)",
        "natural killer cell: activity",
        "Toll-like receptor 2: expression (monocyte)",
        f"{CYTOKINES} · blood serum",
        f"{CYTOKINES} · monocyte",
        "Cell populations",
        "Behaviours and phenotypes",
        "↓  decreased",
        "↑  increased",
        "=  no significant change",
        "∅  not studied (knowledge gap)",
        "blank: no finding",
        "conflicting findings",
    ]:
        assert expected in texts, expected
    column_heads = [t for t in texts if t.endswith(("CHEBI:6067", "rld:acitretin"))]
    assert column_heads  # drug labels with their CURIEs head the columns
    assert texts.count("∅") == 2  # the two knowledge-gap cells
    assert "Date" not in first.read_text()


def test_matrix_png(tmp_path, store):
    path = plot_matrix(store=store, output=tmp_path / "m.png")
    width, height = png_size(path)
    assert width > 800 and height > 400


def test_plot_matrix_command(tmp_path, store, run_cli):
    output = tmp_path / "matrix.svg"
    code, out, err = run_cli(
        "plot", "matrix", "--store", store, "--drugs", "isotretinoin,acitretin", "-o", output
    )
    assert code == 0, err
    assert out.strip() == str(output)
    texts = svg_texts(output)
    assert "interleukin-6 production (secretion)" in texts
    assert not any("all-trans" in t for t in texts)


def test_plot_matrix_command_errors(tmp_path, store, run_cli):
    code, _, err = run_cli("plot", "matrix", "--store", store, "-o", tmp_path / "m.jpg")
    assert code == 2
    assert "'.jpg'" in err and ".svg" in err
    code, _, err = run_cli("plot", "matrix", "--store", store, "--drugs", "nosuchdrug")
    assert code == 2
    assert "nosuchdrug" in err
    assert not (tmp_path / "m.jpg").exists()
    code, _, err = run_cli("plot", "matrix", "--store", tmp_path / "nothing-here")
    assert code == 2
    assert "no store has been built" in err


# --------------------------------------------------------------------------- mechanism


def edges_of(graph) -> set[tuple[str, str, str, bool]]:
    return {
        (curie(e.upstream), curie(e.downstream), e.polarity, e.hypothesized) for e in graph.edges
    }


def test_mechanism_graph_of_isotretinoin_includes_its_metabolite(store):
    graph = mechanism_graph("isotretinoin", store=store)
    assert graph.drug == ISOTRETINOIN
    assert set(graph.nodes) == {ISOTRETINOIN, ATRA, TLR2, NFKB, CYTOKINE_PRODUCTION, FOXO1}
    assert edges_of(graph) == {
        ("CHEBI:6067", "CHEBI:15367", CONVERSION, False),
        ("CHEBI:6067", "PR:000001153", NEGATIVE, False),
        ("PR:000001153", "PR:000001753", POSITIVE, False),
        ("PR:000001753", "GO:0001816", POSITIVE, False),
        ("CHEBI:15367", "rld:FoxO1", POSITIVE, True),
        ("rld:FoxO1", "PR:000001753", NEGATIVE, True),
    }
    assert graph.node_text(TLR2) == "Toll-like receptor 2\nPR:000001153"
    assert graph.kinds[ISOTRETINOIN] == "drug" and graph.kinds[TLR2] == "protein"


def test_mechanism_graph_only_own_chains(store):
    graph = mechanism_graph("CHEBI:6067", store=store, include_related=False)
    assert set(graph.nodes) == {ISOTRETINOIN, TLR2, NFKB, CYTOKINE_PRODUCTION}


def test_mechanism_graph_of_etretinate_reaches_acitretin(store):
    graph = mechanism_graph("etretinate", store=store)
    assert edges_of(graph) == {
        ("rld:etretinate", "rld:acitretin", CONVERSION, False),
        ("rld:acitretin", "GO:0070371", POSITIVE, False),
        ("GO:0070371", "CHEBI:16856", POSITIVE, False),
        ("CHEBI:16856", "rld:myeloid-derived-suppressor-cell", NEUTRAL, False),
    }
    assert graph.edge_text(graph.edges[-1]) == "causally upstream of"


def test_mechanism_graph_of_a_metabolite_names_the_chain_it_acts_in(store):
    graph = mechanism_graph("all-trans-retinoic acid", store=store)
    assert graph.chains == [RLD + "chain-900-atra-foxo1"]
    assert set(graph.nodes) == {ATRA, FOXO1, NFKB}


def test_relation_polarity_follows_the_relation_ontology():
    child = OBO + "RO_9999999"
    assert _polarity(child, {child: {NEGATIVELY_REGULATES}}) == NEGATIVE
    assert _polarity(OBO + "RO_0002630", {}) == NEGATIVE  # directly negatively regulates
    assert _polarity(OBO + "RO_0002213", {}) == POSITIVE
    assert _polarity(OBO + "RO_0002411", {}) == NEUTRAL


def test_dot_draws_negative_regulation_blunt_and_hypotheses_dashed(store):
    graph = mechanism_graph("isotretinoin", store=store)
    dot = to_dot(graph)
    ids = {node: f"n{index}" for index, node in enumerate(graph.nodes)}
    assert f'{ids[TLR2]} [label="Toll-like receptor 2\\nPR:000001153"' in dot
    edges = {line.split(" [")[0].strip(): line for line in dot.splitlines() if " -> " in line}
    iso_tlr2 = edges[f"{ids[ISOTRETINOIN]} -> {ids[TLR2]}"]
    assert "arrowhead=tee" in iso_tlr2 and "style=solid" in iso_tlr2
    assert "negatively regulates" in iso_tlr2
    atra_foxo1 = edges[f"{ids[ATRA]} -> {ids[FOXO1]}"]
    assert "arrowhead=normal" in atra_foxo1 and "style=dashed" in atra_foxo1
    iso_atra = edges[f"{ids[ISOTRETINOIN]} -> {ids[ATRA]}"]
    assert "is converted to" in iso_atra and "style=dotted" in iso_atra
    assert len(edges) == 6


def test_fallback_layout_routes_long_edges_around_nodes(store):
    graph = mechanism_graph("isotretinoin", store=store)
    layout = layered_layout(graph)
    layers = {curie(node): layer for node, (_, layer) in layout.nodes.items()}
    assert layers == {
        "CHEBI:6067": 0,
        "CHEBI:15367": 1,
        "PR:000001153": 1,
        "rld:FoxO1": 2,
        "PR:000001753": 3,
        "GO:0001816": 4,
    }
    long_edge = next(
        i for i, e in enumerate(graph.edges) if (e.upstream, e.downstream) == (TLR2, NFKB)
    )
    ((bend_x, bend_layer),) = layout.bends[long_edge]
    assert bend_layer == 2
    assert bend_x != layout.nodes[FOXO1][0]  # it does not run through FoxO1


@pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz 'dot' is not installed (CI installs it)"
)
def test_mechanism_svg_by_graphviz(tmp_path, store):
    messages: list[str] = []
    first = plot_mechanism(
        "isotretinoin", store=store, output=tmp_path / "a.svg", progress=messages.append
    )
    second = plot_mechanism("isotretinoin", store=store, output=tmp_path / "b.svg")
    assert first.read_bytes() == second.read_bytes()
    assert len(messages) == 1 and "Graphviz" in messages[0]
    texts = svg_texts(first)
    for expected in [
        "isotretinoin",
        "CHEBI:6067",
        "Toll-like receptor 2",
        "PR:000001153",
        "NF-kappa-B subunit",
        "PR:000001753",
        "cytokine production",
        "GO:0001816",
        "forkhead box protein O1",
        "rld:FoxO1",
        "negatively regulates",
        "positively regulates",
        "is converted to",
    ]:
        assert expected in texts, expected


def test_mechanism_without_graphviz_falls_back_and_says_so(tmp_path, store, monkeypatch, run_cli):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    output = tmp_path / "acitretin.svg"
    code, out, err = run_cli("plot", "mechanism", "acitretin", "--store", store, "-o", output)
    assert code == 0, err
    assert out.strip() == str(output)
    assert "matplotlib layout (Graphviz 'dot' is not on PATH)" in err
    texts = svg_texts(output)
    for expected in [
        "acitretin",
        "rld:acitretin",
        "ERK1 and ERK2 cascade",
        "GO:0070371",
        "glutathione",
        "CHEBI:16856",
        "rld:myeloid-derived-suppressor-cell",
        "causally upstream of",
        "(laid out without Graphviz)",
    ]:
        assert any(expected in t for t in texts), expected
    code, _, err = run_cli(
        "plot",
        "mechanism",
        "acitretin",
        "--store",
        store,
        "--engine",
        "graphviz",
        "-o",
        tmp_path / "x.svg",
    )
    assert code == 2
    assert "Graphviz 'dot' is not on PATH" in err


def test_mechanism_png_by_the_fallback(tmp_path, store):
    path = plot_mechanism("etretinate", store=store, output=tmp_path / "m.png", engine="matplotlib")
    width, height = png_size(path)
    assert width > 300 and height > 500


def test_mechanism_errors(tmp_path, store, run_cli):
    code, _, err = run_cli("plot", "mechanism", "retinol-ish", "--store", store)
    assert code == 2
    assert "retinol-ish" in err
    lonely = tmp_path / "lonely.ttl"
    lonely.write_text(
        "@prefix rld: <https://w3id.org/retinoid-ld/> .\nrld:doc-1 a rld:SourceDocument .\n"
    )
    from retinoid_ld import build_store

    build_store(tmp_path / "s", data_files=[lonely], validate=False)
    with pytest.raises(InputError, match="no mechanism chain for isotretinoin"):
        mechanism_graph("isotretinoin", store=tmp_path / "s")


def test_mechanism_default_output_name(tmp_path, store, run_cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("plot", "mechanism", "all-trans-retinoic acid", "--store", store)
    assert code == 0, err
    assert out.strip() == "mechanism-all-trans-retinoic-acid.svg"
    assert "forkhead box protein O1" in svg_texts(tmp_path / out.strip())


# --------------------------------------------------------------------------- shipped data


def cell_directions(matrix, target: str, aspect: str, drug: str, **context: str) -> list[list[str]]:
    """The directions in each row about ``target`` and ``aspect`` (and context) for a drug."""
    found = []
    for index in matrix.find_rows(target):
        row = matrix.rows[index]
        if row.aspect != RLD + aspect:
            continue
        if "context" in context and context["context"] not in row.context:
            continue
        cell = matrix.cell(index, drug)
        found.append([m.direction for m in cell.marks] or [cell.state])
    return found


def test_shipped_matrix_shows_the_sources_comparisons(built_store):
    matrix = drug_effect_matrix(store=built_store)
    assert matrix.drugs[:2] == [ISOTRETINOIN, ACITRETIN]
    assert ETRETINATE in matrix.drugs
    monocyte = OBO + "CL_0000576"
    serum = OBO + "UBERON_0001977"
    lymphocyte = OBO + "CL_0000542"
    # Monocyte cytokines: isotretinoin lowers them; acitretin not studied.
    il6 = OBO + "GO_0032635"
    assert cell_directions(matrix, il6, "Secretion", ISOTRETINOIN, context=monocyte) == [
        [DECREASED]
    ]
    assert cell_directions(matrix, il6, "Secretion", ACITRETIN, context=monocyte) == [["gap"]]
    # NK cells: opposite effects of isotretinoin and etretinate.
    nk = OBO + "CL_0000623"
    assert cell_directions(matrix, nk, "Activity", ISOTRETINOIN) == [[DECREASED]]
    assert cell_directions(matrix, nk, "Activity", ETRETINATE) == [[INCREASED]]
    assert cell_directions(matrix, nk, "CellNumber", ETRETINATE) == [[INCREASED]]
    # IFN-gamma: lower in serum under both drugs; unchanged in lymphocytes under isotretinoin.
    ifng = OBO + "GO_0032609"
    assert cell_directions(matrix, ifng, "SerumLevel", ISOTRETINOIN, context=serum) == [[DECREASED]]
    assert cell_directions(matrix, ifng, "SerumLevel", ACITRETIN, context=serum) == [[DECREASED]]
    lymph_rows = [
        [m.direction for m in matrix.cell(i, ISOTRETINOIN).marks]
        for i in matrix.find_rows(ifng)
        if lymphocyte in matrix.rows[i].context
    ]
    assert lymph_rows == [[NO_SIGNIFICANT_CHANGE]]
    # IL-17 in serum under acitretin: the two studies disagree, and the cell says so.
    il17 = OBO + "GO_0032620"
    (serum_row,) = [i for i in matrix.find_rows(il17) if serum in matrix.rows[i].context]
    cell = matrix.cell(serum_row, ACITRETIN)
    assert [m.direction for m in cell.marks] == [DECREASED, NO_SIGNIFICANT_CHANGE]
    assert cell.conflict
    # TLR-2 on monocytes: decreased by treatment; the disease baseline (increased) is not shown.
    (tlr2_row,) = [i for i in matrix.find_rows(TLR2) if monocyte in matrix.rows[i].context]
    assert [m.direction for m in matrix.cell(tlr2_row, ISOTRETINOIN).marks] == [DECREASED]


def test_shipped_matrix_svg_labels(tmp_path, built_store):
    texts = " | ".join(svg_texts(plot_matrix(store=built_store, output=tmp_path / "m.svg")))
    for expected in [
        "interleukin-6 production (secretion)",
        "natural killer cell: activity",
        "Toll-like receptor 2: expression",
        "type II interferon production (serum level)",
        "glutathione",
        f"{CYTOKINES} · blood serum",
        f"{CYTOKINES} · monocyte",
        f"{CYTOKINES} · lymphocyte",
        "Behaviours and phenotypes",
        "∅  not studied (knowledge gap)",
    ]:
        assert expected in texts, expected


def test_shipped_mechanisms_match_the_source_figures(built_store):
    isotretinoin = mechanism_graph("isotretinoin", store=built_store)
    edges = {(e.upstream, e.downstream): e for e in isotretinoin.edges}
    # Figure 1: isotretinoin -| TLR-2 -> NF-kappaB -> cytokines.
    assert edges[(ISOTRETINOIN, TLR2)].polarity == NEGATIVE
    assert edges[(TLR2, NFKB)].polarity == POSITIVE
    assert edges[(NFKB, CYTOKINE_PRODUCTION)].polarity == POSITIVE
    # Figure 2 (proposed): ATRA -> FoxO1 -| NF-kappaB, hypothesised.
    atra = mechanism_graph("all-trans-retinoic acid", store=built_store)
    foxo1 = next(n for n in atra.nodes if atra.labels.get(n) == "forkhead box protein O1")
    atra_edges = {(e.upstream, e.downstream): e for e in atra.edges}
    assert atra_edges[(ATRA, foxo1)].polarity == POSITIVE
    assert atra_edges[(ATRA, foxo1)].hypothesized
    assert atra_edges[(foxo1, NFKB)].polarity == NEGATIVE
    # Acitretin: ERK1/2 -> glutathione -> MDSC differentiation.
    acitretin = mechanism_graph("acitretin", store=built_store)
    aci_edges = {(e.upstream, e.downstream): e for e in acitretin.edges}
    assert aci_edges[(ACITRETIN, ERK)].polarity == POSITIVE
    assert aci_edges[(ERK, GLUTATHIONE)].polarity == POSITIVE
    downstream_of_glutathione = [d for (u, d) in aci_edges if u == GLUTATHIONE]
    assert [acitretin.labels.get(d) for d in downstream_of_glutathione] == [
        "myeloid cell differentiation"
    ]
    assert MDSC not in acitretin.nodes  # the shipped data uses the GO process


def test_shipped_mechanism_svg_labels(tmp_path, built_store):
    path = plot_mechanism("isotretinoin", store=built_store, output=tmp_path / "iso.svg")
    texts = " | ".join(svg_texts(path))
    for expected in [
        "Toll-like receptor 2",
        "PR:000001153",
        "NF-kappa-B subunit",
        "cytokine production",
        "all-trans-retinoic acid",
        "forkhead box protein O1",
        "negatively regulates",
    ]:
        assert expected in texts, expected
