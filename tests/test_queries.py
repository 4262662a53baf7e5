"""The saved queries: exact answers, the same on every engine, and parameters that are safe.

Three kinds of store answer every saved query here:

* the embedded Oxigraph store, parameters pre-bound (pyoxigraph ``substitutions``);
* an rdflib ``Dataset`` holding the same quads (union default graph), parameters given
  as ``initBindings``;
* the embedded store again with the parameters bound by ``VALUES`` blocks, as they are
  sent to a remote endpoint.

The expected answers on the shipped data live in ``tests/expected/*.tsv`` (one file per
query and parameter set; see tests/expected/README.md). They were worked out from the
source documents in ../shared/sources and checked there row by row.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.plugins.sparql import prepareQuery

import retinoid_ld
from retinoid_ld.errors import InputError
from retinoid_ld.namespaces import curie
from retinoid_ld.query import QueryResult, execute_on_store
from retinoid_ld.rdfio import to_rdflib_term
from retinoid_ld.saved_queries import (
    bind_parameters,
    get_saved_query,
    list_saved_queries,
    parse_saved_query,
    resolve_drug,
    resolve_term,
    text_with_values,
)
from retinoid_ld.store import open_store

TESTS = Path(__file__).resolve().parent
pytestmark = pytest.mark.filterwarnings(
    "ignore:Dataset.default_context is deprecated:DeprecationWarning"
)
FIXTURE = TESTS / "fixtures" / "queries-mini.ttl"
PLAIN_QUERIES = TESTS / "fixtures" / "plain-queries"
EXPECTED = TESTS / "expected"
QUERY_NAMES = [q.name for q in list_saved_queries()]
ISOTRETINOIN = "http://purl.obolibrary.org/obo/CHEBI_6067"


# ---------------------------------------------------------------------------
# Helpers: run a saved query three ways, and compare answers as plain values
# ---------------------------------------------------------------------------


def normalise(term: rdflib.term.Node | None) -> str | None:
    """A term as text that every engine agrees on: CURIEs for IRIs, canonical numbers."""
    if term is None:
        return None
    if isinstance(term, rdflib.URIRef):
        return curie(str(term))
    if isinstance(term, rdflib.Literal) and term.datatype is not None:
        datatype = str(term.datatype)
        if datatype.endswith(("#integer", "#decimal", "#positiveInteger", "#nonNegativeInteger")):
            try:
                value = Decimal(str(term))
            except InvalidOperation:
                return str(term)
            text = format(value.normalize(), "f")
            return text
    return str(term)


def rows_of(result: QueryResult, columns: list[str] | None = None) -> list[tuple[str | None, ...]]:
    names = columns or result.variables
    indexes = [result.variables.index(name) for name in names]
    return [tuple(normalise(row[i]) for i in indexes) for row in result.rows]


def without_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def dataset_of(store_path: Path) -> rdflib.Dataset:
    """An rdflib Dataset with the store's quads, its default graph the union of them."""
    dataset = rdflib.Dataset(default_union=True)
    for quad in open_store(store_path).quads_for_pattern(None, None, None, None):
        graph = dataset.graph(rdflib.URIRef(quad.graph_name.value))
        graph.add(tuple(to_rdflib_term(t) for t in (quad.subject, quad.predicate, quad.object)))
    return dataset


def on_store(store_path: Path, name: str, params: dict[str, str] | None = None) -> QueryResult:
    return retinoid_ld.run_saved_query(name, params=params, store=store_path, with_labels=False)


def bindings_for(store_path: Path, name: str, params: dict[str, str] | None = None):
    return bind_parameters(open_store(store_path), get_saved_query(name), params)


def on_rdflib(
    dataset: rdflib.Dataset, store_path: Path, name: str, params: dict[str, str] | None = None
) -> QueryResult:
    saved = get_saved_query(name)
    bindings = bindings_for(store_path, name, params)
    answer = dataset.query(saved.text, initBindings=bindings)
    variables = [str(v) for v in answer.vars]
    return QueryResult(kind="select", variables=variables, rows=[tuple(r) for r in answer])


def with_values(store_path: Path, name: str, params: dict[str, str] | None = None) -> QueryResult:
    saved = get_saved_query(name)
    text = text_with_values(saved.text, bindings_for(store_path, name, params))
    return execute_on_store(open_store(store_path), text)


@pytest.fixture(scope="module")
def fixture_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of the ontology, imports and the small query fixture (tests/fixtures)."""
    path = tmp_path_factory.mktemp("query-fixture") / "store"
    retinoid_ld.build_store(path, data_files=[FIXTURE], validate=False)
    return path


@pytest.fixture(scope="module")
def fixture_dataset(fixture_store: Path) -> rdflib.Dataset:
    return dataset_of(fixture_store)


@pytest.fixture(scope="module")
def shipped_dataset(built_store: Path) -> rdflib.Dataset:
    return dataset_of(built_store)


# ---------------------------------------------------------------------------
# The files themselves
# ---------------------------------------------------------------------------

REQUIRED = {
    "drug-effect-matrix",
    "effects-unique-to-drug",
    "opposite-effects",
    "conflicting-findings",
    "knowledge-gaps",
    "effects-by-cell-type",
    "cytokine-profile",
    "mechanisms",
    "evidence-for",
    "persistent-effects",
    "species-comparison",
    "study-summary",
}


def test_every_required_question_has_a_saved_query():
    assert set(QUERY_NAMES) >= REQUIRED


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_saved_query_is_documented_standard_and_ordered(name: str):
    saved = get_saved_query(name)
    assert saved.title and len(saved.description) > 80, "title and a description in words"
    # Standard SPARQL 1.1: both independent parsers accept it.
    prepareQuery(saved.text)
    ox.Store().query(saved.text)
    body = without_comments(saved.text)
    assert "NOT EXISTS" not in body.upper(), "anti-joins as MINUS (see queries/README.md)"
    assert "GROUP_CONCAT" not in body.upper(), "GROUP_CONCAT order differs between engines"
    order = re.search(r"^ORDER BY (.*)", body, re.MULTILINE | re.DOTALL)
    assert order, "a deterministic ORDER BY"
    assert len(re.findall(r"\?\w+", order.group(1))) <= 20, "Virtuoso sorts on 20 keys at most"
    assert "sameTerm" not in body, "= for IRIs (Virtuoso's sameTerm fails on computed values)"
    projection = body[body.index("SELECT") : body.index("WHERE")]
    for parameter in saved.parameters:
        assert f"?{parameter.name} " in projection + " ", f"?{parameter.name} is projected"


def test_header_lists_parameters_with_types_and_defaults():
    matrix = get_saved_query("drug-effect-matrix")
    assert [(p.name, p.type, p.default) for p in matrix.parameters] == [
        ("drug_a", "drug", "CHEBI:6067"),
        ("drug_b", "drug", "rld:acitretin"),
    ]
    cell = get_saved_query("effects-by-cell-type")
    assert [(p.name, p.type, p.default) for p in cell.parameters] == [
        ("cell_type", "term", "CL:0000738")
    ]
    assert "subtypes" in cell.parameters[0].description


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("#+ description: no title\nSELECT * WHERE { ?s ?p ?o } ORDER BY ?s", "no '#+ title:'"),
        ("#+title nothing\nSELECT * WHERE { ?s ?p ?o }", "malformed header line"),
        ("#+ title: t\n#+ param: x colour red\nSELECT ?x WHERE { ?x ?p ?o }", "bad parameter"),
        ("#+ title: t\n#+ param: y drug CHEBI:1\nSELECT ?x WHERE { ?x ?p ?o }", "not a variable"),
    ],
)
def test_bad_header_is_an_error_naming_the_file(tmp_path: Path, header: str, message: str):
    path = tmp_path / "broken.rq"
    path.write_text(header + "\n")
    with pytest.raises(InputError, match=re.escape(message)) as raised:
        parse_saved_query(path)
    assert "broken.rq" in str(raised.value)


def test_quoted_default_with_spaces(tmp_path: Path):
    path = tmp_path / "q.rq"
    path.write_text(
        '#+ title: t\n#+ param: text string "two words" -- a phrase\n'
        "SELECT ?text WHERE { BIND(1 AS ?one) } ORDER BY ?text\n"
    )
    assert parse_saved_query(path).parameters[0].default == "two words"


# ---------------------------------------------------------------------------
# Parameters: names, synonyms, close matches, and no injection
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "CHEBI:6067",
        ISOTRETINOIN,
        f"<{ISOTRETINOIN}>",
        "isotretinoin",
        "  Isotretinoin ",
        "ISOTRETINOIN",
        # an oboInOwl:hasExactSynonym from the ChEBI import module
        "(2Z,4E6E,8E)-3,7-dimethyl-9-(2,6,6-trimethylcyclohex-1-en-1-yl)nona-2,4,6,8-tetraenoic acid",
        # a skos:altLabel (the fixture states this synonym of the source's)
        "13-cis-retinoic acid",
        "13\u2010cis\u2010retinoic  acid",
    ],
)
def test_drug_resolves_from_curie_iri_label_or_synonym(fixture_store: Path, value: str):
    assert str(resolve_drug(open_store(fixture_store), value)) == ISOTRETINOIN


def test_project_drugs_resolve_by_name(built_store: Path):
    store = open_store(built_store)
    assert curie(str(resolve_drug(store, "acitretin"))) == "rld:acitretin"
    assert curie(str(resolve_drug(store, "etretinate"))) == "rld:etretinate"
    assert curie(str(resolve_drug(store, "all-trans-retinoic acid"))) == "CHEBI:15367"


def test_unknown_drug_lists_close_matches(built_store: Path):
    with pytest.raises(InputError) as raised:
        resolve_drug(open_store(built_store), "isotretinoine")
    assert "unknown drug 'isotretinoine'" in str(raised.value)
    assert "close matches: isotretinoin (CHEBI:6067)" in str(raised.value)


def test_ambiguous_drug_name_asks_for_the_curie(fixture_store: Path):
    with pytest.raises(InputError, match=r"ambiguous: rld:acitretin, rld:etretinate"):
        resolve_drug(open_store(fixture_store), "fixture shared retinoid name")


@pytest.mark.parametrize("value", ["CHEBI:999999999", "CL:0000576", "nosuchprefix:1"])
def test_drug_that_is_not_a_known_chemical_is_refused(built_store: Path, value: str):
    with pytest.raises(InputError):
        resolve_drug(open_store(built_store), value)


def test_term_resolves_from_curie_iri_or_label(built_store: Path):
    store = open_store(built_store)
    leukocyte = "http://purl.obolibrary.org/obo/CL_0000738"
    assert str(resolve_term(store, "CL:0000738")) == leukocyte
    assert str(resolve_term(store, leukocyte)) == leukocyte
    assert str(resolve_term(store, "Leukocyte")) == leukocyte
    assert str(resolve_term(store, "leucocyte")) == leukocyte  # a CL exact synonym
    with pytest.raises(InputError, match="close matches: leukocyte"):
        resolve_term(store, "leukocyt")


@pytest.mark.parametrize(
    "value",
    [
        "isotretinoin> } ; DROP ALL ; #",
        'isotretinoin" } ; DROP ALL ; #',
        "CHEBI:6067> } ; DROP ALL ; #",
        "<http://purl.obolibrary.org/obo/CHEBI_6067> } UNION { ?s ?p ?o",
    ],
)
def test_malicious_drug_value_is_refused_and_changes_nothing(built_store: Path, run_cli, value):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    before = retinoid_ld.run_sparql(count, store=built_store).rows
    code, out, err = run_cli(
        "query", "drug-effect-matrix", "--param", f"drug_a={value}", "--store", built_store
    )
    assert code == 2 and out == ""
    assert "Traceback" not in err and "parameter drug_a" in err
    assert retinoid_ld.run_sparql(count, store=built_store).rows == before


@pytest.mark.parametrize(
    "value",
    [
        "CL:0000738> . ?s ?p ?o",
        "http://purl.obolibrary.org/obo/CL_0000738> } ; DROP ALL ; #",
        'http://x/"y',
        "http://x/ y",
    ],
)
def test_malicious_term_value_is_refused(built_store: Path, value: str):
    with pytest.raises(InputError, match="not a valid IRI"):
        retinoid_ld.run_saved_query(
            "effects-by-cell-type", params={"cell_type": value}, store=built_store
        )


MALICIOUS_TEXT = "x\" } ; DROP ALL ; # \\ \n } UNION { ?s ?p ?o } <a> 'y'"


def test_string_parameter_is_one_literal_whatever_it_holds(fixture_store: Path, tmp_path: Path):
    """The value comes back verbatim as the projected variable, and matches nothing else."""
    path = tmp_path / "echo.rq"
    path.write_text(
        "#+ title: Echo\n#+ param: text string x -- any text\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "SELECT ?text (COUNT(?thing) AS ?labelled) WHERE {\n"
        "  OPTIONAL { ?thing rdfs:label ?text }\n} GROUP BY ?text ORDER BY ?text\n"
    )
    saved = parse_saved_query(path)
    store = open_store(fixture_store)
    bindings = bind_parameters(store, saved, {"text": MALICIOUS_TEXT})
    pre_bound = execute_on_store(store, saved.text, substitutions=bindings)
    by_values = execute_on_store(store, text_with_values(saved.text, bindings))
    expected = [(MALICIOUS_TEXT, "0")]
    assert rows_of(pre_bound) == expected
    assert rows_of(by_values) == expected
    # A label that exists is found, so the binding really is used.
    found = bind_parameters(store, saved, {"text": "Fixture review"})
    assert rows_of(execute_on_store(store, saved.text, substitutions=found)) == [
        ("Fixture review", "1")
    ]


def test_integer_parameter_must_be_a_number(fixture_store: Path, tmp_path: Path):
    path = tmp_path / "n.rq"
    path.write_text("#+ title: N\n#+ param: n integer 3\nSELECT ?n WHERE { } ORDER BY ?n\n")
    saved = parse_saved_query(path)
    store = open_store(fixture_store)
    assert bind_parameters(store, saved, {"n": " 42 "})["n"] == rdflib.Literal(42)
    with pytest.raises(InputError, match="not an integer"):
        bind_parameters(store, saved, {"n": "42; DROP ALL"})


def test_unknown_parameter_name_is_an_error(fixture_store: Path):
    with pytest.raises(InputError, match="has no parameter colour"):
        on_store(fixture_store, "mechanisms", {"colour": "red"})


# ---------------------------------------------------------------------------
# Every engine, every binding: the same answer
# ---------------------------------------------------------------------------

PARAMETER_SETS = [(name, {}) for name in QUERY_NAMES] + [
    ("drug-effect-matrix", {"drug_a": "isotretinoin", "drug_b": "etretinate"}),
    ("drug-effect-matrix", {"drug_a": "acitretin", "drug_b": "isotretinoin"}),
    ("effects-unique-to-drug", {"drug_a": "acitretin", "drug_b": "isotretinoin"}),
    ("opposite-effects", {"drug_a": "etretinate", "drug_b": "isotretinoin"}),
    ("effects-by-cell-type", {"cell_type": "CL:0000542"}),
    ("cytokine-profile", {"drug": "acitretin"}),
    ("evidence-for", {"drug": "isotretinoin", "target": "GO:0001816"}),
    ("evidence-for", {"drug": "etretinate", "target": "CL:0000623"}),
]


@pytest.mark.parametrize(("name", "params"), PARAMETER_SETS)
def test_same_answer_pre_bound_rdflib_and_values_on_fixture(
    fixture_store: Path, fixture_dataset: rdflib.Dataset, name: str, params: dict[str, str]
):
    expected = on_store(fixture_store, name, params)
    assert rows_of(on_rdflib(fixture_dataset, fixture_store, name, params)) == rows_of(expected)
    assert rows_of(with_values(fixture_store, name, params)) == rows_of(expected)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "params"), PARAMETER_SETS)
def test_same_answer_pre_bound_rdflib_and_values_on_shipped_data(
    built_store: Path, shipped_dataset: rdflib.Dataset, name: str, params: dict[str, str]
):
    expected = on_store(built_store, name, params)
    assert expected.rows, f"{name} answers something on the curated data"
    assert rows_of(on_rdflib(shipped_dataset, built_store, name, params)) == rows_of(expected)
    assert rows_of(with_values(built_store, name, params)) == rows_of(expected)


@pytest.mark.parametrize("plain", sorted(p.stem for p in PLAIN_QUERIES.glob("*.rq")))
@pytest.mark.parametrize("which", ["fixture", "shipped"])
def test_anti_join_rewrite_answers_as_the_plain_not_exists_form(
    request: pytest.FixtureRequest, plain: str, which: str
):
    store_path = request.getfixturevalue("fixture_store" if which == "fixture" else "built_store")
    store = open_store(store_path)
    saved = get_saved_query(plain)
    plain_form = parse_saved_query(PLAIN_QUERIES / f"{plain}.rq")
    assert "NOT EXISTS" in without_comments(plain_form.text)
    assert "NOT EXISTS" not in without_comments(saved.text)
    bindings = bind_parameters(store, saved, None)
    rewritten = execute_on_store(store, saved.text, substitutions=bindings)
    reference = execute_on_store(store, plain_form.text, substitutions=bindings)
    assert rewritten.variables == reference.variables
    assert rows_of(rewritten) == rows_of(reference)
    assert rewritten.rows, "the comparison is not vacuous"


# ---------------------------------------------------------------------------
# Exact answers on the small fixture (each row follows from tests/fixtures/queries-mini.ttl)
# ---------------------------------------------------------------------------


def test_fixture_matrix_isotretinoin_versus_acitretin(fixture_store: Path):
    result = on_store(fixture_store, "drug-effect-matrix")
    columns = ["target", "aspect", "cell_type", "sample_context", "drug_a_effect", "drug_b_effect"]
    assert sorted(rows_of(result, columns), key=str) == sorted(
        [
            ("CL:0000899", "rld:CellNumber", None, "UBERON:0002097", "no finding", "decreased"),
            ("PR:000001153", "rld:Expression", "CL:0000576", None, "decreased", "no finding"),
            ("NBO:0000092", "rld:Behaviour", None, None, "increased", "no finding"),
            # acitretin is stated not studied on IL-1 beta and neither drug has a finding
            ("GO:0032611", None, None, None, "no finding", "not studied"),
            # the serum IL-17 conflict of acitretin gives two rows
            ("GO:0032620", "rld:SerumLevel", None, "UBERON:0001977", "decreased", "decreased"),
            (
                "GO:0032620",
                "rld:SerumLevel",
                None,
                "UBERON:0001977",
                "decreased",
                "no significant change",
            ),
            (
                "GO:0032633",
                "rld:SerumLevel",
                None,
                "UBERON:0001977",
                "decreased",
                "no significant change",
            ),
            (
                "GO:0032635",
                "rld:Secretion",
                "CL:0000542",
                None,
                "no significant change",
                "not studied",
            ),
            ("GO:0032635", "rld:Secretion", "CL:0000576", None, "decreased", "not studied"),
            ("CL:0000623", "rld:Activity", None, "UBERON:0000178", "decreased", "no finding"),
            ("CL:0000623", "rld:CellNumber", None, "UBERON:0000178", "decreased", "no finding"),
            (
                "rld:fixture-tslp-production",
                "rld:SerumLevel",
                None,
                "UBERON:0001977",
                "decreased (not always significant)",
                "no finding",
            ),
        ],
        key=str,
    )
    # The treated-versus-healthy IL-17 finding is not a drug effect and is not shown.
    assert "increased" not in [row[4] for row in rows_of(result, columns) if row[0] == "GO:0032620"]


def test_fixture_matrix_says_studied_in_another_context(fixture_store: Path):
    result = on_store(
        fixture_store, "drug-effect-matrix", {"drug_b": "CHEBI:6067", "drug_a": "acitretin"}
    )
    rows = rows_of(
        result, ["target", "cell_type", "sample_context", "drug_a_effect", "drug_b_effect"]
    )
    assert ("GO:0032633", None, "UBERON:0001977", "no significant change", "decreased") in rows
    # isotretinoin has IL-6 findings in monocytes and lymphocytes: acitretin not studied on it
    assert ("GO:0032635", "CL:0000576", None, "not studied", "decreased") in rows


def test_fixture_opposite_effects_nk_cells(fixture_store: Path):
    result = on_store(fixture_store, "opposite-effects")
    assert rows_of(
        result, ["target", "aspect", "drug_a_direction", "drug_b_direction", "drug_b_significance"]
    ) == [
        (
            "CL:0000623",
            "rld:Activity",
            "rld:Decreased",
            "rld:Increased",
            "rld:SignificanceNotStated",
        ),
        ("CL:0000623", "rld:CellNumber", "rld:Decreased", "rld:Increased", "rld:Significant"),
    ]


def test_fixture_unique_effects_separate_gap_from_no_change(fixture_store: Path):
    result = on_store(fixture_store, "effects-unique-to-drug")
    assert rows_of(result, ["target", "cell_type", "drug_b_knowledge"]) == [
        ("PR:000001153", "CL:0000576", "no information"),
        ("NBO:0000092", None, "no information"),
        ("CL:0000623", None, "no information"),
        ("CL:0000623", None, "no information"),
        ("rld:fixture-tslp-production", None, "no information"),
        ("GO:0032635", "CL:0000576", "not studied (knowledge gap)"),
        ("GO:0032633", None, "studied, no significant change"),
    ]


def test_fixture_conflicts_real_and_context_difference(fixture_store: Path):
    result = on_store(fixture_store, "conflicting-findings")
    assert rows_of(
        result, ["drug", "target", "verdict", "finding_1", "finding_2", "linked_as_conflicting"]
    ) == [
        (
            "rld:acitretin",
            "GO:0032620",
            "real conflict (same context)",
            "rld:finding-fx-il17-serum-aci-down",
            "rld:finding-fx-il17-serum-aci-flat",
            "yes",
        ),
        (
            "CHEBI:6067",
            "GO:0032635",
            "context difference",
            "rld:finding-fx-il6-lymph-iso",
            "rld:finding-fx-il6-monocyte",
            "no",
        ),
    ]


def test_fixture_knowledge_gaps(fixture_store: Path):
    result = on_store(fixture_store, "knowledge-gaps")
    assert rows_of(result, ["gap_kind", "drug", "target", "findings", "source_location"]) == [
        ("studied for this drug only", "rld:acitretin", "CL:0000899", "1", None),
        ("studied for this drug only", "CHEBI:15367", "rld:fixture-foxo1", "1", None),
        ("studied for this drug only", "CHEBI:6067", "PR:000001153", "1", None),
        ("studied for this drug only", "CHEBI:6067", "NBO:0000092", "1", None),
        ("studied for this drug only", "CHEBI:6067", "GO:0032635", "2", None),
        ("studied for this drug only", "CHEBI:6067", "rld:fixture-tslp-production", "1", None),
        (
            "stated as not studied",
            "rld:acitretin",
            "GO:0032611",
            None,
            "doc-990, Table 2, row IL-1 beta, column Effect of Acitretin",
        ),
        (
            "stated as not studied",
            "rld:acitretin",
            "GO:0032635",
            None,
            "doc-990, Table 2, row IL-6, column Effect of Acitretin",
        ),
    ]


def test_fixture_effects_by_cell_type_walk_the_hierarchy(fixture_store: Path):
    columns = ["matched_cell_type", "matched_by", "drug", "target", "aspect", "findings"]
    leukocyte = rows_of(on_store(fixture_store, "effects-by-cell-type"), columns)
    assert len(leukocyte) == 8
    # Th17 reaches leukocyte through six subClassOf steps; monocyte through myeloid leukocyte.
    assert (
        "CL:0000899",
        "target is the cell type",
        "rld:acitretin",
        "CL:0000899",
        "rld:CellNumber",
        "1",
    ) in leukocyte
    assert (
        "CL:0000576",
        "measured in or on the cell type",
        "CHEBI:6067",
        "GO:0032635",
        "rld:Secretion",
        "1",
    ) in leukocyte
    lymphocyte = rows_of(
        on_store(fixture_store, "effects-by-cell-type", {"cell_type": "lymphocyte"}), columns
    )
    assert {row[0] for row in lymphocyte} == {"CL:0000899", "CL:0000542", "CL:0000623"}
    monocyte = rows_of(
        on_store(fixture_store, "effects-by-cell-type", {"cell_type": "CL:0000576"}), columns
    )
    assert {row[3] for row in monocyte} == {"PR:000001153", "GO:0032635"}


def test_fixture_cytokine_profile_uses_the_go_hierarchy(fixture_store: Path):
    result = on_store(fixture_store, "cytokine-profile")
    assert rows_of(result, ["context", "cytokine", "direction", "findings"]) == [
        ("blood serum", "GO:0032620", "rld:Decreased", "1"),
        ("blood serum", "GO:0032633", "rld:Decreased", "1"),
        # a project term under cytokine production counts
        ("blood serum", "rld:fixture-tslp-production", "rld:Decreased", "1"),
        ("lymphocyte", "GO:0032635", "rld:NoSignificantChange", "1"),
        ("monocyte stimulated with bacterial sonicate", "GO:0032635", "rld:Decreased", "1"),
    ]
    acitretin = on_store(fixture_store, "cytokine-profile", {"drug": "acitretin"})
    # The gaps; IL-1 beta production reaches cytokine production through the GO import
    # (interleukin-1 beta production, interleukin-1 production, cytokine production).
    assert [
        row
        for row in rows_of(acitretin, ["context", "cytokine", "direction", "findings"])
        if row[0] == "not studied"
    ] == [
        ("not studied", "GO:0032611", None, "1"),
        ("not studied", "GO:0032635", None, "1"),
    ]


def test_fixture_mechanism_steps_in_order_with_inherited_status(fixture_store: Path):
    result = on_store(fixture_store, "mechanisms")
    assert rows_of(
        result,
        ["chain", "chain_status", "step_index", "upstream", "relation", "downstream", "status"],
    ) == [
        (
            "rld:chain-fx-tlr2",
            "rld:Reported",
            "1",
            "CHEBI:6067",
            "RO:0002212",
            "PR:000001153",
            "rld:Reported",
        ),
        (
            "rld:chain-fx-tlr2",
            "rld:Reported",
            "2",
            "PR:000001153",
            "RO:0002213",
            "rld:fixture-nfkb",
            "rld:Hypothesized",
        ),
    ]
    labels = rows_of(result, ["relation_label", "downstream_label"])
    assert labels == [
        ("negatively regulates", "Toll-like receptor 2"),
        ("positively regulates", "NF-kappaB (fixture)"),
    ]


def test_fixture_evidence_with_regimen_and_study_time_points(fixture_store: Path):
    result = on_store(fixture_store, "evidence-for")
    assert rows_of(
        result,
        [
            "finding",
            "cohort_size",
            "comparator_size",
            "dose_min",
            "dose_max",
            "dose_unit",
            "duration",
            "duration_unit",
            "time_point",
            "time_point_index",
            "source_location",
        ],
    ) == [
        (
            "rld:finding-fx-tlr2",
            "37",
            "25",
            "0.5",
            "1",
            "rld:MilligramPerKilogramPerDay",
            "20",
            "rld:Week",
            "rld:tp-fixture-w1",
            "1",
            "doc-990, section TLR-2",
        ),
        (
            "rld:finding-fx-tlr2",
            "37",
            "25",
            "0.5",
            "1",
            "rld:MilligramPerKilogramPerDay",
            "20",
            "rld:Week",
            "rld:tp-fixture-w4",
            "2",
            "doc-990, section TLR-2",
        ),
    ]
    nk = on_store(
        fixture_store, "evidence-for", {"drug": "etretinate", "target": "natural killer cell"}
    )
    assert rows_of(nk, ["finding", "time_point", "cohort_size", "dose_min"]) == [
        ("rld:finding-fx-nk-activity-etr", "rld:tp-fixture-w12", "7", None),
        ("rld:finding-fx-nk-number-etr", "rld:tp-fixture-w12", "7", None),
    ]


def test_fixture_persistence_species_and_studies(fixture_store: Path):
    persistent = on_store(fixture_store, "persistent-effects")
    assert rows_of(persistent, ["finding", "persists_at_least", "persists_unit"]) == [
        ("rld:finding-fx-tlr2", "6", "rld:Month")
    ]
    species = rows_of(
        on_store(fixture_store, "species-comparison"),
        ["drug", "target", "species", "evidence_basis"],
    )
    assert ("CHEBI:6067", "NBO:0000092", "NCBITaxon:10090", "mouse evidence only") in species
    assert ("CHEBI:15367", "rld:fixture-foxo1", None, "species not stated") in species
    studies = on_store(fixture_store, "study-summary")
    # Ordered by year (none stated) then label: "Fixture NK" sorts before "Fixture acne".
    assert rows_of(studies, ["study", "drug", "treated_size", "control_size", "findings"]) == [
        ("rld:study-fixture-nk", None, "24", None, "4"),
        ("rld:study-fixture-acne", "CHEBI:6067", "37", "25", "2"),
        ("rld:study-fixture-mouse", None, None, None, "1"),
    ]


# ---------------------------------------------------------------------------
# Exact answers on the shipped, curated data (tests/expected)
# ---------------------------------------------------------------------------


def read_expected(
    path: Path,
) -> tuple[str, dict[str, str], list[str], list[tuple[str | None, ...]]]:
    """(query, params, columns, rows) of an expected-answer file; empty cells are None."""
    query = path.stem.split("--")[0]
    params: dict[str, str] = {}
    lines = [line for line in path.read_text(encoding="utf-8").splitlines()]
    data = []
    for line in lines:
        if line.startswith("# param: "):
            name, _, value = line[len("# param: ") :].partition("=")
            params[name] = value
        elif line and not line.startswith("#"):
            data.append(line)
    columns = data[0].split("\t")
    rows = [tuple(cell or None for cell in line.split("\t")) for line in data[1:]]
    return query, params, columns, rows


EXPECTED_FILES = sorted(EXPECTED.glob("*.tsv"))


def test_every_saved_query_has_an_expected_answer_on_the_shipped_data():
    assert {read_expected(path)[0] for path in EXPECTED_FILES} == set(QUERY_NAMES)


@pytest.mark.parametrize("path", EXPECTED_FILES, ids=lambda p: p.stem)
def test_expected_answer_on_shipped_data(built_store: Path, path: Path):
    query, params, columns, rows = read_expected(path)
    result = on_store(built_store, query, params)
    assert rows_of(result, columns) == rows
