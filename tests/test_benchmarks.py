"""The benchmark suite: its data generator, its report, and a smoke run end to end.

No timing is asserted: the figures belong in benchmarks/results.md, not in tests.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pyoxigraph as ox
import pytest
from benchmarks import generate
from benchmarks.engines import truth_as_results
from benchmarks.run import evaluate_targets, merge_reports, render_markdown

from retinoid_ld import resources
from retinoid_ld.namespaces import RLD
from retinoid_ld.validation import validate

from .conftest import REPO

PREFIXES = f"PREFIX rld: <{RLD}>\n"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """300 valid findings, as Turtle, with their generation summary and a loaded store."""
    path = tmp_path_factory.mktemp("generated") / "findings.ttl"
    summary = generate.generate(300, path, seed=7)
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return path, summary, store


def ask_rows(store: ox.Store, query: str) -> list:
    return list(store.query(PREFIXES + query))


def test_same_seed_same_bytes_other_seed_other_data(tmp_path):
    paths = [tmp_path / name for name in ("a.ttl", "b.ttl", "c.ttl")]
    generate.generate(120, paths[0], seed=3)
    generate.generate(120, paths[1], seed=3)
    generate.generate(120, paths[2], seed=4)
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert paths[0].read_bytes() != paths[2].read_bytes()


def test_ntriples_and_turtle_hold_the_same_triples(tmp_path):
    generate.generate(80, tmp_path / "f.ttl", seed=1)
    generate.generate(80, tmp_path / "f.nt", seed=1)
    turtle = set(ox.parse(path=str(tmp_path / "f.ttl")))
    ntriples = set(ox.parse(path=str(tmp_path / "f.nt")))
    assert turtle == ntriples
    assert len(turtle) == generate.generate(80, tmp_path / "g.nt", seed=1).triples


def test_generated_counts_match_the_summary(generated):
    _path, summary, store = generated
    (row,) = ask_rows(
        store,
        "SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE { VALUES ?c { rld:DrugEffectFinding "
        "rld:ConditionFinding } ?f a ?c }",
    )
    assert int(row["n"].value) == summary.findings == 300
    (row,) = ask_rows(store, "SELECT (COUNT(*) AS ?n) WHERE { ?g a rld:KnowledgeGap }")
    assert int(row["n"].value) == summary.knowledge_gaps > 0
    (row,) = ask_rows(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s a rld:Study }")
    assert int(row["n"].value) == summary.studies > 0
    assert summary.conflicting_findings >= 2 * summary.conflict_pairs > 0


def test_every_term_comes_from_the_import_modules(generated):
    _path, _summary, store = generated
    vocabulary = generate.load_vocabulary()
    allowed = {
        t.iri
        for group in (
            vocabulary.drugs,
            vocabulary.targets,
            vocabulary.cell_types,
            vocabulary.sample_contexts,
            vocabulary.species,
            vocabulary.conditions,
            vocabulary.evidence,
        )
        for t in group
    }
    used = {
        row["o"].value
        for row in ask_rows(
            store,
            "SELECT DISTINCT ?o WHERE { VALUES ?p { rld:drug rld:target rld:cellType "
            "rld:sampleContext rld:species rld:condition rld:evidence } ?s ?p ?o }",
        )
    }
    assert used <= allowed
    assert {d.iri for d in vocabulary.drugs} <= used  # all four drugs appear


def test_conflicts_are_linked_both_ways_in_one_context(generated):
    _path, _summary, store = generated
    mismatched = ask_rows(
        store,
        """SELECT ?a ?b WHERE {
          ?a rld:conflictsWith ?b .
          FILTER NOT EXISTS { ?b rld:conflictsWith ?a }
        }""",
    )
    assert mismatched == []
    pairs = ask_rows(
        store,
        """SELECT ?a ?b ?da ?db WHERE {
          ?a rld:conflictsWith ?b ; rld:direction ?da ; rld:drug ?d ; rld:target ?t ;
             rld:aspect ?x ; rld:species ?s ; rld:comparison ?c ; rld:experimentalSystem ?e .
          ?b rld:direction ?db ; rld:drug ?d ; rld:target ?t ; rld:aspect ?x ; rld:species ?s ;
             rld:comparison ?c ; rld:experimentalSystem ?e .
        }""",
    )
    (total,) = ask_rows(store, "SELECT (COUNT(*) AS ?n) WHERE { ?a rld:conflictsWith ?b }")
    assert len(pairs) == int(total["n"].value) > 0
    assert all(
        {p["da"].value, p["db"].value} == {RLD + "Increased", RLD + "Decreased"} for p in pairs
    )


def test_gaps_never_meet_a_finding_on_the_same_drug_and_target(generated):
    _path, _summary, store = generated
    assert (
        ask_rows(
            store,
            """SELECT ?gap WHERE { ?gap a rld:KnowledgeGap ; rld:drug ?d ; rld:target ?t .
                 ?f rld:drug ?d ; rld:target ?t ; rld:status rld:Reported }""",
        )
        == []
    )


@pytest.mark.slow
def test_generated_data_conforms_to_the_shapes(generated):
    path, _summary, _store = generated
    report = validate([path])
    assert report.violation_count == 0, report.results[:5]
    assert report.warning_count == 0, [r for r in report.results if r.severity == "Warning"][:5]


@pytest.fixture(scope="module")
def scaled(tmp_path_factory):
    """600 findings with one target per 2 findings: most targets are synthetic."""
    path = tmp_path_factory.mktemp("scaled") / "findings.ttl"
    summary = generate.generate(600, path, seed=5, findings_per_target=2, faults=0.02)
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return path, summary, store


def test_targets_grow_with_the_data_as_project_terms_under_real_targets(scaled):
    _path, summary, store = scaled
    real = len(generate.load_vocabulary().targets)
    assert summary.synthetic_targets == 600 // 2 - real > 0
    rows = ask_rows(
        store,
        """SELECT ?t ?parent ?kind WHERE {
          ?t a rld:ProjectTerm ; rdfs:subClassOf ?parent ; rld:missingMapping ?kind ;
             rdfs:label ?label .
          FILTER(STRSTARTS(STR(?t), STR(rld:bench-target-)))
        }""".replace("SELECT", "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nSELECT"),
    )
    assert len(rows) == summary.synthetic_targets
    real_iris = {t.iri for t in generate.load_vocabulary().targets}
    for row in rows:
        parent = row["parent"].value
        assert parent in real_iris, parent
        assert generate.target_kind(row["t"].value) == row["kind"].value
        assert generate.target_kind(parent) == row["kind"].value
    (used,) = ask_rows(
        store,
        "SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?f rld:target ?t "
        "FILTER(STRSTARTS(STR(?t), STR(rld:bench-target-))) }",
    )
    assert int(used["n"].value) > summary.synthetic_targets // 4


@pytest.mark.slow
def test_data_with_synthetic_targets_has_exactly_the_injected_faults(scaled):
    path, summary, _store = scaled
    truth = truth_as_results({(focus, p, c) for focus, p, c, _kind in summary.faults})
    assert truth
    report = validate([path])
    found = {(r.focus, r.path, r.constraint) for r in report.results if r.severity == "Violation"}
    assert found == truth
    assert report.warning_count == 0


def test_most_drug_target_aspects_agree_across_contexts(generated):
    """Disagreement between contexts is a controlled share, not a coin toss per context."""
    _path, _summary, store = generated
    rows = ask_rows(
        store,
        """SELECT ?d ?t ?x (COUNT(DISTINCT ?dir) AS ?n) WHERE {
          ?f a rld:DrugEffectFinding ; rld:drug ?d ; rld:target ?t ; rld:aspect ?x ;
             rld:direction ?dir ; rld:status rld:Reported .
          FILTER NOT EXISTS { ?f rld:conflictsWith ?other }
        } GROUP BY ?d ?t ?x""",
    )
    mixed = sum(1 for row in rows if int(row["n"].value) > 1)
    assert rows and mixed / len(rows) < 0.1, (mixed, len(rows))  # 0.19 if every context drew


@pytest.mark.slow
def test_injected_faults_are_exactly_the_violations(tmp_path):
    path, faults = tmp_path / "faulty.ttl", tmp_path / "faults.tsv"
    summary = generate.generate(400, path, seed=11, faults=0.04, faults_tsv=faults)
    truth = truth_as_results(generate.read_faults(faults))
    assert len(truth) == len(summary.faults) > 5
    kinds = {kind for *_rest, kind in summary.faults}
    assert len(kinds) >= 4
    report = validate([path])
    found = {(r.focus, r.path, r.constraint) for r in report.results if r.severity == "Violation"}
    assert found == truth


def test_generator_command_line_writes_the_faults_file(tmp_path):
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.generate",
            "150",
            str(tmp_path / "x.nt"),
            "--seed",
            "2",
            "--faults",
            "0.05",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "findings\t150" in completed.stderr
    lines = (tmp_path / "x.faults.tsv").read_text().splitlines()
    assert lines[0] == "focus\tpath\tconstraint\tkind"
    assert len(lines) > 1


def test_sizes_accept_suffixes():
    assert list(generate.iter_sizes("10000,100k,1m")) == [10_000, 100_000, 1_000_000]


def _entry(seconds, **extra):
    return {"status": "ok", "seconds": seconds, "runs": 5, "peak_mib": 900.0, **extra}


def fabricated_report():
    """A report as the runner writes it, with made-up figures, to check the verdicts."""

    def size(findings, scale, *, pyshacl):
        return {
            "findings": findings,
            "data": {
                "triples": findings * 29,
                "bytes": findings * 1200,
                "studies": findings // 10,
                "condition_findings": 1,
                "hypotheses": 1,
                "conflicting_findings": 4,
                "conflict_pairs": 2,
                "knowledge_gaps": 3,
                "seconds": 1.0,
            },
            "build": {"without_gate": _entry(4 * scale), "with_gate": _entry(9 * scale)},
            "validation": {
                "faults_injected": 10,
                "sparql": _entry(3 * scale, matches_injected=True),
                "sparql-store": _entry(2 * scale, matches_injected=True),
                "pyshacl": pyshacl,
                "identical": True,
            },
            "queries": {
                "fast-query": _entry(0.05 * scale, rows=3, answer="x", command_seconds=0.1),
                "slow-query": _entry(0.4 * scale, rows=3, answer="y", command_seconds=0.5),
            },
            "export": {
                "turtle": _entry(2.5 * scale, byte_identical=True, bytes=10**6),
                "findings-tsv": {"status": "missing"},
            },
            "rdflib": {
                "status": "ok",
                "load": _entry(40 * scale),
                "queries": {
                    "fast-query": {"status": "ok", "seconds": [30.0], "runs": 1, "answer": "x"},
                    "slow-query": {"status": "timeout", "bound": 300},
                },
                "export": _entry(30 * scale),
            },
        }

    return {
        "started": "2026-11-21T00:00:00+00:00",
        "finished": "2026-11-21T01:00:00+00:00",
        "machine": {
            "cores": 2,
            "cpu": "test CPU",
            "memory_gib": 23.5,
            "system": "Linux",
            "load_average_at_start": [1.0, 1.0, 1.0],
        },
        "versions": {"python": "3.11", "pyoxigraph": "0.5.13"},
        "config": {
            "sizes": [100_000, 1_000_000],
            "repeat": 5,
            "time_bound": 300.0,
            "seed": 0,
            "fault_share": 0.01,
            "baseline_memory_mib": 10240,
            "baselines": True,
        },
        "saved_queries": ["fast-query", "slow-query"],
        "sizes": [
            size(100_000, 1.0, pyshacl=_entry(60.0, matches_injected=True)),
            size(1_000_000, 10.0, pyshacl={"status": "skipped", "error": "did not finish"}),
        ],
    }


def test_targets_are_judged_with_the_margin_they_miss_by():
    verdicts = {t["target"]: t for t in evaluate_targets(fabricated_report())}
    build = next(v for k, v in verdicts.items() if k.startswith("build"))
    assert build["verdict"] == "missed"
    assert "1.5× the time" in build["detail"]  # 90 s with the gate against 60 s
    validation_speed = next(v for k, v in verdicts.items() if "10× faster than pySHACL" in k)
    assert validation_speed["verdict"] == "met"
    assert validation_speed["detail"].startswith("20.0× faster")
    queries_100k = verdicts["every saved query at 100,000 findings: ≤ 1 s"]
    assert queries_100k["verdict"] == "met"
    queries_1m = verdicts["every saved query at 1,000,000 findings: ≤ 5 s"]
    assert queries_1m["verdict"] == "met"  # 4 s
    rdflib = verdicts["every saved query at 100,000 findings: ≥ 50× faster than rdflib"]
    assert rdflib["verdict"] == "met"  # 600× and > 750×
    export = next(v for k, v in verdicts.items() if k.startswith("Turtle export"))
    assert export["verdict"] == "met"


def test_results_markdown_has_every_section():
    text = render_markdown(fabricated_report())
    for heading in (
        "## Machine",
        "## Versions",
        "## Method",
        "## Data",
        "## Build",
        "## Validation",
        "## Saved queries",
        "## Export",
        "## Targets (issue 9)",
    ):
        assert heading in text
    assert "| slow-query | 400 ms" in text
    assert "did not finish in 300 s" in text
    assert "| 0.00167 (600× faster) |" in text  # fast-query against rdflib's 30 s
    assert "| < 0.00133 (> 750× faster) |" in text  # slow-query: rdflib did not finish


def test_the_why_section_compares_disk_and_memory_and_names_the_cause():
    report = fabricated_report()
    hundred = report["sizes"][0]
    hundred["queries"]["slow-query"] = _entry(4.0, rows=3, answer="y", command_seconds=4.5)
    hundred["diagnostics"] = {
        "status": "ok",
        "quads": 2_900_000,
        "read_disk_seconds": 40.0,
        "load_memory_seconds": 2.0,
        "read_memory_seconds": 4.0,
        "queries_in_memory": {
            "fast-query": {"status": "ok", "seconds": 0.01, "rows": 3},
            "slow-query": {"status": "ok", "seconds": 0.5, "rows": 3},
        },
    }
    text = render_markdown(report)
    assert "## Why: the on-disk store against an in-memory copy" in text
    assert (
        "| read every quad back | 40.0 s (72,500 quads/s) | 4.0 s (725,000 quads/s) | 10.0× |"
        in text
    )
    assert "| query slow-query | 4.0 s | 500 ms | 8.0× |" in text
    verdicts = {t["target"]: t for t in evaluate_targets(report)}
    queries = verdicts["every saved query at 100,000 findings: ≤ 1 s"]
    assert queries["verdict"] == "missed"
    assert "slow-query: 4.0 s (4.0× the target; 500 ms in memory)" in queries["detail"]
    assert "random RocksDB read" in queries["detail"]


def test_a_later_run_adds_its_sizes_to_the_earlier_results(tmp_path):
    earlier = fabricated_report()
    earlier["sizes"] = earlier["sizes"][:1]  # 100,000 only
    (tmp_path / "results.json").write_text(json.dumps(earlier))
    later = fabricated_report()
    later["started"] = "2026-11-22T00:00:00+00:00"
    later["config"] = {**later["config"], "sizes": [1_000_000]}
    later["sizes"] = later["sizes"][1:]
    merged = merge_reports(tmp_path / "results.json", later)
    assert [r["findings"] for r in merged["sizes"]] == [100_000, 1_000_000]
    text = render_markdown(merged)
    assert "- 2026-11-21T00:00:00+00:00 (commit " in text  # the earlier run, for 100,000
    assert "100,000: build, build with the gate" in text
    assert "- 2026-11-22T00:00:00+00:00 (commit " in text
    assert "`--sizes 1000000 --repeat 5" in text
    assert "| | 100,000 | 1,000,000 |" in text


def run_module(module: str, *arguments: str, timeout: float) -> subprocess.CompletedProcess:
    """``python -m module arguments`` from the repository, its output captured."""
    return subprocess.run(
        [sys.executable, "-m", module, *arguments],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.slow
def test_benchmark_runs_end_to_end_at_a_tiny_size(tmp_path):
    output = tmp_path / "out"
    completed = run_module(
        "benchmarks",
        *("--sizes", "150", "--repeat", "1", "--time-bound", "60", "--no-baselines"),
        *("--work", str(tmp_path / "work"), "--output-dir", str(output), "--keep"),
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    text = (output / "results.md").read_text()
    for heading in ("## Machine", "## Data", "## Build", "## Validation", "## Saved queries"):
        assert heading in text
    assert "## Targets (issue 9)" in text
    report = json.loads((output / "results.json").read_text())
    (size,) = report["sizes"]
    assert size["findings"] == 150
    assert size["build"]["without_gate"]["status"] == "ok"
    assert size["validation"]["sparql"]["matches_injected"] is True
    queries = {p.stem for p in resources.queries_dir().glob("*.rq")}
    assert set(size["queries"]) == queries
    assert all(entry["status"] == "ok" for entry in size["queries"].values())
    assert size["export"]["turtle"]["byte_identical"] is True
    assert "[not measured]" in completed.stdout  # the targets, printed
    # The why: every saved query again on an in-memory copy of the store.
    assert size["diagnostics"]["status"] == "ok"
    assert set(size["diagnostics"]["queries_in_memory"]) == queries
    assert "## Why: the on-disk store against an in-memory copy" in text
    # ... and added afterwards to a run's results from a store of the same data.
    del size["diagnostics"]
    (output / "results.json").write_text(json.dumps(report))
    added = run_module(
        "benchmarks.diagnose",
        *("--store", size["build"]["store"], "--results", str(output / "results.json")),
        timeout=300,
    )
    assert added.returncode == 0, added.stderr[-3000:]
    again = json.loads((output / "results.json").read_text())
    assert again["sizes"][0]["diagnostics"]["status"] == "ok"
    assert "## Why" in (output / "results.md").read_text()


def test_a_query_too_slow_to_repeat_within_the_bound_is_timed_once(built_store):
    """Regression: a slow query was killed for its repetitions instead of being measured."""
    from benchmarks.measure import Measurement, task_query
    from benchmarks.run import _summary

    repeated = task_query(str(built_store), "mechanisms", 3)
    assert len(repeated["seconds"]) == 3 and repeated["command_seconds"] is not None
    once = task_query(str(built_store), "mechanisms", 3, bound=1e-9)
    assert len(once["seconds"]) == 1 and once["command_seconds"] is None
    assert once["rows"] == repeated["rows"] > 0
    summary = _summary([Measurement(status="ok", result=repeated)])
    assert summary["runs"] == 3  # the runs inside the one process, not the process count


def test_a_size_measured_in_passes_keeps_each_step_from_the_pass_that_ran_it(tmp_path):
    earlier = fabricated_report()
    earlier["sizes"] = earlier["sizes"][1:]  # 1,000,000: build, validation, export ...
    earlier["sizes"][0]["queries"] = {}  # ... but --skip queries
    (tmp_path / "results.json").write_text(json.dumps(earlier))
    later = fabricated_report()
    later["started"] = "2026-11-22T00:00:00+00:00"
    later["sizes"] = later["sizes"][1:]
    million = later["sizes"][0]
    million["queries"]["slow-query"] = _entry(7.0, rows=3, answer="y", command_seconds=7.5)
    million["build"] = {
        "without_gate": {"status": "skipped", "error": "--skip build"},
        "with_gate": {"status": "skipped", "error": "--skip gate"},
    }
    million["export"]["turtle"] = {"status": "skipped", "error": "--skip turtle"}
    million["rdflib"] = {"status": "skipped", "error": "--skip rdflib"}
    merged = merge_reports(tmp_path / "results.json", later)
    (size,) = merged["sizes"]
    assert size["queries"]["slow-query"]["seconds"] == 7.0  # from the later pass
    assert size["build"] == earlier["sizes"][0]["build"]  # kept from the earlier pass
    assert size["export"]["turtle"] == earlier["sizes"][0]["export"]["turtle"]
    assert size["rdflib"] == earlier["sizes"][0]["rdflib"]
    assert size["provenance"]["queries"]["started"] == "2026-11-22T00:00:00+00:00"
    assert size["provenance"]["build.with_gate"]["started"] == earlier["started"]
    assert size["provenance"]["export.turtle"]["started"] == earlier["started"]
    assert "Measured in passes" in render_markdown(merged)


def test_a_part_a_later_pass_did_not_run_at_all_is_kept_from_the_earlier_pass(tmp_path):
    # Regression: a pass without baselines wrote no pySHACL entry, and the merge kept
    # only the parts the later pass had, so the earlier pySHACL figure was lost.
    earlier = fabricated_report()
    earlier["sizes"] = earlier["sizes"][:1]
    (tmp_path / "results.json").write_text(json.dumps(earlier))
    later = fabricated_report()
    later["started"] = "2026-11-22T00:00:00+00:00"
    later["sizes"] = later["sizes"][:1]
    del later["sizes"][0]["validation"]["pyshacl"]
    merged = merge_reports(tmp_path / "results.json", later)
    (size,) = merged["sizes"]
    assert size["validation"]["pyshacl"] == earlier["sizes"][0]["validation"]["pyshacl"]
    assert size["provenance"]["validation.pyshacl"]["started"] == earlier["started"]
    assert size["provenance"]["validation.sparql"]["started"] == later["started"]
    # ... and a third pass still knows where each part came from.
    (tmp_path / "results.json").write_text(json.dumps(merged))
    third = fabricated_report()
    third["started"] = "2026-11-23T00:00:00+00:00"
    third["sizes"] = third["sizes"][:1]
    third["sizes"][0]["queries"] = {}
    del third["sizes"][0]["validation"]["pyshacl"]
    again = merge_reports(tmp_path / "results.json", third)
    provenance = again["sizes"][0]["provenance"]
    assert provenance["validation.pyshacl"]["started"] == earlier["started"]
    assert provenance["queries"]["started"] == later["started"]
    assert provenance["validation.sparql"]["started"] == third["started"]


def test_a_step_skipped_at_a_million_is_not_measured_rather_than_missed():
    report = fabricated_report()
    million = report["sizes"][1]
    skipped = {"status": "skipped", "error": "--skip build"}
    million["build"] = {"without_gate": skipped, "with_gate": skipped}
    million["validation"]["sparql"] = skipped
    million["export"]["turtle"] = skipped
    verdicts = {t["target"].split(":")[0]: t["verdict"] for t in evaluate_targets(report)}
    assert verdicts["build into the on-disk store at 1,000,000 findings"] == "not measured"
    assert verdicts["full validation at 1,000,000 findings"] == "not measured"
    assert verdicts["Turtle export at 1,000,000 findings"] == "not measured"
