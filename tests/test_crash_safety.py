"""A killed build never damages the store; readers never see a mix of two builds."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import retinoid_ld
from retinoid_ld import resources
from retinoid_ld.store import _prune, current_version, version_in_use

EXTRA_FINDING = """\
@prefix rld: <https://w3id.org/retinoid-ld/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
rld:crash-test-marker rdfs:label "present only in the second kind of build" .
"""

COUNT_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def count_triples(store: Path) -> int:
    result = retinoid_ld.run_sparql(COUNT_QUERY, store=store)
    return int(result.rows[0][0])


def build_command(store: Path, *files: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "retinoid_ld",
        "build",
        "--quiet",
        "--no-validate",
        "--store",
        str(store),
        *map(str, files),
    ]


@pytest.fixture()
def two_builds(tmp_path: Path) -> tuple[Path, list[Path], int, list[Path], int]:
    """A store built from the shipped data, and the answers of both kinds of build."""
    extra = tmp_path / "extra.ttl"
    extra.write_text(EXTRA_FINDING)
    plain = resources.data_files()
    with_extra = [*plain, extra]
    probe = tmp_path / "probe"
    retinoid_ld.build_store(probe, data_files=with_extra, validate=False)
    count_extra = count_triples(probe)
    store = tmp_path / "store"
    retinoid_ld.build_store(store, data_files=plain, validate=False)
    return store, plain, count_triples(store), with_extra, count_extra


@pytest.mark.slow
def test_build_killed_at_random_moments_leaves_a_whole_store(two_builds):
    store, _plain, count_plain, with_extra, count_extra = two_builds
    assert count_plain != count_extra
    rng = random.Random(20261121)
    outcomes = []
    for _ in range(8):
        process = subprocess.Popen(build_command(store, *with_extra), stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.0, 1.5))
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert current_version(store) is not None, "the store lost its current version"
        count = count_triples(store)
        assert count in (count_plain, count_extra), f"a mixed store: {count} triples"
        outcomes.append(count)
    # A later build succeeds and clears the leftovers of the killed ones.
    finished = subprocess.run(build_command(store, *with_extra), capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    assert count_triples(store) == count_extra
    leftovers = [p.name for p in (store / "versions").iterdir() if p.name.startswith(".staging")]
    assert leftovers == []


@pytest.mark.slow
def test_readers_never_see_a_mix_while_builds_swap(two_builds, tmp_path):
    store, plain, count_plain, with_extra, count_extra = two_builds
    reader_script = (
        "import sys, time, retinoid_ld\n"
        "deadline = time.time() + float(sys.argv[2])\n"
        "while time.time() < deadline:\n"
        "    try:\n"
        f"        r = retinoid_ld.run_sparql({COUNT_QUERY!r}, store=sys.argv[1])\n"
        "        print(int(r.rows[0][0]), flush=True)\n"
        "    except Exception as e:\n"
        "        print('ERROR', type(e).__name__, e, flush=True)\n"
    )
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", reader_script, str(store), "12"],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    deadline = time.time() + 10
    builds = 0
    while time.time() < deadline:
        files = with_extra if builds % 2 == 0 else plain
        subprocess.run(build_command(store, *files), check=True, capture_output=True)
        builds += 1
    answers = []
    for reader in readers:
        out, _ = reader.communicate(timeout=60)
        answers.extend(out.split("\n"))
    answers = [a for a in answers if a]
    errors = [a for a in answers if a.startswith("ERROR")]
    assert errors == []
    assert builds >= 2
    assert len(answers) > builds
    assert set(map(int, answers)) <= {count_plain, count_extra}


def test_pinned_version_survives_pruning_until_released(tmp_path):
    store = tmp_path / "store"
    plain = resources.data_files()
    retinoid_ld.build_store(store, data_files=plain, validate=False)
    with version_in_use(store) as pinned:
        for _ in range(3):
            retinoid_ld.build_store(store, data_files=plain, validate=False)
        _prune(store, grace_seconds=0)
        assert pinned.is_dir(), "a pinned version was pruned while in use"
        assert current_version(store) != pinned
    _prune(store, grace_seconds=0)
    assert not pinned.exists()
    remaining = [p for p in (store / "versions").iterdir() if not p.name.startswith(".")]
    assert len(remaining) == 2
    assert count_triples(store) > 0
