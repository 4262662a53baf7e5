"""What the pictures share: reading the store by SPARQL, term labels, and writing figures.

The heatmap (:mod:`retinoid_ld.plot_matrix`), the mechanism diagrams
(:mod:`retinoid_ld.plot_mechanism`) and the HTML report (:mod:`retinoid_ld.report`)
draw everything from the store, so they stay true as the data grows. Figures are
written deterministically (no dates, fixed SVG ids, text kept as text) so that the
same store gives the same bytes and tests can read the labels in an SVG.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

import pyoxigraph as ox

from retinoid_ld.errors import InputError
from retinoid_ld.namespaces import OBO, PREFIXES, RLD, curie
from retinoid_ld.store import open_store

StoreLike = str | os.PathLike[str] | ox.Store | None
Progress = Callable[[str], None]

FIGURE_FORMATS = ("svg", "png", "pdf")

SPARQL_PREFIXES = f"""PREFIX rld: <{RLD}>
PREFIX obo: <{OBO}>
PREFIX rdf: <{PREFIXES["rdf"]}>
PREFIX rdfs: <{PREFIXES["rdfs"]}>
PREFIX dcterms: <{PREFIXES["dcterms"]}>
"""


def as_store(store: StoreLike) -> ox.Store:
    """An open store: the one given, or the built store at a path (default location if None)."""
    if isinstance(store, ox.Store):
        return store
    return open_store(store)


def select(
    store: ox.Store, query: str, bindings: Mapping[str, ox.NamedNode] | None = None
) -> list[dict[str, ox.NamedNode | ox.BlankNode | ox.Literal]]:
    """Rows of a SELECT over the union of the store's graphs, as dicts of bound variables.

    ``bindings`` pre-bind variables to RDF terms (never pasted into the text); pyoxigraph
    needs each bound variable to be in the projection.
    """
    substitutions = {ox.Variable(name): term for name, term in (bindings or {}).items()}
    solutions = store.query(
        SPARQL_PREFIXES + query,
        use_default_graph_as_union=True,
        substitutions=substitutions or None,
    )
    names = [variable.value for variable in solutions.variables]
    rows = []
    for solution in solutions:
        row = {}
        for name in names:
            term = solution[name]
            if term is not None:
                row[name] = term
        rows.append(row)
    return rows


def iri(row: Mapping[str, object], name: str) -> str | None:
    """The IRI bound to ``name`` in a row, or None when unbound or not an IRI."""
    term = row.get(name)
    return term.value if isinstance(term, ox.NamedNode) else None


def labels_of(store: ox.Store, iris: Iterable[str]) -> dict[str, str]:
    """The rdfs:label of each IRI that has one (the least one, so the choice is stable)."""
    wanted = sorted({i for i in iris if i})
    if not wanted:
        return {}
    found: dict[str, str] = {}
    label = ox.NamedNode(PREFIXES["rdfs"] + "label")
    for value in wanted:
        texts = sorted(
            quad.object.value
            for quad in store.quads_for_pattern(ox.NamedNode(value), label, None)
            if isinstance(quad.object, ox.Literal)
        )
        if texts:
            found[value] = texts[0]
    return found


def label_or_curie(value: str, labels: Mapping[str, str]) -> str:
    """A person's name for a term: its label, else its CURIE."""
    return labels.get(value) or curie(value)


def figure_format(output: str | os.PathLike[str]) -> str:
    """The figure format from the file suffix, or a clear error naming the ones supported."""
    suffix = Path(output).suffix.lower().lstrip(".")
    if suffix not in FIGURE_FORMATS:
        raise InputError(
            f"{output}: cannot tell the figure format from the suffix {Path(output).suffix!r}",
            hint=f"name the output file with one of: {', '.join('.' + f for f in FIGURE_FORMATS)}",
        )
    return suffix


def write_atomically(output: str | os.PathLike[str], write: Callable[[Path], None]) -> Path:
    """Write through a temporary sibling and rename, so a failure never leaves half a file."""
    path = Path(output)
    if not path.parent.is_dir():
        raise InputError(
            f"{path}: the directory {path.parent} does not exist", hint="create it first"
        )
    temporary = path.with_name(f".{path.name}.partial{path.suffix}")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    return path


@contextlib.contextmanager
def deterministic_style() -> Iterator[None]:
    """matplotlib settings for reproducible, searchable figures.

    SVG text stays text (so labels can be found and copied), ids are derived from a
    fixed salt, and no date is written, so two runs give the same bytes.
    """
    import matplotlib

    with matplotlib.rc_context(
        {
            "svg.fonttype": "none",
            "svg.hashsalt": "retinoid-ld",
            "font.family": "DejaVu Sans",
            "font.size": 9,
            "hatch.linewidth": 0.8,
            "pdf.compression": 6,
        }
    ):
        yield


def save_figure(figure: object, output: str | os.PathLike[str]) -> Path:
    """Save a matplotlib figure deterministically in the format its suffix names."""
    fmt = figure_format(output)
    metadata: dict[str, object | None] = {
        "svg": {"Date": None, "Creator": "retinoid-ld"},
        "pdf": {"CreationDate": None, "ModDate": None, "Creator": "retinoid-ld", "Producer": None},
        "png": {"Software": "retinoid-ld"},
    }[fmt]

    def write(path: Path) -> None:
        figure.savefig(  # type: ignore[attr-defined]
            path, format=fmt, metadata=metadata, bbox_inches="tight", pad_inches=0.15, dpi=150
        )

    with deterministic_style():
        return write_atomically(output, write)
