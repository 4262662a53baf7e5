"""The foundation: build, the command line, the library API, atomic builds, packaging."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import pytest
import rdflib

import retinoid_ld
from retinoid_ld import resources
from retinoid_ld.cli import COMMAND_MODULES
from retinoid_ld.store import CURRENT, current_version

from .conftest import REPO, run_subprocess

ISOTRETINOIN = "http://purl.obolibrary.org/obo/CHEBI_6067"
TLR2 = "http://purl.obolibrary.org/obo/PR_000001153"


def test_help_lists_every_command(run_cli):
    code, out, _err = run_cli("--help")
    assert code == 0
    for name in COMMAND_MODULES:
        assert f"    {name} " in out or f"    {name}\n" in out, f"{name} missing from --help"
    assert "exit codes" in out


@pytest.mark.parametrize("command", COMMAND_MODULES)
def test_every_command_has_help(run_cli, command):
    code, out, _ = run_cli(command, "--help")
    assert code == 0
    assert out.startswith(f"usage: retinoid-ld {command}")


def test_no_command_is_a_usage_error(run_cli):
    code, _, err = run_cli()
    assert code == 2
    assert "COMMAND" in err


def test_unknown_option_is_a_usage_error(run_cli):
    code, _, err = run_cli("build", "--no-such-option")
    assert code == 2
    assert "unrecognized arguments" in err


def test_build_reports_what_it_built(tmp_path, run_cli):
    code, out, err = run_cli("build", "--store", tmp_path / "s")
    assert code == 0, err
    assert out == ""  # results only on stdout; logs on stderr
    assert "store ready" in err
    info = retinoid_ld.store_info(tmp_path / "s")
    assert info["findings"] >= 1
    assert info["source_documents"] >= 1


def test_end_to_end_tlr2_finding_reaches_query_and_export(built_store, run_cli):
    code, out, err = run_cli(
        "query", "drug-effect-matrix", "--store", built_store, "--format", "csv"
    )
    assert code == 0, err
    rows = [line.split(",") for line in out.splitlines()]
    header = rows[0]
    tlr2 = [dict(zip(header, r, strict=False)) for r in rows[1:] if TLR2 in r]
    assert any(
        row["drug_a"] == ISOTRETINOIN
        and row["drug_a_direction"].endswith("Decreased")
        and row["cell_type"].endswith("CL_0000576")
        for row in tlr2
    ), out
    turtle = retinoid_ld.export_store(format="turtle", store=built_store).decode()
    assert "obo:PR_000001153" in turtle


def test_library_api_matches_cli(built_store):
    result = retinoid_ld.run_saved_query("drug-effect-matrix", store=built_store)
    targets = {row["target"] for row in result.as_dicts()}
    assert TLR2 in targets
    ask = retinoid_ld.run_sparql(
        f"ASK {{ ?f <https://w3id.org/retinoid-ld/drug> <{ISOTRETINOIN}> }}", store=built_store
    )
    assert ask.boolean is True


def test_build_twice_is_idempotent(tmp_path):
    store = tmp_path / "s"
    first = retinoid_ld.build_store(store)
    dump1 = retinoid_ld.export_store(
        format="ntriples", store=store, include="ontology,imports,data"
    )
    second = retinoid_ld.build_store(store)
    dump2 = retinoid_ld.export_store(
        format="ntriples", store=store, include="ontology,imports,data"
    )
    assert first.triples == second.triples

    def without_build_metadata(dump: bytes) -> set[bytes]:
        return {line for line in dump.splitlines() if b"generatedAtTime" not in line}

    assert without_build_metadata(dump1) == without_build_metadata(dump2)
    versions = [p for p in (store / "versions").iterdir() if not p.name.startswith(".")]
    assert len(versions) <= 2  # older versions are pruned


def test_data_restating_the_ontology_is_kept_once_and_answers_stay_the_same(tmp_path, built_store):
    # Regression: a data file that restated the ontology and its imports put those
    # triples in two graphs; Oxigraph's union then yielded each twice, and
    # conflicting-findings ran for minutes instead of 0.2 s.
    from retinoid_ld.saved_queries import list_saved_queries, run_saved_query

    restating = [resources.edit_file(), *resources.import_files()]
    messages: list[str] = []
    store = tmp_path / "s"
    retinoid_ld.build_store(
        store, data_files=[*resources.data_files(), *restating], progress=messages.append
    )
    assert any("data triples restate the ontology or its imports" in m for m in messages)
    in_two_graphs = retinoid_ld.run_sparql(
        "ASK { GRAPH ?g1 { ?s ?p ?o } GRAPH ?g2 { ?s ?p ?o } FILTER(?g1 != ?g2) }", store=store
    )
    assert in_two_graphs.boolean is False, "a triple is in two graphs of the store"
    for query in list_saved_queries():
        restated = run_saved_query(query.name, store=store, timeout=60)
        shipped = run_saved_query(query.name, store=built_store)
        assert sorted(map(repr, restated.rows)) == sorted(map(repr, shipped.rows)), query.name


def test_failed_build_keeps_previous_store(tmp_path, run_cli):
    store = tmp_path / "s"
    retinoid_ld.build_store(store)
    before = current_version(store)
    answer_before = retinoid_ld.run_sparql(
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", store=store
    )
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix rld: <https://w3id.org/retinoid-ld/> .\nrld:x rld:y "unterminated .\n')
    code, _out, err = run_cli("build", "--store", store, bad)
    assert code == 2
    assert f"{bad}:2:" in err  # file and line of the syntax error
    assert current_version(store) == before
    answer_after = retinoid_ld.run_sparql("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", store=store)
    assert answer_after.rows == answer_before.rows
    assert not [p for p in (store / "versions").iterdir() if p.name.startswith(".staging")]


def test_query_without_store_says_how_to_build(tmp_path, run_cli):
    code, _, err = run_cli("info", "--store", tmp_path / "nothing")
    assert code == 2
    assert "retinoid-ld build --store" in err
    assert "Traceback" not in err


def test_store_location_from_environment(tmp_path):
    store = tmp_path / "env-store"
    result = run_subprocess("build", "--quiet", env={"RETINOID_LD_STORE": str(store)})
    assert result.returncode == 0, result.stderr
    assert (store / CURRENT).is_symlink()
    info = run_subprocess("info", "--json", env={"RETINOID_LD_STORE": str(store)})
    assert json.loads(info.stdout)["store"] == str(store)


def test_sparql_reads_stdin_and_file(built_store, tmp_path):
    query = "SELECT ?label WHERE { <http://purl.obolibrary.org/obo/CHEBI_6067> <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "retinoid_ld",
            "sparql",
            "--store",
            str(built_store),
            "--format",
            "tsv",
        ],
        input=query,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["label", "isotretinoin"]
    path = tmp_path / "q.rq"
    path.write_text(query)
    from_file = run_subprocess("sparql", "--file", path, "--store", built_store, "--format", "csv")
    assert from_file.stdout.splitlines() == ["label", "isotretinoin"]


def test_bad_sparql_is_an_input_error(built_store, run_cli):
    code, _, err = run_cli("sparql", "SELEKT nothing", "--store", built_store)
    assert code == 2
    assert "cannot be parsed" in err


def test_resources_are_found():
    assert resources.edit_file().is_file()
    assert resources.data_files()
    assert (resources.queries_dir() / "drug-effect-matrix.rq").is_file()


@pytest.mark.slow
def test_wheel_contains_data_and_works_outside_the_repository(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(REPO)],
        check=True,
        capture_output=True,
    )
    wheel = next(dist.glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for required in (
        "retinoid_ld/_resources/ontology/retinoid-ld-edit.ttl",
        "retinoid_ld/_resources/queries/drug-effect-matrix.rq",
    ):
        assert required in names
    assert any(n.startswith("retinoid_ld/_resources/data/") for n in names)
    assert any(n.startswith("retinoid_ld/_resources/ontology/imports/") for n in names)
    # Install the wheel into a directory of its own and run it from outside the repository;
    # dependencies come from this environment, the package from the wheel (first on the path).
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--quiet",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    env = {**os.environ, "RETINOID_LD_STORE": str(tmp_path / "store"), "PYTHONPATH": str(target)}
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    check = subprocess.run(
        [sys.executable, "-c", "import retinoid_ld.resources as r; print(r.resource_root())"],
        capture_output=True,
        text=True,
        cwd=outside,
        env=env,
        check=True,
    )
    assert check.stdout.strip() == str(target / "retinoid_ld" / "_resources")
    build = subprocess.run(
        [sys.executable, "-m", "retinoid_ld", "build", "--quiet"],
        capture_output=True,
        text=True,
        cwd=outside,
        env=env,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    query = subprocess.run(
        [sys.executable, "-m", "retinoid_ld", "query", "drug-effect-matrix", "--format", "tsv"],
        capture_output=True,
        text=True,
        cwd=outside,
        env=env,
        check=False,
    )
    assert "PR_000001153" in query.stdout, query.stderr


def test_public_api_names_resolve_and_import_stays_light():
    code = (
        "import sys, retinoid_ld\n"
        "assert 'matplotlib' not in sys.modules and 'owlready2' not in sys.modules\n"
        "missing = [n for n in retinoid_ld.__all__ if not callable(getattr(retinoid_ld, n)) "
        "and not isinstance(getattr(retinoid_ld, n), (str, tuple))]\n"
        "print(missing)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("name", "iri"),
    [
        ("13-cis-retinoic acid", "http://purl.obolibrary.org/obo/CHEBI_6067"),
        ("Accutane", "http://purl.obolibrary.org/obo/CHEBI_6067"),
        ("ATRA", "http://purl.obolibrary.org/obo/CHEBI_15367"),
    ],
)
def test_drug_names_the_sources_use_resolve(built_store, name, iri):
    result = retinoid_ld.run_saved_query(
        "opposite-effects", params={"drug_a": name, "drug_b": "etretinate"}, store=built_store
    )
    assert result.variables[0] == "drug_a"
    bound = retinoid_ld.run_sparql(
        "SELECT ?d ?n WHERE { ?d <http://www.w3.org/2004/02/skos/core#altLabel> ?n }",
        store=built_store,
        substitutions={"n": rdflib.Literal(name)},
    )
    assert [str(row[0]) for row in bound.rows] == [iri]


@pytest.mark.parametrize("name", ["bad name", "", "1-x"])
def test_run_sparql_refuses_a_bad_substitution_name(built_store, name):
    # Regression: pyoxigraph's ValueError for an invalid variable name escaped raw.
    with pytest.raises(retinoid_ld.InputError, match="is not a SPARQL variable name"):
        retinoid_ld.run_sparql(
            "SELECT ?d WHERE { ?d ?p ?o } LIMIT 1",
            store=built_store,
            substitutions={name: rdflib.Literal("x")},
        )


def test_run_sparql_accepts_a_substitution_written_with_its_question_mark(built_store):
    result = retinoid_ld.run_sparql(
        "SELECT ?d ?n WHERE { ?d <http://www.w3.org/2004/02/skos/core#altLabel> ?n }",
        store=built_store,
        substitutions={"?n": rdflib.Literal("Accutane")},
    )
    assert [str(row[0]) for row in result.rows] == ["http://purl.obolibrary.org/obo/CHEBI_6067"]
