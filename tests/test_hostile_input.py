"""Hostile input never crashes the command, never hangs, and never half-writes the store.

Property-based (hypothesis): random and mutated Turtle, N-Triples and JSON-LD (the
curated data files with bytes flipped, cut short, garbage inserted, lines deleted,
duplicated or swapped), random bytes, mutated and random SPARQL, and hostile query
parameters, fed to ``validate``, ``build``, ``sparql`` and ``query``. Every case must end
with exit 0 (a harmless mutation), 1 (does not conform) or 2 (input error) with an
``error:`` line naming the file and line where there is one; never a traceback, never
exit 3 (internal error); and a failed build leaves the store's current version in place,
answering as before. ``benchmarks/reliability.py`` runs the same at a larger scale.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from benchmarks.reliability import (
    GARBAGE,
    HOSTILE_VALUES,
    MUTATIONS,
    apply_mutation,
    mutate,
    run_cli,
    seed_documents,
    seed_queries,
    store_fingerprint,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retinoid_ld.rdfio import FORMATS
from retinoid_ld.saved_queries import list_saved_queries
from retinoid_ld.store import build_store

from .conftest import REPO

pytestmark = pytest.mark.slow

DOCUMENTS = seed_documents()
QUERIES = seed_queries()
PARAMETERISED = [(q.name, p.name) for q in list_saved_queries() for p in q.parameters]

HOSTILE = settings(
    deadline=None,  # each case has its own time limit below; parsing is not interruptible
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)

mutations = st.lists(
    st.tuples(
        st.sampled_from(MUTATIONS),
        st.floats(min_value=0, max_value=1, exclude_max=True),
        st.integers(min_value=0, max_value=65535),
    ),
    min_size=1,
    max_size=3,
)


def mutated(name: str, steps: list[tuple[str, float, int]]) -> bytes:
    data = DOCUMENTS[name]
    for kind, position, choice in steps:
        data = apply_mutation(data, kind, position, choice)
    return data


def parses(data: bytes, name: str) -> bool:
    """Whether pyoxigraph accepts the bytes (then a syntax error is not expected)."""
    try:
        for _ in ox.parse(data, format=FORMATS[Path(name).suffix][0]):
            pass
    except (SyntaxError, ValueError, OSError, UnicodeDecodeError):
        return False
    return True


def assert_clean(outcome, *, file: Path | None = None, limit: float = 60.0) -> None:
    """The contract every hostile case must keep."""
    assert outcome.problems(expect_file=file.name if file else None, limit=limit) == [], (
        outcome.stderr[-2000:] or outcome.escaped
    )


@pytest.fixture(scope="module")
def cases_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hostile")


@pytest.fixture(scope="module")
def own_store(tmp_path_factory) -> Path:
    """A store this module may try to damage (the session store must stay untouched)."""
    path = tmp_path_factory.mktemp("hostile-store") / "store"
    build_store(path)
    return path


@settings(HOSTILE, max_examples=35)
@given(name=st.sampled_from(sorted(DOCUMENTS)), steps=mutations)
def test_validate_survives_mutated_data_files(cases_dir, name, steps):
    data = mutated(name, steps)
    path = cases_dir / f"validate-{name}"
    path.write_bytes(data)
    outcome = run_cli(["validate", path])
    assert_clean(outcome, file=path)
    if not parses(data, name):
        assert outcome.code == 2
        # The first error line names the file, and the line and column where it can.
        error = next(line for line in outcome.stderr.splitlines() if ": error: " in line)
        assert re.search(rf"{re.escape(str(path))}(:\d+:\d+)?: ", error), error


@settings(HOSTILE, max_examples=25)
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".ttl", ".nt", ".jsonld"]))
def test_validate_survives_random_bytes(cases_dir, data, suffix):
    path = cases_dir / f"random{suffix}"
    path.write_bytes(data)
    outcome = run_cli(["validate", path])
    assert_clean(outcome, file=path)
    assert outcome.code in (0, 1, 2)


@settings(HOSTILE, max_examples=12)
@given(name=st.sampled_from(sorted(n for n in DOCUMENTS if n.endswith(".ttl"))), steps=mutations)
def test_failed_build_leaves_the_store_as_it_was(cases_dir, own_store, name, steps):
    before = store_fingerprint(own_store)
    path = cases_dir / f"build-{name}"
    path.write_bytes(mutated(name, steps))
    outcome = run_cli(["build", "--quiet", "--store", own_store, path])
    assert_clean(outcome, file=path)
    after = store_fingerprint(own_store)
    if outcome.code != 0:
        assert after == before, "a failed build changed the store"
    else:
        assert after[0] != before[0], "a successful build must publish a new version"


def mutated_query(draw_name: str, steps: list[tuple[str, float, int]]) -> str:
    data = QUERIES[draw_name].encode()
    for kind, position, choice in steps:
        data = apply_mutation(data, kind, position, choice)
    return data.decode("utf-8", "replace")


sparql_texts = st.one_of(
    st.builds(mutated_query, st.sampled_from(sorted(QUERIES)), mutations),
    st.lists(st.sampled_from(GARBAGE), min_size=1, max_size=12).map(
        lambda parts: " ".join(p.decode("utf-8", "replace") for p in parts)
    ),
    st.text(max_size=200),
)


@settings(HOSTILE, max_examples=40)
@given(text=sparql_texts)
def test_sparql_survives_hostile_queries(built_store, text):
    if not text.strip() or text.startswith("-"):
        text = "#" + text  # an empty or option-like argument is tested in the CLI tests
    outcome = run_cli(
        ["sparql", "--store", built_store, "--timeout", "20", "--format", "tsv", text]
    )
    assert_clean(outcome, limit=45)
    assert outcome.code in (0, 2)


@settings(HOSTILE, max_examples=10)
@given(text=sparql_texts)
def test_sparql_survives_hostile_queries_on_stdin(built_store, text):
    outcome = run_cli(
        ["sparql", "--store", built_store, "--timeout", "20", "--format", "json", "-"], stdin=text
    )
    assert_clean(outcome, limit=45)
    assert outcome.code in (0, 2)


@settings(HOSTILE, max_examples=40)
@given(
    target=st.sampled_from(PARAMETERISED),
    value=st.one_of(st.sampled_from(HOSTILE_VALUES), st.text(max_size=120)),
)
def test_query_survives_hostile_parameter_values(built_store, target, value):
    query, parameter = target
    outcome = run_cli(
        [
            "query",
            query,
            "--store",
            built_store,
            "--timeout",
            "20",
            "--format",
            "tsv",
            "--param",
            f"{parameter}={value}",
        ]
    )
    assert_clean(outcome, limit=45)
    assert outcome.code in (0, 2)


def test_update_through_sparql_is_refused_and_changes_nothing(own_store):
    before = store_fingerprint(own_store)
    for text in (
        "DROP ALL",
        "INSERT DATA { <http://x/a> <http://x/b> <http://x/c> }",
        "CLEAR DEFAULT",
        "LOAD <file:///etc/passwd>",
    ):
        outcome = run_cli(["sparql", "--store", own_store, text])
        assert_clean(outcome)
        assert outcome.code == 2
    assert store_fingerprint(own_store) == before


def test_unknown_or_unreadable_files_are_input_errors(cases_dir):
    directory = cases_dir / "a-directory.ttl"
    directory.mkdir(exist_ok=True)
    for path in (cases_dir / "missing.ttl", directory, cases_dir / "data.unknown"):
        if path.suffix == ".unknown":
            path.write_text("<http://x/a> <http://x/b> <http://x/c> .\n")
        outcome = run_cli(["validate", path])
        assert_clean(outcome)
        assert outcome.code == 2
        assert path.name in outcome.stderr


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_hostile_files_in_a_real_process(cases_dir, seed):
    rng = random.Random(seed)
    name = rng.choice(sorted(DOCUMENTS))
    data, _done = mutate(DOCUMENTS[name], rng)
    path = cases_dir / f"subprocess-{seed}-{name}"
    path.write_bytes(data)
    completed = subprocess.run(
        [sys.executable, "-m", "retinoid_ld", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        check=False,
    )
    assert completed.returncode in (0, 1, 2)
    assert "Traceback" not in completed.stderr
    if completed.returncode == 2:
        assert f"{path}" in completed.stderr
