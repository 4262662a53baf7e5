"""``retinoid-ld plot``: the comparison heatmap and the mechanism diagrams."""

from __future__ import annotations

import argparse
import re

from retinoid_ld.commands.common import add_common, add_store, log


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "plot",
        help="draw the drug-by-target heatmap or a drug's mechanism diagram",
        description="Draw pictures from the store (SVG, PNG or PDF, by the output's suffix).\n\n"
        "examples:\n"
        "  retinoid-ld plot matrix -o matrix.svg\n"
        "  retinoid-ld plot matrix --drugs isotretinoin,acitretin -o matrix.png\n"
        "  retinoid-ld plot mechanism isotretinoin -o isotretinoin.svg",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common(parser)
    kinds = parser.add_subparsers(dest="picture", metavar="PICTURE", required=True)

    matrix = kinds.add_parser(
        "matrix",
        help="heatmap of targets by drug, coloured by direction",
        description="Heatmap of targets (rows, grouped by kind and sample context) by drug\n"
        "(columns): decreased, increased, no significant change; knowledge gaps ('not\n"
        "studied') hatched, distinct from blank cells (no finding); conflicting findings\n"
        "marked. Only drug effects are drawn: treated vs before treatment or untreated, and\n"
        "(unless --stated-comparisons-only) effects stated without a reference state; never\n"
        "disease baselines.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common(matrix)
    matrix.add_argument(
        "--drugs",
        metavar="LIST",
        help="comma-separated drugs as CURIEs, labels or synonyms (default: every drug)",
    )
    matrix.add_argument(
        "--stated-comparisons-only",
        action="store_true",
        help="leave out drug effects whose source names no reference state",
    )
    matrix.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        default="drug-effect-matrix.svg",
        help="output file, .svg, .png or .pdf (default: drug-effect-matrix.svg)",
    )
    add_store(matrix)
    matrix.set_defaults(handler=run_matrix)

    mechanism = kinds.add_parser(
        "mechanism",
        help="a drug's mechanism chains as a causal diagram",
        description="Draw the drug's mechanism chains from the causal steps in the store:\n"
        "-| negatively regulates, -> positively regulates, dashed = hypothesised. Chains\n"
        "of what the drug is converted into are included (see --only-own). Laid out by\n"
        "Graphviz 'dot' when it is on PATH, else by a built-in matplotlib layout.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common(mechanism)
    mechanism.add_argument("drug", help="the drug: a CURIE (CHEBI:6067), a label or a synonym")
    mechanism.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="output file, .svg, .png or .pdf (default: mechanism-DRUG.svg)",
    )
    mechanism.add_argument(
        "--engine",
        choices=("auto", "graphviz", "matplotlib"),
        default="auto",
        help="layout engine (default: auto = Graphviz if installed)",
    )
    mechanism.add_argument(
        "--only-own",
        action="store_true",
        help="leave out the chains of the drug's metabolites and drug classes",
    )
    add_store(mechanism)
    mechanism.set_defaults(handler=run_mechanism)


def run_matrix(args: argparse.Namespace) -> int:
    from retinoid_ld.plot_matrix import (
        DRUG_EFFECT_COMPARISONS,
        STATED_DRUG_EFFECT_COMPARISONS,
        parse_drug_list,
        plot_matrix,
    )

    comparisons = (
        STATED_DRUG_EFFECT_COMPARISONS if args.stated_comparisons_only else DRUG_EFFECT_COMPARISONS
    )
    path = plot_matrix(
        store=args.store,
        drugs=parse_drug_list(args.drugs),
        comparisons=comparisons,
        output=args.output,
    )
    print(path)
    return 0


def run_mechanism(args: argparse.Namespace) -> int:
    from retinoid_ld.plot_mechanism import plot_mechanism

    output = args.output or f"mechanism-{_file_slug(args.drug)}.svg"
    path = plot_mechanism(
        args.drug,
        store=args.store,
        output=output,
        engine=args.engine,
        include_related=not args.only_own,
        progress=log,
    )
    print(path)
    return 0


def _file_slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "drug"
