"""``retinoid-ld query`` and ``retinoid-ld sparql`` on the command line: listing, formats,
parameter errors, --limit and --timeout. Runs on a small fixture store (fast) built from
tests/fixtures/queries-mini.ttl; exact answers on the shipped data are in test_queries.py.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import rdflib

import retinoid_ld
from retinoid_ld.errors import InputError
from retinoid_ld.query import QueryTimeoutError, call_with_timeout
from retinoid_ld.saved_queries import list_saved_queries

from .conftest import run_subprocess

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "queries-mini.ttl"
# Fifteen billion solutions on the fixture store: it never finishes in a second.
CROSS_PRODUCT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("query-cli") / "store"
    retinoid_ld.build_store(path, data_files=[FIXTURE], validate=False)
    return path


def query(run_cli, store: Path, *args: str):
    return run_cli("query", *args, "--store", store)


# ---------------------------------------------------------------------------
# --list and --show
# ---------------------------------------------------------------------------


def test_list_prints_every_query_with_title_and_typed_parameters(run_cli):
    code, out, err = run_cli("query", "--list")
    assert code == 0, err
    for saved in list_saved_queries():
        assert f"{saved.name}\n    {saved.title}\n" in out
    assert (
        "drug-effect-matrix\n    Drug effect matrix: two drugs side by side\n"
        "    --param drug_a=<drug>  (default: CHEBI:6067) -- the first drug (CURIE, label or synonym)\n"
        "    --param drug_b=<drug>  (default: rld:acitretin) -- the second drug (CURIE, label or synonym)\n"
    ) in out
    assert "--param cell_type=<term>  (default: CL:0000738)" in out
    assert out.index("conflicting-findings") < out.index("drug-effect-matrix")


def test_show_prints_the_standard_sparql(run_cli):
    code, out, _ = run_cli("query", "opposite-effects", "--show")
    assert code == 0
    assert out.startswith("#+ title: Opposite effects of two drugs\n")
    assert "SELECT DISTINCT ?drug_a" in out


# ---------------------------------------------------------------------------
# Output formats
# ---------------------------------------------------------------------------


def test_table_shows_labels_not_iris_and_counts_rows(run_cli, store):
    code, out, err = query(run_cli, store, "opposite-effects")
    assert code == 0, err
    lines = out.splitlines()
    header = lines[0].split()
    # X_label columns are folded into X: one column per term, showing its label.
    assert header[:4] == ["drug_a", "drug_b", "target", "aspect"]
    assert "drug_a_label" not in header
    assert "http" not in out
    assert set(lines[1]) <= {"-", " "}
    body = lines[2:-1]
    assert len(body) == 2
    assert body[0].split("  ")[0] == "isotretinoin"
    assert "natural killer cell" in body[0] and "etretinate" in body[0]
    assert "activity" in body[0] and "cell number" in body[1]
    assert "decreased" in body[0] and "increased" in body[0]
    assert lines[-1] == "(2 rows)"
    # Columns are aligned: every row starts each column at the same offset as the header.
    position = lines[0].index("target")
    assert all(row[position - 2 : position] == "  " for row in body)


def test_csv_keeps_every_column_and_full_iris(run_cli, store):
    code, out, _ = query(run_cli, store, "opposite-effects", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 2
    assert rows[0]["drug_a"] == "http://purl.obolibrary.org/obo/CHEBI_6067"
    assert rows[0]["drug_a_label"] == "isotretinoin"
    assert rows[0]["drug_b"] == "https://w3id.org/retinoid-ld/etretinate"
    assert rows[0]["aspect"] == "https://w3id.org/retinoid-ld/Activity"
    assert rows[1]["drug_b_significance"] == "https://w3id.org/retinoid-ld/Significant"
    assert rows[0]["cell_type"] == ""  # unbound is an empty cell


def test_tsv_is_tab_separated_with_the_same_rows(run_cli, store):
    code, out, _ = query(run_cli, store, "opposite-effects", "--format", "tsv")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split("\t")[:3] == ["drug_a", "drug_a_label", "drug_b"]
    assert len(lines) == 3
    assert all(len(line.split("\t")) == len(lines[0].split("\t")) for line in lines)


def test_json_is_sparql_results_json(run_cli, store):
    code, out, _ = query(run_cli, store, "mechanisms", "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert document["head"]["vars"][:4] == ["drug", "drug_label", "chain", "chain_label"]
    first = document["results"]["bindings"][0]
    assert first["drug"] == {"type": "uri", "value": "http://purl.obolibrary.org/obo/CHEBI_6067"}
    assert first["drug_label"] == {"type": "literal", "value": "isotretinoin"}
    assert first["step_index"] == {
        "type": "literal",
        "value": "1",
        "datatype": "http://www.w3.org/2001/XMLSchema#integer",
    }
    assert "chain_label" in first and len(document["results"]["bindings"]) == 2


def test_markdown_is_a_pipe_table_of_labels(run_cli, store):
    code, out, _ = query(run_cli, store, "opposite-effects", "--format", "markdown")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("| drug_a | drug_b | target | aspect |")
    assert lines[1] == "|" + "---|" * (lines[0].count("|") - 1)
    assert lines[2].startswith("| isotretinoin | etretinate | natural killer cell | activity |")
    assert len(lines) == 4


def test_parameters_by_name_and_synonym_give_the_same_answer(run_cli, store):
    by_curie = query(
        run_cli, store, "cytokine-profile", "--param", "drug=CHEBI:6067", "--format", "csv"
    )
    by_synonym = query(
        run_cli,
        store,
        "cytokine-profile",
        "--param",
        "drug=13-cis-retinoic acid",
        "--format",
        "csv",
    )
    assert by_curie[0] == by_synonym[0] == 0
    assert by_curie[1] == by_synonym[1] and by_curie[1].count("\n") == 6


# ---------------------------------------------------------------------------
# Errors: clear, exit 2, no traceback
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["drug-effect-matrix", "--param", "drug_a=isotretinoine"],
            "close matches: isotretinoin (CHEBI:6067)",
        ),
        (["drug-effect-matrix", "--param", "colour=red"], "has no parameter colour"),
        (["drug-effect-matrix", "--param", "drug_a"], "expected NAME=VALUE"),
        (
            ["drug-effect-matrix", "--param", "drug_a=isotretinoin", "--param", "drug_a=acitretin"],
            "given twice",
        ),
        (
            ["effects-by-cell-type", "--param", "cell_type=CL:0000738> . ?s ?p ?o"],
            "not a valid IRI",
        ),
        (["drug-efect-matrix"], "did you mean drug-effect-matrix"),
        (["../etc/passwd"], "no saved query named"),
        ([], "no query name given"),
    ],
)
def test_bad_query_arguments_exit_2_with_a_clear_message(run_cli, store, args, message):
    code, out, err = query(run_cli, store, *args)
    assert code == 2
    assert out == ""
    assert message in err
    assert "Traceback" not in err and err.startswith("retinoid-ld query: error: ")


def test_bad_format_and_limit_are_usage_errors(run_cli, store):
    assert query(run_cli, store, "mechanisms", "--format", "xml")[0] == 2
    code, _, err = query(run_cli, store, "mechanisms", "--limit", "-1")
    assert code == 2 and "negative" in err


# ---------------------------------------------------------------------------
# --limit
# ---------------------------------------------------------------------------


def test_limit_cuts_and_the_table_says_so(run_cli, store):
    code, out, err = query(run_cli, store, "knowledge-gaps", "--limit", "3")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 2 + 3 + 1
    assert lines[-1] == "(3 rows; cut at --limit 3, more exist)"
    assert err == ""


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json"])
def test_limit_on_data_formats_notes_it_on_stderr(run_cli, store, fmt):
    code, out, err = query(run_cli, store, "knowledge-gaps", "--limit", "3", "--format", fmt)
    assert code == 0
    assert err == "note: the result was cut at 3 rows (--limit); more exist\n"
    if fmt == "json":
        assert len(json.loads(out)["results"]["bindings"]) == 3
    else:
        assert len(out.splitlines()) == 4


def test_markdown_says_it_was_cut(run_cli, store):
    code, out, _ = query(run_cli, store, "knowledge-gaps", "--limit", "2", "--format", "markdown")
    assert code == 0
    assert out.endswith("\n*the result was cut at 2 rows (--limit); more exist*\n")


def test_limit_not_reached_says_nothing(run_cli, store):
    code, out, err = query(run_cli, store, "knowledge-gaps", "--limit", "8", "--format", "csv")
    assert code == 0 and err == "" and len(out.splitlines()) == 9
    code, out, _ = query(run_cli, store, "knowledge-gaps", "--limit", "8")
    assert out.splitlines()[-1] == "(8 rows)"


# ---------------------------------------------------------------------------
# --timeout: the query runs in a child process that is killed when time is up
# ---------------------------------------------------------------------------


def test_sparql_timeout_stops_a_runaway_query(run_cli, store):
    code, out, err = run_cli("sparql", CROSS_PRODUCT, "--store", store, "--timeout", "1")
    assert code == 2
    assert out == ""
    assert "retinoid-ld sparql: error: query stopped after 1 s" in err
    assert "Traceback" not in err


def test_query_with_a_timeout_answers_as_without_one(run_cli, store):
    plain = query(run_cli, store, "drug-effect-matrix", "--format", "json")
    timed = query(run_cli, store, "drug-effect-matrix", "--format", "json", "--timeout", "120")
    assert plain[0] == timed[0] == 0
    assert plain[1] == timed[1]


def test_errors_inside_the_timed_child_reach_the_user(run_cli, store):
    code, _, err = query(
        run_cli, store, "drug-effect-matrix", "--param", "drug_b=nosuchdrug", "--timeout", "60"
    )
    assert code == 2 and "unknown drug 'nosuchdrug'" in err
    code, _, err = run_cli("sparql", "SELEKT", "--store", store, "--timeout", "60")
    assert code == 2 and "cannot be parsed" in err


def test_timeout_must_be_positive(run_cli, store):
    code, _, err = run_cli("sparql", "ASK {}", "--store", store, "--timeout", "0")
    assert code == 2 and "not positive" in err


def test_call_with_timeout_library_api(store):
    assert call_with_timeout(lambda: 6 * 7, 30) == 42
    with pytest.raises(QueryTimeoutError, match="query stopped after 1 s"):
        retinoid_ld.run_sparql(CROSS_PRODUCT, store=store, timeout=1)
    with pytest.raises(InputError, match="unknown drug"):
        retinoid_ld.run_saved_query(
            "cytokine-profile", params={"drug": "nosuchdrug"}, store=store, timeout=30
        )


def test_timeout_as_a_real_subprocess(store):
    """The command line as users run it: the runaway child is killed, the command exits 2."""
    result = run_subprocess("sparql", CROSS_PRODUCT, "--store", store, "--timeout", "1")
    assert result.returncode == 2
    assert "query stopped after 1 s" in result.stderr


# ---------------------------------------------------------------------------
# retinoid-ld sparql: the same formats
# ---------------------------------------------------------------------------

LABELS = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "SELECT ?drug ?name WHERE { VALUES ?drug { <http://purl.obolibrary.org/obo/CHEBI_6067> "
    "<https://w3id.org/retinoid-ld/acitretin> } ?drug rdfs:label ?name } ORDER BY ?name"
)


def test_sparql_formats(run_cli, store):
    code, table, _ = run_cli("sparql", LABELS, "--store", store)
    assert code == 0
    assert table.splitlines()[2].split() == ["acitretin", "acitretin"]
    assert "http" not in table and table.splitlines()[-1] == "(2 rows)"
    _, csv_out, _ = run_cli("sparql", LABELS, "--store", store, "--format", "csv")
    assert csv_out == (
        "drug,name\nhttps://w3id.org/retinoid-ld/acitretin,acitretin\n"
        "http://purl.obolibrary.org/obo/CHEBI_6067,isotretinoin\n"
    )
    _, json_out, _ = run_cli("sparql", LABELS, "--store", store, "--format", "json")
    assert json.loads(json_out)["head"]["vars"] == ["drug", "name"]
    _, md, _ = run_cli("sparql", LABELS, "--store", store, "--format", "markdown")
    assert md.splitlines()[2] == "| acitretin | acitretin |"
    _, tsv, _ = run_cli("sparql", LABELS, "--store", store, "--format", "tsv")
    assert tsv.splitlines()[1] == "https://w3id.org/retinoid-ld/acitretin\tacitretin"


def test_sparql_ask_and_construct(run_cli, store):
    ask = "ASK { ?f <https://w3id.org/retinoid-ld/drug> <https://w3id.org/retinoid-ld/etretinate> }"
    assert run_cli("sparql", ask, "--store", store)[1] == "true\n"
    assert json.loads(run_cli("sparql", ask, "--store", store, "--format", "json")[1]) == {
        "head": {},
        "boolean": True,
    }
    construct = (
        "CONSTRUCT { ?f <https://w3id.org/retinoid-ld/drug> ?d } WHERE { "
        "?f <https://w3id.org/retinoid-ld/drug> ?d ; "
        "<https://w3id.org/retinoid-ld/target> <http://purl.obolibrary.org/obo/CL_0000623> }"
    )
    code, out, err = run_cli("sparql", construct, "--store", store, "--limit", "2")
    assert code == 0
    assert "@prefix rld: <https://w3id.org/retinoid-ld/> ." in out and " rld:drug " in out
    assert len(rdflib.Graph().parse(data=out, format="turtle")) == 2
    assert err == "note: the result was cut at 2 triples (--limit); more exist\n"
    code, out, err = run_cli("sparql", construct, "--store", store)
    assert code == 0 and err == "" and len(rdflib.Graph().parse(data=out, format="turtle")) == 4


def test_sparql_limit_cuts(run_cli, store):
    every = "SELECT ?s WHERE { ?s a <https://w3id.org/retinoid-ld/DrugEffectFinding> } ORDER BY ?s"
    code, out, err = run_cli("sparql", every, "--store", store, "--limit", "5", "--format", "csv")
    assert code == 0 and len(out.splitlines()) == 6
    assert "cut at 5 rows" in err
