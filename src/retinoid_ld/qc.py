"""Quality-control queries: SPARQL checks in ``queries/qc/*-violation.rq``.

Like the ROBOT report of an ODK ontology, each query looks for one kind of defect
(missing labels, duplicate labels, dangling references, obsolete terms, ...) and must
return no rows on a good store. The queries are plain SPARQL files with the same ``#+``
header as the saved queries, so a linked-data user can run them on any endpoint.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from retinoid_ld import resources
from retinoid_ld.query import QueryResult, execute_on_store
from retinoid_ld.saved_queries import SavedQuery, parse_saved_query
from retinoid_ld.store import open_store

SUFFIX = "-violation.rq"


def qc_dir() -> Path:
    return resources.queries_dir() / "qc"


def qc_queries(directory: Path | None = None) -> list[SavedQuery]:
    """The QC queries, by name (the file stem), in a stable order."""
    folder = directory or qc_dir()
    return [parse_saved_query(path) for path in sorted(folder.glob(f"*{SUFFIX}"))]


@dataclass(frozen=True)
class QcOutcome:
    """What one QC query found; ``passed`` when it returned no rows."""

    query: SavedQuery
    result: QueryResult

    @property
    def passed(self) -> bool:
        return not self.result.rows

    def describe(self, limit: int = 10) -> str:
        """The violations as readable lines (at most ``limit``)."""
        lines = [f"{self.query.name}: {self.query.title} ({len(self.result.rows)} rows)"]
        for row in self.result.rows[:limit]:
            cells = [
                f"{name}={'' if value is None else value}"
                for name, value in zip(self.result.variables, row, strict=False)
            ]
            lines.append("  " + "  ".join(cells))
        return "\n".join(lines)


def run_qc(
    store: ox.Store | str | os.PathLike[str] | None = None, *, directory: Path | None = None
) -> list[QcOutcome]:
    """Run every QC query on a store (a pyoxigraph store, or the path of a built one)."""
    opened = store if isinstance(store, ox.Store) else open_store(store)
    return [
        QcOutcome(query, execute_on_store(opened, query.text)) for query in qc_queries(directory)
    ]
