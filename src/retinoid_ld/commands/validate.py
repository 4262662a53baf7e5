"""``retinoid-ld validate``: check data against the SHACL shapes."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from typing import TextIO

from retinoid_ld.commands.common import new_command
from retinoid_ld.errors import EXIT_NONCONFORMING, EXIT_OK
from retinoid_ld.progress import step
from retinoid_ld.validation import DEFAULT_ENGINE, ENGINES, ValidationReport, validate

DESCRIPTION = """\
Validate the shipped data, or the given data files (Turtle, N-Triples, JSON-LD), together
with the ontology and its import modules, against the SHACL shapes in shapes/.

The report is grouped by node (finding, study, ...), each with the file and line where
it is written, and says in plain words what is wrong, on which property, with which
value, and how to fix it. Severities: Violation (breaks the contract; the data is
refused), Warning (probably incomplete) and Info (worth knowing, such as a source that
states no significance).

engines:
  sparql   the shapes compiled to SPARQL and run by Oxigraph (default; fast)
  pyshacl  pySHACL, the reference implementation (slow; same results)

exit codes:
  0  the data conforms (warnings and infos may be shown)
  1  at least one violation
  2  a data file or the shapes cannot be read (with file, line and column)"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = new_command(
        subparsers, "validate", "validate data files against the SHACL shapes", DESCRIPTION
    )
    parser.add_argument(
        "files", nargs="*", metavar="FILE", help="data files (default: the shipped data)"
    )
    parser.add_argument(
        "--format",
        choices=("text", "json", "turtle"),
        default="text",
        help="text (grouped, for people; default), json, or turtle (the standard SHACL "
        "validation report)",
    )
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default=DEFAULT_ENGINE,
        help=f"validation engine (default: {DEFAULT_ENGINE})",
    )
    parser.add_argument(
        "--severity",
        choices=("violation", "warning", "info"),
        default="info",
        help="list results of at least this severity in the text report (default: info, "
        "all); the summary always counts all",
    )
    parser.add_argument(
        "--shapes",
        action="append",
        metavar="FILE",
        help="a shapes file, instead of shapes/*.ttl (repeat for several)",
    )
    parser.set_defaults(handler=run)


SEVERITY_ORDER = {"violation": 0, "warning": 1, "info": 2}


def format_text(report: ValidationReport, severity: str = "info") -> str:
    """The report for people: one block per node, in file and line order."""
    lines: list[str] = []
    labels = report.labels
    shown = SEVERITY_ORDER[severity]
    groups: dict[str, list] = {}
    for result in report.results:
        if SEVERITY_ORDER.get(result.severity.lower(), 0) <= shown:
            groups.setdefault(result.focus, []).append(result)
    for focus, results in groups.items():
        first = results[0]
        where = f"{first.source}: " if first.source else ""
        label = f'  "{labels[focus]}"' if focus in labels else ""
        lines.append(f"{where}{focus}{label}")
        for result in results:
            prop = ""
            if result.path:
                prop = f"{result.name} ({result.path})" if result.name else result.path
            value = ""
            if result.value and result.value != result.focus:
                value_label = f' "{labels[result.value]}"' if result.value in labels else ""
                value = f" = {result.value}{value_label}"
            heading = " ".join(part for part in (prop + value,) if part)
            lines.append(f"  {result.severity:<9} {heading}".rstrip())
            lines.append(f"            {result.message}")
            if result.hint:
                lines.append(f"            note: {result.hint}")
        lines.append("")
    status = "conforms" if report.conforms else "does not conform"
    nodes = len(report.by_focus())
    lines.append(
        f"{status}: {report.violation_count} violations, {report.warning_count} warnings, "
        f"{report.info_count} infos"
        + (f" on {nodes} nodes" if nodes else "")
        + f" (engine: {report.engine}, {report.seconds:.2f} s)"
    )
    return "\n".join(lines) + "\n"


def format_json(report: ValidationReport) -> str:
    payload = {
        "conforms": report.conforms,
        "engine": report.engine,
        "violations": report.violation_count,
        "warnings": report.warning_count,
        "infos": report.info_count,
        "results": [
            {
                **dataclasses.asdict(r),
                "focus_label": report.labels.get(r.focus, ""),
                "value_label": report.labels.get(r.value, ""),
            }
            for r in report.results
        ],
    }
    return json.dumps(payload, indent=1, ensure_ascii=False) + "\n"


def format_turtle(report: ValidationReport) -> str:
    if report.graph is None:
        return ""
    return report.graph.serialize(format="turtle")


def print_report(
    report: ValidationReport, fmt: str, *, stream: TextIO | None = None, severity: str = "info"
) -> None:
    """Write the report; by default to stderr (as ``build`` does when it refuses data)."""
    out = stream if stream is not None else sys.stderr
    if fmt == "text":
        out.write(format_text(report, severity))
    else:
        out.write({"json": format_json, "turtle": format_turtle}[fmt](report))


def run(args: argparse.Namespace) -> int:
    with step("validate", "checking the data against the shapes"):
        report = validate(args.files or None, engine=args.engine, shapes=args.shapes)
    print_report(report, args.format, stream=sys.stdout, severity=args.severity)
    return EXIT_OK if report.conforms else EXIT_NONCONFORMING
