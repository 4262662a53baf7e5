"""Mechanism diagrams drawn from the causal links in the store.

A drug's diagram shows every ``rld:MechanismChain`` about the drug, about what the
body converts it into (``rld:convertedTo``, ``rld:hasActiveMetabolite``: isotretinoin's
diagram includes the chains of all-trans retinoic acid, etretinate's those of
acitretin) and about the drug classes it belongs to (a chain stated for retinoids in
general), and every chain in which the drug acts as a step's upstream entity (all-trans
retinoic acid in isotretinoin's FoxO1 chain). Steps are merged on their entities, so chains that converge (two routes to
NF-kappaB) show as one network.

Edges follow the Relation Ontology relation of each step: negative regulation
(RO:0002212 and its sub-relations, RO:0002305) is drawn as a blunt arrow (-|),
positive regulation (RO:0002213, RO:0002304) as an arrow, any other causal relation
(e.g. RO:0002411 causally upstream of) as an open arrow with its label.
Hypothesised steps are dashed. Every node carries its ontology label and CURIE.

Graphviz ``dot`` lays the diagram out when it is on PATH; otherwise a small layered
layout drawn with matplotlib is used, so the command works everywhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from retinoid_ld.errors import InputError, RetinoidError
from retinoid_ld.namespaces import OBO, RLD, curie
from retinoid_ld.plots import (
    Progress,
    StoreLike,
    as_store,
    deterministic_style,
    figure_format,
    iri,
    label_or_curie,
    labels_of,
    save_figure,
    select,
    write_atomically,
)

NEGATIVELY_REGULATES = OBO + "RO_0002212"
POSITIVELY_REGULATES = OBO + "RO_0002213"
CAUSALLY_UPSTREAM_OF = OBO + "RO_0002411"
HYPOTHESIZED = RLD + "Hypothesized"

# Roots of the polarity of a causal relation; sub-relations found in the store (RO
# import) inherit the polarity, and the well-known ones are listed for stores without RO.
NEGATIVE_ROOTS = (NEGATIVELY_REGULATES, OBO + "RO_0002305")
POSITIVE_ROOTS = (POSITIVELY_REGULATES, OBO + "RO_0002304")
KNOWN_NEGATIVE = {
    *NEGATIVE_ROOTS,
    OBO + "RO_0002409",  # indirectly negatively regulates
    OBO + "RO_0002630",  # directly negatively regulates
    OBO + "RO_0002449",  # directly negatively regulates activity of
}
KNOWN_POSITIVE = {
    *POSITIVE_ROOTS,
    OBO + "RO_0002407",  # indirectly positively regulates
    OBO + "RO_0002629",  # directly positively regulates
    OBO + "RO_0002450",  # directly positively regulates activity of
}
# Labels of the common relations, for stores without the RO import (as RO names them).
RELATION_LABELS = {
    NEGATIVELY_REGULATES: "negatively regulates",
    POSITIVELY_REGULATES: "positively regulates",
    CAUSALLY_UPSTREAM_OF: "causally upstream of",
    OBO + "RO_0002304": "causally upstream of, positive effect",
    OBO + "RO_0002305": "causally upstream of, negative effect",
}

NEGATIVE, POSITIVE, NEUTRAL, CONVERSION, MEMBERSHIP = (
    "negative",
    "positive",
    "neutral",
    "conversion",
    "membership",
)
ENGINES = ("auto", "graphviz", "matplotlib")

# Node kinds by their place in the ontologies, with a prefix fallback.
KIND_ROOTS = {
    "cell": OBO + "CL_0000000",
    "protein": OBO + "PR_000000001",
    "process": OBO + "GO_0008150",
    "chemical": OBO + "CHEBI_24431",
}
KIND_PREFIXES = {"CL_": "cell", "PR_": "protein", "GO_": "process", "CHEBI_": "chemical"}
NODE_STYLE = {  # kind -> (Graphviz shape, fill colour)
    "drug": ("box", "#fdd49e"),
    "chemical": ("box", "#fff2cc"),
    "protein": ("ellipse", "#deebf7"),
    "process": ("box", "#e5f5e0"),
    "cell": ("hexagon", "#efe3f6"),
    "other": ("ellipse", "#eeeeee"),
}

# Chains about the drug, what it is converted into or a class it belongs to
# (?via "drug"), and chains in which one of these acts as an upstream entity
# (?via "step": all-trans retinoic acid acts in isotretinoin's FoxO1 chain).
_CHAINS_FOR_DRUG = """
SELECT DISTINCT ?drug ?chain ?chainDrug ?via WHERE {
  ?drug (rld:convertedTo|rld:hasActiveMetabolite)* ?form .
  {
    ?form rdfs:subClassOf* ?chainDrug .
    ?chain a rld:MechanismChain ; rld:drug ?chainDrug .
    BIND("drug" AS ?via)
  } UNION {
    ?chain a rld:MechanismChain ; rld:step/rld:upstream ?form .
    BIND(?form AS ?chainDrug)
    BIND("step" AS ?via)
  }
}
"""

_CONVERSIONS = """
SELECT DISTINCT ?drug ?from ?to WHERE {
  ?drug (rld:convertedTo|rld:hasActiveMetabolite)* ?from .
  ?from rld:convertedTo|rld:hasActiveMetabolite ?to .
}
"""

_STEPS = """
SELECT ?chain ?step ?upstream ?relation ?downstream ?index ?stepStatus ?chainStatus WHERE {
  ?chain a rld:MechanismChain ; rld:step ?step .
  ?step rld:upstream ?upstream ; rld:causalRelation ?relation ; rld:downstream ?downstream .
  OPTIONAL { ?step rld:sequenceIndex ?index }
  OPTIONAL { ?step rld:status ?stepStatus }
  OPTIONAL { ?chain rld:status ?chainStatus }
}
"""

_POLARITY = """
SELECT DISTINCT ?relation ?root WHERE {
  VALUES ?root { obo:RO_0002212 obo:RO_0002305 obo:RO_0002213 obo:RO_0002304 }
  ?step rld:causalRelation ?relation .
  ?relation rdfs:subPropertyOf* ?root .
}
"""

_NODE_KINDS = """
SELECT DISTINCT ?node ?root WHERE {
  VALUES ?root { obo:CL_0000000 obo:PR_000000001 obo:GO_0008150 obo:CHEBI_24431 }
  { ?step rld:upstream ?node } UNION { ?step rld:downstream ?node }
  ?node rdfs:subClassOf* ?root .
}
"""

_ANY_CHAIN = "SELECT ?chain WHERE { ?chain a rld:MechanismChain } LIMIT 1"


@dataclass(frozen=True)
class MechanismEdge:
    """One drawn link: a causal step, or how the drug reaches a chain's subject."""

    upstream: str
    downstream: str
    relation: str | None
    polarity: str
    hypothesized: bool
    chains: tuple[str, ...] = ()


@dataclass
class MechanismGraph:
    """The diagram's content: nodes, edges and labels, independent of the drawing."""

    drug: str
    chains: list[str]
    nodes: list[str]
    edges: list[MechanismEdge]
    labels: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)

    def node_text(self, node: str, width: int = 24) -> str:
        """The node's label (wrapped) and CURIE, one per line."""
        name = label_or_curie(node, self.labels)
        lines = textwrap.wrap(name, width, break_on_hyphens=False) or [name]
        if curie(node) != name:
            lines.append(curie(node))
        return "\n".join(lines)

    def edge_text(self, edge: MechanismEdge) -> str:
        if edge.polarity == CONVERSION:
            return "is converted to"
        if edge.polarity == MEMBERSHIP:
            return "is a"
        assert edge.relation is not None
        return (
            self.labels.get(edge.relation)
            or RELATION_LABELS.get(edge.relation)
            or curie(edge.relation)
        )


def _polarity(relation: str, roots: dict[str, set[str]]) -> str:
    found = roots.get(relation, set())
    if relation in KNOWN_NEGATIVE or found & set(NEGATIVE_ROOTS):
        return NEGATIVE
    if relation in KNOWN_POSITIVE or found & set(POSITIVE_ROOTS):
        return POSITIVE
    return NEUTRAL


def mechanism_graph(
    drug: str, *, store: StoreLike = None, include_related: bool = True
) -> MechanismGraph:
    """Read a drug's mechanism chains from the store.

    ``drug`` is a CURIE, label or synonym (resolved like saved-query parameters).
    With ``include_related`` (default) the chains of what the drug is converted into
    and of the drug classes it belongs to are included, linked to the drug.
    """
    from retinoid_ld.saved_queries import resolve_drug

    oxstore = as_store(store)
    drug_iri = str(resolve_drug(oxstore, drug))
    return mechanism_graph_for_iri(oxstore, drug_iri, include_related=include_related)


def mechanism_graph_for_iri(
    oxstore: ox.Store, drug_iri: str, *, include_related: bool = True
) -> MechanismGraph:
    """:func:`mechanism_graph` for a drug already given as an IRI (no name resolution)."""
    bound = {"drug": ox.NamedNode(drug_iri)}
    chain_drugs: dict[str, str] = {}
    # A chain's subject: its rld:drug before an entity acting in it; the drug itself first.
    rows = sorted(
        select(oxstore, _CHAINS_FOR_DRUG, bound),
        key=lambda row: (
            row["via"].value != "drug",
            iri(row, "chainDrug") != drug_iri,
            iri(row, "chainDrug") or "",
        ),
    )
    for row in rows:
        chain, chain_drug = iri(row, "chain"), iri(row, "chainDrug")
        if chain and chain_drug and (include_related or chain_drug == drug_iri):
            chain_drugs.setdefault(chain, chain_drug)
    labels = labels_of(oxstore, [drug_iri])
    if not chain_drugs:
        any_chain = select(oxstore, _ANY_CHAIN)
        raise InputError(
            f"the store holds no mechanism chain for {label_or_curie(drug_iri, labels)} "
            f"({curie(drug_iri)})",
            hint="try another drug"
            if any_chain
            else "the store holds no rld:MechanismChain yet; curate one in data/",
        )

    steps: dict[str, list[tuple[int, str, str, str, str, bool]]] = {}
    for row in select(oxstore, _STEPS):
        chain = iri(row, "chain")
        if chain not in chain_drugs:
            continue
        upstream, relation, downstream = (
            iri(row, "upstream"),
            iri(row, "relation"),
            iri(row, "downstream"),
        )
        if not (upstream and relation and downstream):
            continue
        index_term = row.get("index")
        index = int(index_term.value) if isinstance(index_term, ox.Literal) else 0
        status = iri(row, "stepStatus") or iri(row, "chainStatus")
        steps.setdefault(chain, []).append(
            (index, iri(row, "step") or "", upstream, relation, downstream, status == HYPOTHESIZED)
        )
    roots: dict[str, set[str]] = {}
    for row in select(oxstore, _POLARITY):
        roots.setdefault(iri(row, "relation") or "", set()).add(iri(row, "root") or "")

    nodes: list[str] = [drug_iri]
    edges: dict[tuple[str, str, str | None, str], MechanismEdge] = {}

    def add_node(node: str) -> None:
        if node not in nodes:
            nodes.append(node)

    def add_edge(edge: MechanismEdge) -> None:
        key = (edge.upstream, edge.downstream, edge.relation, edge.polarity)
        if key in edges:
            old = edges[key]
            edges[key] = MechanismEdge(
                edge.upstream,
                edge.downstream,
                edge.relation,
                edge.polarity,
                old.hypothesized and edge.hypothesized,
                tuple(sorted({*old.chains, *edge.chains})),
            )
        else:
            edges[key] = edge
        add_node(edge.upstream)
        add_node(edge.downstream)

    # How the drug reaches each chain's subject: conversions, then class membership.
    conversions = [
        (iri(row, "from") or "", iri(row, "to") or "")
        for row in select(oxstore, _CONVERSIONS, bound)
    ]
    chain_subjects = set(chain_drugs.values())
    needed = _conversion_paths(drug_iri, conversions, chain_subjects)
    for source, target in sorted(needed):
        add_edge(MechanismEdge(source, target, None, CONVERSION, False))
    reachable = {drug_iri, *(t for _, t in needed)}
    # The drug's own chains first, then those of its products and classes.
    for chain in sorted(chain_drugs, key=lambda c: (chain_drugs[c] != drug_iri, c)):
        subject = chain_drugs[chain]
        if subject not in reachable:
            member = _member_form(drug_iri, conversions, subject, oxstore)
            add_edge(MechanismEdge(member, subject, None, MEMBERSHIP, False))
        for _, _, upstream, relation, downstream, hypothesized in sorted(
            steps.get(chain, []), key=lambda s: (s[0], s[1])
        ):
            add_edge(
                MechanismEdge(
                    upstream,
                    downstream,
                    relation,
                    _polarity(relation, roots),
                    hypothesized,
                    (chain,),
                )
            )

    edge_list = list(edges.values())
    relations = {e.relation for e in edge_list if e.relation}
    labels = labels_of(oxstore, [*nodes, *relations, *chain_drugs])
    kinds = _node_kinds(oxstore, nodes, drug_iri, conversions)
    return MechanismGraph(
        drug=drug_iri,
        chains=sorted(chain_drugs),
        nodes=nodes,
        edges=edge_list,
        labels=labels,
        kinds=kinds,
    )


def _conversion_paths(
    drug: str, conversions: list[tuple[str, str]], subjects: set[str]
) -> set[tuple[str, str]]:
    """The conversion links on a path from the drug to a chain's subject."""
    needed: set[tuple[str, str]] = set()
    parents: dict[str, tuple[str, str]] = {}
    frontier, seen = [drug], {drug}
    while frontier:
        current = frontier.pop(0)
        for source, target in sorted(conversions):
            if source == current and target not in seen:
                seen.add(target)
                parents[target] = (source, target)
                frontier.append(target)
    for subject in subjects:
        node = subject
        while node in parents:
            needed.add(parents[node])
            node = parents[node][0]
    return needed


def _member_form(
    drug: str, conversions: list[tuple[str, str]], drug_class: str, store: ox.Store
) -> str:
    """Which form of the drug (itself or a product) belongs to ``drug_class``."""
    forms = [drug, *sorted({t for _, t in conversions})]
    query = "SELECT ?form ?class WHERE { ?form rdfs:subClassOf* ?class }"
    for form in forms:
        rows = select(store, query, {"form": ox.NamedNode(form), "class": ox.NamedNode(drug_class)})
        if rows:
            return form
    return drug


def _node_kinds(
    store: ox.Store, nodes: Iterable[str], drug: str, conversions: list[tuple[str, str]]
) -> dict[str, str]:
    by_root = {root: kind for kind, root in KIND_ROOTS.items()}
    found: dict[str, set[str]] = {}
    for row in select(store, _NODE_KINDS):
        found.setdefault(iri(row, "node") or "", set()).add(by_root.get(iri(row, "root") or "", ""))
    drugs = {drug, *(t for _, t in conversions)}
    kinds = {}
    for node in nodes:
        if node in drugs:
            kinds[node] = "drug"
            continue
        kind = next(
            (k for k in ("cell", "protein", "process", "chemical") if k in found.get(node, ())),
            None,
        )
        if kind is None:
            local = node[len(OBO) :] if node.startswith(OBO) else ""
            kind = next((k for p, k in KIND_PREFIXES.items() if local.startswith(p)), "other")
        kinds[node] = kind
    return kinds


# --------------------------------------------------------------------------- drawing


def graphviz_dot() -> str | None:
    """The path of Graphviz ``dot``, or None when it is not on PATH."""
    return shutil.which("dot")


def _dot_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(graph: MechanismGraph) -> str:
    """The diagram in the Graphviz DOT language (deterministic)."""
    ids = {node: f"n{index}" for index, node in enumerate(graph.nodes)}
    title = f"Mechanisms of {label_or_curie(graph.drug, graph.labels)} ({curie(graph.drug)})"
    lines = [
        "digraph mechanism {",
        f'  graph [rankdir=TB, fontname="DejaVu Sans", fontsize=11, labelloc=t, '
        f"label={_dot_string(title)}, nodesep=0.4, ranksep=0.55, bgcolor=white, pad=0.2];",
        '  node [fontname="DejaVu Sans", fontsize=10, style="rounded,filled", color="#4d4d4d"];',
        '  edge [fontname="DejaVu Sans", fontsize=8, color="#333333", fontcolor="#333333"];',
    ]
    for node in graph.nodes:
        kind = graph.kinds.get(node, "other")
        shape, fill = NODE_STYLE[kind]
        style = "rounded,filled,bold" if kind == "drug" else "rounded,filled"
        lines.append(
            f"  {ids[node]} [label={_dot_string(graph.node_text(node))}, shape={shape}, "
            f'fillcolor="{fill}", style="{style}", tooltip={_dot_string(node)}];'
        )
    for edge in graph.edges:
        attributes = {
            NEGATIVE: 'arrowhead=tee, color="#b2182b", fontcolor="#b2182b"',
            POSITIVE: 'arrowhead=normal, color="#1a7837", fontcolor="#1a7837"',
            NEUTRAL: "arrowhead=vee",
            CONVERSION: 'arrowhead=vee, color="#8c8c8c", fontcolor="#6b6b6b"',
            MEMBERSHIP: 'arrowhead=empty, color="#8c8c8c", fontcolor="#6b6b6b"',
        }[edge.polarity]
        style = "dotted" if edge.polarity in (CONVERSION, MEMBERSHIP) else "solid"
        if edge.hypothesized:
            style = "dashed"
        lines.append(
            f"  {ids[edge.upstream]} -> {ids[edge.downstream]} "
            f"[label={_dot_string(' ' + graph.edge_text(edge) + ' ')}, {attributes}, "
            f"style={style}, penwidth=1.4];"
        )
    lines.append(
        f"  key [shape=plaintext, style=solid, fontsize=8, label={_dot_string(_wrapped_key())}];"
    )
    lines.append("  { rank=sink; key; }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _wrapped_key() -> str:
    return "\n".join(
        [
            "→ positively regulates   ⊣ negatively regulates",
            "open arrow: other causal relation   dashed: hypothesised",
            "dotted grey: how the drug reaches a chain",
        ]
    )


def _render_graphviz(graph: MechanismGraph, output: Path, dot: str) -> Path:
    fmt = figure_format(output)
    source = to_dot(graph)

    def write(path: Path) -> None:
        try:
            completed = subprocess.run(
                [dot, f"-T{fmt}", "-o", str(path)],
                input=source.encode("utf-8"),
                capture_output=True,
                timeout=120,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise RetinoidError(f"Graphviz dot failed to run: {error}") from error
        if completed.returncode != 0:
            raise RetinoidError(
                f"Graphviz dot failed: {completed.stderr.decode(errors='replace').strip()}",
                hint="rerun with --engine matplotlib",
            )

    return write_atomically(output, write)


@dataclass
class Layout:
    """Where the fallback drawing puts things: nodes and the bends of long edges."""

    nodes: dict[str, tuple[float, int]]  # node -> (position in its layer, layer)
    bends: dict[int, list[tuple[float, int]]]  # edge index -> points it passes through


def layered_layout(graph: MechanismGraph) -> Layout:
    """A small Sugiyama-style layered layout, top to bottom.

    Edges closing a cycle are set aside; a node's layer is the length of the longest
    path reaching it; an edge spanning several layers passes through a placeholder
    in each layer between, so it never runs through a node; each layer is ordered
    by the mean position of what points into it.
    """
    successors: dict[str, list[str]] = {n: [] for n in graph.nodes}
    for edge in graph.edges:
        successors[edge.upstream].append(edge.downstream)
    back_edges: set[tuple[str, str]] = set()
    state: dict[str, int] = {}

    def explore(node: str) -> None:
        state[node] = 1
        for following in successors[node]:
            if state.get(following) == 1:
                back_edges.add((node, following))
            elif following not in state:
                explore(following)
        state[node] = 2

    incoming = {e.downstream for e in graph.edges}
    for node in sorted(graph.nodes, key=lambda n: n in incoming):
        if node not in state:
            explore(node)
    forward = [
        index
        for index, e in enumerate(graph.edges)
        if (e.upstream, e.downstream) not in back_edges and e.upstream != e.downstream
    ]
    layer = {n: 0 for n in graph.nodes}
    for _ in graph.nodes:  # relax until stable: at most one round per node on a DAG
        changed = False
        for index in forward:
            edge = graph.edges[index]
            if layer[edge.downstream] < layer[edge.upstream] + 1:
                layer[edge.downstream] = layer[edge.upstream] + 1
                changed = True
        if not changed:
            break

    # Placeholders for long edges, and who points into each item of a layer.
    items: dict[int, list[str]] = {}
    item_layer: dict[str, int] = {}
    parents: dict[str, list[str]] = {}
    for node in graph.nodes:
        items.setdefault(layer[node], []).append(node)
        item_layer[node] = layer[node]
    placeholders: dict[int, list[str]] = {}
    for index in forward:
        edge = graph.edges[index]
        previous = edge.upstream
        chain = []
        for depth in range(layer[edge.upstream] + 1, layer[edge.downstream]):
            name = f"\0{index}:{depth}"
            items.setdefault(depth, []).append(name)
            item_layer[name] = depth
            parents.setdefault(name, []).append(previous)
            chain.append(name)
            previous = name
        parents.setdefault(edge.downstream, []).append(previous)
        placeholders[index] = chain

    position: dict[str, float] = {}
    order = {name: i for i, name in enumerate(graph.nodes)}
    for depth in sorted(items):
        members = items[depth]

        def centre(item: str) -> float:
            before = [position[p] for p in parents.get(item, []) if p in position]
            return sum(before) / len(before) if before else 0.0

        members.sort(key=lambda item: (centre(item), order.get(item, len(order)), item))
        offset = (len(members) - 1) / 2
        for index, item in enumerate(members):
            position[item] = index - offset
    return Layout(
        nodes={node: (position[node], layer[node]) for node in graph.nodes},
        bends={
            index: [(position[name], item_layer[name]) for name in chain]
            for index, chain in placeholders.items()
        },
    )


def draw_mechanism(graph: MechanismGraph) -> object:
    """A matplotlib Figure of the diagram, laid out without Graphviz."""
    from matplotlib.figure import Figure
    from matplotlib.patches import ArrowStyle, FancyArrowPatch, FancyBboxPatch
    from matplotlib.path import Path as GraphicsPath

    layout = layered_layout(graph)
    x_gap, y_gap = 2.7, 1.35
    points = [*layout.nodes.values(), *(p for bend in layout.bends.values() for p in bend)]
    xs = [x for x, _ in points] or [0.0]
    depth = max((d for _, d in points), default=0)
    left, right = min(xs) * x_gap - 1.5, max(xs) * x_gap + 1.5
    figure = Figure(figsize=(max(3.5, right - left), (depth + 1) * y_gap + 1.4))
    axes = figure.add_axes((0.0, 0.0, 1.0, 1.0))
    axes.set_xlim(left, right)
    axes.set_ylim(-(depth + 0.75) * y_gap, 0.95)
    axes.axis("off")
    middle = (left + right) / 2
    title = f"Mechanisms of {label_or_curie(graph.drug, graph.labels)} ({curie(graph.drug)})"
    axes.text(middle, 0.85, title, ha="center", va="top", fontsize=11, fontweight="bold")

    half_heights: dict[str, float] = {}
    for node, (x, layer) in layout.nodes.items():
        kind = graph.kinds.get(node, "other")
        text = graph.node_text(node, width=22)
        lines = text.split("\n")
        box_w = max(len(line) for line in lines) * 0.075 + 0.3
        box_h = len(lines) * 0.17 + 0.16
        half_heights[node] = box_h / 2 + 0.03
        cx, cy = x * x_gap, -layer * y_gap
        axes.add_patch(
            FancyBboxPatch(
                (cx - box_w / 2, cy - box_h / 2),
                box_w,
                box_h,
                boxstyle="round,pad=0.02,rounding_size=0.12",
                facecolor=NODE_STYLE[kind][1],
                edgecolor="#4d4d4d",
                linewidth=1.6 if kind == "drug" else 0.9,
                zorder=2,
            )
        )
        axes.text(cx, cy, text, ha="center", va="center", fontsize=8.5, zorder=3)

    for index, edge in enumerate(graph.edges):
        colour = {NEGATIVE: "#b2182b", POSITIVE: "#1a7837"}.get(edge.polarity, "#555555")
        if edge.polarity == NEGATIVE:
            style = ArrowStyle("-[", widthB=7.0, lengthB=0.0)
        elif edge.polarity == POSITIVE:
            style = ArrowStyle("-|>", head_length=7, head_width=3.5)
        else:
            style = ArrowStyle("->", head_length=7, head_width=3.5)
        linestyle = "dashed" if edge.hypothesized else "solid"
        if edge.polarity in (CONVERSION, MEMBERSHIP):
            linestyle = "dotted"
        (x1, l1), (x2, l2) = layout.nodes[edge.upstream], layout.nodes[edge.downstream]
        start = (x1 * x_gap, -l1 * y_gap)
        end = (x2 * x_gap, -l2 * y_gap)
        if index in layout.bends:  # downward: leave at the bottom, arrive at the top
            route = [
                (start[0], start[1] - half_heights[edge.upstream]),
                *((x * x_gap, -layer * y_gap) for x, layer in layout.bends[index]),
                (end[0], end[1] + half_heights[edge.downstream]),
            ]
            arrow = FancyArrowPatch(
                path=GraphicsPath(route),
                arrowstyle=style,
                mutation_scale=1.0,
                color=colour,
                linewidth=1.4,
                linestyle=linestyle,
                zorder=1,
            )
            first, second = route[(len(route) - 1) // 2], route[(len(route) - 1) // 2 + 1]
        else:  # a link back up or within a layer: curve beside the nodes
            arrow = FancyArrowPatch(
                posA=(start[0] + 0.4, start[1]),
                posB=(end[0] + 0.4, end[1]),
                arrowstyle=style,
                connectionstyle="arc3,rad=-0.5",
                mutation_scale=1.0,
                color=colour,
                linewidth=1.4,
                linestyle=linestyle,
                zorder=1,
            )
            first, second = (start[0] + 0.9, start[1]), (end[0] + 0.9, end[1])
        axes.add_patch(arrow)
        axes.text(
            (first[0] + second[0]) / 2,
            (first[1] + second[1]) / 2,
            graph.edge_text(edge),
            ha="center",
            va="center",
            fontsize=7,
            color=colour,
            zorder=4,
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"},
        )
    axes.text(
        middle,
        -(depth + 0.45) * y_gap,
        _wrapped_key() + "\n(laid out without Graphviz)",
        ha="center",
        va="top",
        fontsize=7.5,
        color="#444444",
    )
    return figure


def resolve_engine(engine: str = "auto") -> str:
    """``graphviz`` or ``matplotlib``: what ``engine`` means on this machine."""
    if engine not in ENGINES:
        raise InputError(
            f"unknown layout engine {engine!r}", hint=f"use one of {', '.join(ENGINES)}"
        )
    if engine == "auto":
        return "graphviz" if graphviz_dot() else "matplotlib"
    if engine == "graphviz" and not graphviz_dot():
        raise InputError(
            "Graphviz 'dot' is not on PATH",
            hint="install Graphviz (Debian: apt-get install graphviz) or use --engine matplotlib",
        )
    return engine


def render_mechanism(
    graph: MechanismGraph,
    *,
    output: str | os.PathLike[str],
    engine: str = "auto",
    progress: Progress | None = None,
) -> Path:
    """Draw an already-read diagram into ``output`` (.svg, .png or .pdf)."""
    figure_format(output)
    chosen = resolve_engine(engine)
    say = progress or (lambda message: None)
    if chosen == "graphviz":
        dot = graphviz_dot()
        assert dot is not None
        say(f"mechanism diagram laid out by Graphviz ({dot})")
        return _render_graphviz(graph, Path(output), dot)
    say(
        "mechanism diagram laid out by the built-in matplotlib layout"
        + (" (Graphviz 'dot' is not on PATH)" if engine == "auto" else "")
    )
    with deterministic_style():
        return save_figure(draw_mechanism(graph), output)


def plot_mechanism(
    drug: str,
    *,
    store: StoreLike = None,
    output: str | os.PathLike[str],
    engine: str = "auto",
    include_related: bool = True,
    progress: Progress | None = None,
) -> Path:
    """Draw ``drug``'s mechanism chains from the store into ``output`` (.svg, .png or .pdf).

    ``engine`` is ``auto`` (Graphviz when ``dot`` is on PATH, else matplotlib),
    ``graphviz`` or ``matplotlib``; ``progress`` is told which was used.
    """
    figure_format(output)
    resolve_engine(engine)
    graph = mechanism_graph(drug, store=store, include_related=include_related)
    return render_mechanism(graph, output=output, engine=engine, progress=progress)
