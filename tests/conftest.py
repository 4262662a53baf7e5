"""Shared fixtures: a store built once per session from the shipped data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from retinoid_ld import build_store
from retinoid_ld.cli import main

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
TERM_TABLES = SHARED / "ontology-terms"
SOURCES = SHARED / "sources"


@pytest.fixture(scope="session")
def built_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built from the shipped data; tests must not modify it."""
    path = tmp_path_factory.mktemp("store") / "store"
    build_store(path)
    return path


@pytest.fixture()
def run_cli(capsys: pytest.CaptureFixture[str]):
    """Run the command in-process; returns (exit code, stdout, stderr)."""

    def runner(*args: str) -> tuple[int, str, str]:
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return runner


def run_subprocess(*args: str, env: dict[str, str] | None = None, timeout: float = 300):
    """Run ``python -m retinoid_ld`` as a real subprocess."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "retinoid_ld", *map(str, args)],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        check=False,
    )
