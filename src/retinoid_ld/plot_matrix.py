"""The comparison heatmap: targets (rows) by drug (columns), coloured by direction.

It redraws the sources' comparison tables from the store. Only drug effects are
drawn: drug-effect findings comparing treated with pre-treatment or untreated
states (``rld:TreatedVersusBaseline``, ``rld:TreatedVersusUntreated``) and, by
default, those whose source states the drug's effect without naming the reference
state (``rld:NoComparisonStated``: the comparison tables' "no significant effect
on lymphocytes" cells are such). Disease baselines (``rld:ConditionVersusHealthy``)
and treated-versus-healthy comparisons (where treatment left patients relative to
health, not which way the drug moved them) are not drug effects and stay out.
A cell says what the store holds for that drug and row:

* a colour per direction (a cell with findings in several directions is split);
* paler where every finding of that direction is not (always) significant;
* dotted where every finding of that direction is a hypothesis;
* a hatched "not studied" cell where a source states a knowledge gap
  (``rld:KnowledgeGap``), distinct from a blank cell (no finding at all);
* a black corner where a finding conflicts with another (``rld:conflictsWith``).

Rows are grouped by kind: cytokines and other secreted mediators (one group per
sample context, since serum and stimulated monocytes are different findings), cell
populations, molecules and pathways, tissues and microbes, behaviours. The kind comes from the ontology
(``rdfs:subClassOf*`` cytokine production, cell, behavior) and the aspect measured.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from retinoid_ld.errors import InputError
from retinoid_ld.namespaces import OBO, RLD, curie
from retinoid_ld.plots import (
    StoreLike,
    as_store,
    deterministic_style,
    figure_format,
    iri,
    label_or_curie,
    labels_of,
    save_figure,
    select,
)

DECREASED = RLD + "Decreased"
INCREASED = RLD + "Increased"
NO_SIGNIFICANT_CHANGE = RLD + "NoSignificantChange"
ALTERED = RLD + "Altered"
HYPOTHESIZED = RLD + "Hypothesized"
WEAK_SIGNIFICANCE = {RLD + "NotSignificant", RLD + "NotAlwaysSignificant"}
# Comparisons whose direction is the drug's effect.
STATED_DRUG_EFFECT_COMPARISONS = (RLD + "TreatedVersusBaseline", RLD + "TreatedVersusUntreated")
DRUG_EFFECT_COMPARISONS = (*STATED_DRUG_EFFECT_COMPARISONS, RLD + "NoComparisonStated")

# Direction -> (legend text, colour, symbol drawn in the cell). Blue/red/grey/purple
# stay apart for the common colour-vision deficiencies; the symbol repeats the meaning.
DIRECTION_STYLE: dict[str, tuple[str, str, str]] = {
    DECREASED: ("decreased", "#2166ac", "↓"),
    INCREASED: ("increased", "#b2182b", "↑"),
    NO_SIGNIFICANT_CHANGE: ("no significant change", "#9e9e9e", "="),
    ALTERED: ("altered, direction not stated", "#762a83", "↕"),
}
DIRECTION_ORDER = (DECREASED, INCREASED, NO_SIGNIFICANT_CHANGE, ALTERED)
GAP_TEXT = "not studied (knowledge gap)"
GAP_SYMBOL = "∅"
BLANK_TEXT = "no finding"
CONFLICT_TEXT = "conflicting findings"
HYPOTHESIS_TEXT = "hypothesised (dotted)"
WEAK_TEXT = "paler: not (always) significant"

KIND_CYTOKINE = "cytokine"
KIND_CELL = "cell"
KIND_MOLECULAR = "molecular"
KIND_BEHAVIOUR = "behaviour"
KIND_TISSUE = "tissue"
KIND_ORDER = (KIND_CYTOKINE, KIND_CELL, KIND_MOLECULAR, KIND_TISSUE, KIND_BEHAVIOUR)
KIND_TITLES = {
    KIND_CYTOKINE: "Cytokines and secreted mediators",
    KIND_CELL: "Cell populations",
    KIND_MOLECULAR: "Molecules, pathways and processes",
    KIND_TISSUE: "Tissues, organs and microbes",
    KIND_BEHAVIOUR: "Behaviours and phenotypes",
}
# Aspects that say the target is a soluble mediator or a cell population.
SECRETED_ASPECTS = {RLD + "Secretion", RLD + "SerumLevel"}
CELL_ASPECTS = {RLD + "CellNumber", RLD + "Differentiation"}
BEHAVIOUR_ASPECTS = {RLD + "Behaviour"}

_FINDINGS = """
SELECT ?finding ?comparison ?drug ?target ?aspect ?direction ?significance ?status WHERE {
  ?finding a rld:DrugEffectFinding ; rld:comparison ?comparison ; rld:drug ?drug ;
           rld:target ?target ; rld:direction ?direction .
  OPTIONAL { ?finding rld:aspect ?aspect }
  OPTIONAL { ?finding rld:significance ?significance }
  OPTIONAL { ?finding rld:status ?status }
}
"""

_CONTEXTS = """
SELECT ?finding ?value WHERE {
  VALUES ?property { rld:cellType rld:sampleContext }
  ?finding a rld:DrugEffectFinding ; ?property ?value .
}
"""

_CONFLICTS = """
SELECT ?finding ?other WHERE {
  { ?finding rld:conflictsWith ?other } UNION { ?other rld:conflictsWith ?finding }
}
"""

_GAPS = """
SELECT ?gap ?drug ?target WHERE { ?gap a rld:KnowledgeGap ; rld:drug ?drug ; rld:target ?target }
"""

# What kind of thing a target is, by its place in the ontologies the store imports.
_KINDS = """
SELECT DISTINCT ?target ?kind WHERE {
  { ?statement rld:target ?target }
  { ?target rdfs:subClassOf* obo:GO_0001816 BIND("cytokine" AS ?kind) }
  UNION { ?target rdfs:subClassOf* obo:CL_0000000 BIND("cell" AS ?kind) }
  UNION { ?target rdfs:subClassOf* obo:NBO_0000313 BIND("behaviour" AS ?kind) }
  UNION { ?target rdfs:subClassOf* obo:GO_0007610 BIND("behaviour" AS ?kind) }
}
"""


@dataclass(frozen=True)
class MatrixRow:
    """One row: a target, the aspect of it that changed, and the context it was measured in."""

    kind: str
    group: str
    target: str
    aspect: str | None
    context: tuple[str, ...]
    label: str


@dataclass(frozen=True)
class Mark:
    """The findings of one direction in one cell."""

    direction: str
    findings: tuple[str, ...]
    weak: bool
    hypothesized: bool


@dataclass(frozen=True)
class MatrixCell:
    """What the store holds for one drug in one row."""

    marks: tuple[Mark, ...] = ()
    gaps: tuple[str, ...] = ()
    conflict: bool = False

    @property
    def findings(self) -> tuple[str, ...]:
        return tuple(f for mark in self.marks for f in mark.findings)

    @property
    def state(self) -> str:
        """``finding``, ``gap`` (not studied) or ``blank`` (no finding)."""
        if self.marks:
            return "finding"
        return "gap" if self.gaps else "blank"


@dataclass
class DrugEffectMatrix:
    """The heatmap's content, independent of how it is drawn."""

    drugs: list[str]
    rows: list[MatrixRow]
    cells: dict[tuple[int, str], MatrixCell]
    labels: dict[str, str] = field(default_factory=dict)
    finding_count: int = 0
    gap_count: int = 0
    includes_unstated: bool = False

    def cell(self, row: int, drug: str) -> MatrixCell:
        return self.cells.get((row, drug), MatrixCell())

    def find_rows(self, target: str) -> list[int]:
        """Indexes of the rows about ``target`` (an IRI)."""
        return [i for i, row in enumerate(self.rows) if row.target == target]


@dataclass
class _Entry:
    finding: str
    drug: str
    target: str
    aspect: str | None
    direction: str
    significance: str | None
    status: str | None


def _kind(target: str, aspect: str | None, kinds: set[str]) -> str:
    if "behaviour" in kinds or aspect in BEHAVIOUR_ASPECTS:
        return KIND_BEHAVIOUR
    if target.startswith((OBO + "NBO_", OBO + "MP_")):
        return KIND_BEHAVIOUR
    if target.startswith((OBO + "UBERON_", OBO + "NCBITaxon_")):
        return KIND_TISSUE
    if "cell" in kinds or target.startswith(OBO + "CL_") or aspect in CELL_ASPECTS:
        return KIND_CELL
    if "cytokine" in kinds or aspect in SECRETED_ASPECTS:
        return KIND_CYTOKINE
    return KIND_MOLECULAR


def _resolve_drugs(store: object, drugs: Iterable[str]) -> list[str]:
    from retinoid_ld.saved_queries import resolve_drug

    resolved: list[str] = []
    for value in drugs:
        term = str(resolve_drug(store, value))  # type: ignore[arg-type]
        if term not in resolved:
            resolved.append(term)
    if not resolved:
        raise InputError("no drugs given", hint="name at least one drug, e.g. isotretinoin")
    return resolved


def parse_drug_list(text: str | Sequence[str] | None) -> list[str] | None:
    """``"isotretinoin,acitretin"`` (or a list) to a list of names; None for all drugs."""
    if text is None:
        return None
    items = text.split(",") if isinstance(text, str) else list(text)
    names = [item.strip() for item in items if item.strip()]
    if not names:
        raise InputError("--drugs is empty", hint="give drug names separated by commas")
    return names


def drug_effect_matrix(
    *,
    store: StoreLike = None,
    drugs: Iterable[str] | None = None,
    comparisons: Iterable[str] = DRUG_EFFECT_COMPARISONS,
) -> DrugEffectMatrix:
    """Read the heatmap's rows, columns and cells from the store.

    ``drugs`` are CURIEs, labels or synonyms, resolved like saved-query parameters;
    by default every drug with a drug-effect finding or a knowledge gap, the
    best-studied first. ``comparisons`` (IRIs) are the comparisons whose findings
    count as drug effects; pass ``STATED_DRUG_EFFECT_COMPARISONS`` to leave out
    effects stated without a reference state.
    """
    oxstore = as_store(store)
    selected = _resolve_drugs(oxstore, drugs) if drugs is not None else None
    allowed = set(comparisons)

    entries = []
    for row in select(oxstore, _FINDINGS):
        finding, drug, target = iri(row, "finding"), iri(row, "drug"), iri(row, "target")
        direction = iri(row, "direction")
        if not (finding and drug and target and direction):
            continue
        if iri(row, "comparison") not in allowed:
            continue
        entries.append(
            _Entry(
                finding,
                drug,
                target,
                iri(row, "aspect"),
                direction,
                iri(row, "significance"),
                iri(row, "status"),
            )
        )
    contexts: dict[str, set[str]] = {}
    for row in select(oxstore, _CONTEXTS):
        value = iri(row, "value")
        if value:
            contexts.setdefault(iri(row, "finding") or "", set()).add(value)
    conflicting = {iri(row, "finding") for row in select(oxstore, _CONFLICTS)}
    gaps = [
        (iri(row, "gap") or "", iri(row, "drug") or "", iri(row, "target") or "")
        for row in select(oxstore, _GAPS)
    ]
    kinds: dict[str, set[str]] = {}
    for row in select(oxstore, _KINDS):
        kinds.setdefault(iri(row, "target") or "", set()).add(row["kind"].value)

    if selected is None:
        selected_drugs = {e.drug for e in entries} | {drug for _, drug, _ in gaps}
    else:
        selected_drugs = set(selected)
    entries = [e for e in entries if e.drug in selected_drugs]
    gaps = [g for g in gaps if g[1] in selected_drugs]

    names = {e.target for e in entries} | {e.drug for e in entries}
    names |= {e.aspect for e in entries if e.aspect} | {t for _, _, t in gaps}
    names |= {value for values in contexts.values() for value in values} | selected_drugs
    labels = labels_of(oxstore, names)

    if selected is None:
        # The best-studied drug first, as the sources' comparison tables put it.
        weight = {d: sum(1 for e in entries if e.drug == d) for d in selected_drugs}
        selected = sorted(
            selected_drugs, key=lambda d: (-weight[d], label_or_curie(d, labels).casefold(), d)
        )

    def context_text(context: tuple[str, ...]) -> str:
        return ", ".join(label_or_curie(c, labels) for c in context)

    def make_row(target: str, aspect: str | None, context: tuple[str, ...]) -> MatrixRow:
        kind = _kind(target, aspect, kinds.get(target, set()))
        name = label_or_curie(target, labels)
        # "behaviour" adds nothing to the name of a behaviour
        aspect_text = (
            label_or_curie(aspect, labels) if aspect not in (None, *BEHAVIOUR_ASPECTS) else ""
        )
        if kind == KIND_CYTOKINE:
            group = f"{KIND_TITLES[kind]} · {context_text(context) or 'context not stated'}"
            label = f"{name} ({aspect_text})" if aspect_text else name
        else:
            group = KIND_TITLES[kind]
            label = f"{name}: {aspect_text}" if aspect_text else name
            if context:
                label += f" ({context_text(context)})"
        return MatrixRow(kind, group, target, aspect, context, label)

    grouped: dict[tuple[str, str | None, tuple[str, ...]], list[_Entry]] = {}
    for entry in entries:
        key = (entry.target, entry.aspect, tuple(sorted(contexts.get(entry.finding, ()))))
        grouped.setdefault(key, []).append(entry)
    rows = [make_row(*key) for key in grouped]
    row_targets = {row.target for row in rows}
    for _, _, target in gaps:
        if target not in row_targets:
            rows.append(make_row(target, None, ()))
            row_targets.add(target)

    def sort_key(row: MatrixRow) -> tuple[object, ...]:
        return (
            KIND_ORDER.index(row.kind),
            # cytokines: "context not stated" after the stated contexts
            row.kind == KIND_CYTOKINE and not row.context,
            row.group.casefold(),
            row.label.casefold(),
            row.target,
            row.aspect or "",
            row.context,
        )

    rows.sort(key=sort_key)
    cells: dict[tuple[int, str], MatrixCell] = {}
    for index, row in enumerate(rows):
        for drug in selected:
            found = [
                e for e in grouped.get((row.target, row.aspect, row.context), []) if e.drug == drug
            ]
            marks = []
            for direction in sorted({e.direction for e in found}, key=_direction_rank):
                same = [e for e in found if e.direction == direction]
                marks.append(
                    Mark(
                        direction=direction,
                        findings=tuple(sorted(e.finding for e in same)),
                        weak=direction in (DECREASED, INCREASED)
                        and all(e.significance in WEAK_SIGNIFICANCE for e in same),
                        hypothesized=all(e.status == HYPOTHESIZED for e in same),
                    )
                )
            gap_ids = tuple(sorted(g for g, d, t in gaps if d == drug and t == row.target))
            if marks or gap_ids:
                cells[(index, drug)] = MatrixCell(
                    marks=tuple(marks),
                    gaps=() if marks else gap_ids,
                    conflict=any(e.finding in conflicting for e in found),
                )
    kept = [i for i, _ in enumerate(rows) if any((i, d) in cells for d in selected)]
    renumber = {old: new for new, old in enumerate(kept)}
    return DrugEffectMatrix(
        drugs=list(selected),
        rows=[rows[i] for i in kept],
        cells={(renumber[i], d): c for (i, d), c in cells.items() if i in renumber},
        labels=labels,
        finding_count=len({e.finding for e in entries}),
        gap_count=len({g for g, _, _ in gaps}),
        includes_unstated=RLD + "NoComparisonStated" in allowed,
    )


def _direction_rank(direction: str) -> tuple[int, str]:
    order = DIRECTION_ORDER.index(direction) if direction in DIRECTION_ORDER else 99
    return (order, direction)


def _pale(colour: str, amount: float = 0.55) -> str:
    """Blend a hex colour with white."""
    channels = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(c + (255 - c) * amount) for c in channels]
    return "#" + "".join(f"{c:02x}" for c in mixed)


CELL_WIDTH = 0.95  # inches
ROW_HEIGHT = 0.27  # inches
CONFLICT_MARKER = [(-1.0, 1.0), (1.0, 1.0), (1.0, -1.0), (-1.0, 1.0)]


def draw_matrix(matrix: DrugEffectMatrix) -> object:
    """A matplotlib Figure of the matrix (not saved)."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Rectangle

    lines: list[tuple[str, object]] = []
    previous_group = None
    for index, row in enumerate(matrix.rows):
        if row.group != previous_group:
            lines.append(("group", row.group))
            previous_group = row.group
        lines.append(("row", index))
    columns = max(len(matrix.drugs), 1)
    height = max(len(lines), 1)
    figure = Figure(figsize=(columns * CELL_WIDTH, height * ROW_HEIGHT))
    axes = figure.add_axes((0.0, 0.0, 1.0, 1.0))
    axes.set_xlim(0, columns)
    axes.set_ylim(height, 0)
    axes.axis("off")

    for column, drug in enumerate(matrix.drugs):
        name = "\n".join(textwrap.wrap(label_or_curie(drug, matrix.labels), 14))
        axes.text(
            column + 0.5,
            -0.25,
            f"{name}\n{curie(drug)}",
            ha="center",
            va="bottom",
            fontsize=8.5,
            fontweight="bold",
        )
    if not matrix.rows:
        axes.text(columns / 2, 0.5, "no drug-effect findings in the store", ha="center")

    for y, (what, value) in enumerate(lines):
        if what == "group":
            axes.text(
                -0.1, y + 0.72, str(value), ha="right", va="baseline", fontweight="bold", fontsize=9
            )
            axes.plot([0, columns], [y + 0.98, y + 0.98], color="#555555", linewidth=0.6)
            continue
        index = int(value)  # type: ignore[arg-type]
        row = matrix.rows[index]
        axes.text(-0.1, y + 0.5, row.label, ha="right", va="center", fontsize=8.5)
        for column, drug in enumerate(matrix.drugs):
            _draw_cell(axes, matrix.cell(index, drug), column, y, Rectangle)
    for x in range(columns + 1):
        axes.plot([x, x], [0, height], color="#d9d9d9", linewidth=0.6, zorder=0)

    _add_title(figure, axes, "Drug effects by target")
    handles = [
        Patch(facecolor=colour, edgecolor="none", label=f"{symbol}  {text}")
        for text, colour, symbol in (DIRECTION_STYLE[d] for d in DIRECTION_ORDER)
    ]
    handles += [
        Patch(facecolor=_pale(DIRECTION_STYLE[DECREASED][1]), edgecolor="none", label=WEAK_TEXT),
        Patch(facecolor="#ffffff", edgecolor="#333333", hatch=".", label=HYPOTHESIS_TEXT),
        Patch(
            facecolor="#f2f2f2",
            edgecolor="#8c8c8c",
            hatch="////",
            label=f"{GAP_SYMBOL}  {GAP_TEXT}",
        ),
        Patch(facecolor="#ffffff", edgecolor="#bdbdbd", label=f"blank: {BLANK_TEXT}"),
        Line2D(
            [],
            [],
            linestyle="none",
            marker=CONFLICT_MARKER,
            markersize=9,
            color="black",
            label=CONFLICT_TEXT,
        ),
    ]
    legend = figure.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        frameon=False,
        fontsize=8.5,
        title="Key",
        title_fontsize=9,
        alignment="left",
    )
    legend.get_title().set_fontweight("bold")
    footnote = (
        f"From {matrix.finding_count} drug-effect findings and {matrix.gap_count} knowledge "
        "gaps in the store: treated versus before treatment or untreated"
        + (", or the reference state not stated" if matrix.includes_unstated else "")
        + ". Disease baselines (untreated patients vs healthy controls) and treated patients "
        "vs healthy controls are not drug effects and are not shown."
    )
    axes.text(
        0,
        height + 0.6,
        "\n".join(textwrap.wrap(footnote, 70)),
        ha="left",
        va="top",
        fontsize=7.5,
        color="#444444",
    )
    return figure


def _add_title(figure: object, axes: object, title: str) -> None:
    """Put the title flush with the left end of the longest row label."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(figure).get_renderer()  # type: ignore[arg-type]
    lefts = [
        text.get_window_extent(renderer).x0
        for text in axes.texts  # type: ignore[attr-defined]
        if text.get_text()
    ]
    x = 0.0
    if lefts:
        x = axes.transData.inverted().transform((min(lefts), 0))[0]  # type: ignore[attr-defined]
    axes.text(x, -2.3, title, ha="left", va="bottom", fontsize=11, fontweight="bold")  # type: ignore[attr-defined]


def _draw_cell(axes: object, cell: MatrixCell, column: int, y: int, rectangle: type) -> None:
    inset = 0.04
    top, bottom = y + inset, y + 1 - inset
    if cell.state == "blank":
        return
    if cell.state == "gap":
        axes.add_patch(  # type: ignore[attr-defined]
            rectangle(
                (column + inset, top),
                1 - 2 * inset,
                bottom - top,
                facecolor="#f2f2f2",
                edgecolor="#8c8c8c",
                hatch="////",
                linewidth=0.0,
            )
        )
        axes.text(column + 0.5, y + 0.5, GAP_SYMBOL, ha="center", va="center", color="#333333")  # type: ignore[attr-defined]
        return
    width = (1 - 2 * inset) / len(cell.marks)
    for position, mark in enumerate(cell.marks):
        _text, colour, symbol = DIRECTION_STYLE.get(mark.direction, ("other", "#666666", "?"))
        face = _pale(colour) if mark.weak else colour
        left = column + inset + position * width
        axes.add_patch(  # type: ignore[attr-defined]
            rectangle(
                (left, top),
                width,
                bottom - top,
                facecolor=face,
                edgecolor="white" if mark.hypothesized else "none",
                hatch="." if mark.hypothesized else None,
                linewidth=0.0,
            )
        )
        count = f" {len(mark.findings)}" if len(mark.findings) > 1 else ""
        axes.text(  # type: ignore[attr-defined]
            left + width / 2,
            y + 0.5,
            symbol + count,
            ha="center",
            va="center",
            color="white" if not mark.weak else "#111111",
            fontsize=9,
            fontweight="bold",
        )
    if cell.conflict:
        axes.plot(  # type: ignore[attr-defined]
            [column + 1 - inset - 0.07],
            [top + 0.2],
            linestyle="none",
            marker=CONFLICT_MARKER,
            markersize=7,
            color="black",
        )


def plot_matrix(
    *,
    store: StoreLike = None,
    drugs: Iterable[str] | None = None,
    comparisons: Iterable[str] = DRUG_EFFECT_COMPARISONS,
    output: str | os.PathLike[str],
) -> Path:
    """Draw the drug-by-target heatmap from the store into ``output`` (.svg, .png or .pdf).

    ``drugs`` and ``comparisons`` are as for :func:`drug_effect_matrix`.
    """
    figure_format(output)
    matrix = drug_effect_matrix(store=store, drugs=drugs, comparisons=comparisons)
    with deterministic_style():
        figure = draw_matrix(matrix)
        return save_figure(figure, output)
