"""``retinoid-ld validate``: check data against the SHACL shapes."""

from __future__ import annotations

import argparse
import json
import sys

from retinoid_ld.commands.common import new_command
from retinoid_ld.errors import EXIT_NONCONFORMING
from retinoid_ld.validation import ValidationReport, validate


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = new_command(
        subparsers,
        "validate",
        "validate data files against the SHACL shapes",
        "Validate the shipped data, or the given files (Turtle, N-Triples, JSON-LD), together with\n"
        "the ontology and import modules. Exit 0 conforms (warnings shown), 1 violations,\n"
        "2 the input or the shapes cannot be read.",
    )
    parser.add_argument(
        "files", nargs="*", metavar="FILE", help="data files (default: the shipped data)"
    )
    parser.add_argument("--format", choices=("text", "json", "turtle"), default="text")
    parser.set_defaults(handler=run)


def print_report(report: ValidationReport, fmt: str) -> None:
    if fmt == "turtle":
        if report.graph is not None:
            sys.stdout.write(report.graph.serialize(format="turtle"))
        return
    if fmt == "json":
        payload = {
            "conforms": report.conforms,
            "violations": report.violation_count,
            "warnings": report.warning_count,
            "results": [r.__dict__ for r in report.results],
        }
        sys.stdout.write(json.dumps(payload, indent=1) + "\n")
        return
    by_focus: dict[str, list] = {}
    for result in report.results:
        by_focus.setdefault(result.focus, []).append(result)
    for focus, results in by_focus.items():
        print(f"{focus}:", file=sys.stderr)
        for r in results:
            where = f" [{r.source}]" if r.source else ""
            value = f" (value: {r.value})" if r.value else ""
            print(f"  {r.severity}: {r.path}: {r.message}{value}{where}", file=sys.stderr)
    status = "conforms" if report.conforms else "does not conform"
    print(
        f"{status}: {report.violation_count} violations, {report.warning_count} warnings",
        file=sys.stderr,
    )


def run(args: argparse.Namespace) -> int:
    report = validate(args.files or None)
    print_report(report, args.format)
    return 0 if report.conforms else EXIT_NONCONFORMING
