"""The validation engines the benchmark compares, behind one call.

* ``sparql``: the project's fast engine, the shapes compiled to SPARQL and evaluated by
  Oxigraph, from the data files (what ``retinoid-ld validate FILE`` and the build gate
  run: parse, load in memory, evaluate);
* ``sparql-store``: the same engine on an already built on-disk store
  (``validation.validate_store``), i.e. validation alone;
* ``pyshacl``: the reference engine (``retinoid-ld validate --engine pyshacl``).

Each answers ``(focus, path, constraint component, severity)`` tuples in the CURIE form
the reports use, so that results compare as sets, and against the generator's ground
truth (:func:`truth_as_results`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

ENGINES = ("sparql", "sparql-store", "pyshacl")

Result = tuple[str, str, str, str]


def _tuples(report: object) -> list[Result]:
    return [
        (r.focus, r.path, r.constraint, r.severity)
        for r in getattr(report, "results", [])  # type: ignore[attr-defined]
    ]


def fast_engine_available() -> bool:
    """Whether the compiled-SPARQL engine is present in this checkout."""
    from retinoid_ld import validation

    return hasattr(validation, "validate_store") and "sparql" in getattr(validation, "ENGINES", ())


def validate(
    engine: str, *, store: str | Path | None = None, data_files: Sequence[str | Path] = ()
) -> list[Result]:
    """Validate with ``engine`` (see the module docstring); ``store`` only for sparql-store."""
    from retinoid_ld import validation
    from retinoid_ld.store import open_store

    if engine == "sparql-store":
        return _tuples(validation.validate_store(open_store(store), engine="sparql"))
    if engine in ("sparql", "pyshacl"):
        return _tuples(validation.validate(list(data_files), engine=engine))
    raise ValueError(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")


def truth_as_results(truth: Iterable[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
    """The generator's ground truth (full IRIs) in the reports' CURIE form."""
    from retinoid_ld.namespaces import curie

    def constraint(iri: str) -> str:
        return "sh:" + iri.rsplit("#", 1)[1] if "shacl#" in iri else curie(iri)

    return {(curie(focus), curie(path), constraint(c)) for focus, path, c in truth}
