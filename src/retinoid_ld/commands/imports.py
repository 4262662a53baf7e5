"""``retinoid-ld imports refresh|check``: regenerate or check the ODK-style import modules."""

from __future__ import annotations

import argparse
from pathlib import Path

from retinoid_ld.commands.common import log, new_command
from retinoid_ld.errors import EXIT_NONCONFORMING, InputError
from retinoid_ld.imports import (
    ENV_TERM_TABLES,
    TermTables,
    check_imports,
    plan_imports,
    write_imports,
)

DESCRIPTION = """Import modules (ontology/imports/<name>_import.ttl) are generated from the term
lists ontology/imports/<name>_terms.txt, the verified rows of
ontology/imports/supplementary_parents.tsv and the term sources: the OBO term tables
(<prefix>.tsv.gz) in --term-tables DIR (default: ${env}, else ../shared/ontology-terms),
or per prefix an OBO or OWL/RDF file given with --source PREFIX=FILE.

  refresh  regenerate and write every module
  check    say whether the committed modules are what refresh would write (exit 1 if not)
""".replace("{env}", ENV_TERM_TABLES)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = new_command(
        subparsers, "imports", "regenerate or check the ontology import modules", DESCRIPTION
    )
    actions = parser.add_subparsers(dest="imports_action", metavar="ACTION", required=True)
    for name, help_text in (
        ("refresh", "regenerate the import modules from the term lists"),
        ("check", "check that the committed import modules are up to date (exit 1 if not)"),
    ):
        action = actions.add_parser(name, help=help_text, description=help_text)
        action.add_argument("--debug", action="store_true", help="show a traceback on error")
        action.add_argument(
            "--term-tables",
            metavar="DIR",
            type=Path,
            help=f"directory of <prefix>.tsv.gz term tables (default: ${ENV_TERM_TABLES} "
            "or ../shared/ontology-terms)",
        )
        action.add_argument(
            "--source",
            metavar="PREFIX=FILE",
            action="append",
            default=[],
            help="use FILE (.obo, .owl/.rdf/.ttl/.nt, or a .tsv/.tsv.gz table) for PREFIX; repeatable",
        )
        action.add_argument(
            "--imports-dir",
            metavar="DIR",
            type=Path,
            help="folder of term lists and modules (default: the project's ontology/imports)",
        )
        action.set_defaults(handler=run)


def _sources(specs: list[str]) -> dict[str, Path]:
    sources = {}
    for spec in specs:
        prefix, sep, file = spec.partition("=")
        if not sep or not prefix.strip() or not file.strip():
            raise InputError(
                f"--source {spec!r}: expected PREFIX=FILE", hint="for example --source CL=cl.obo"
            )
        sources[prefix.strip()] = Path(file.strip())
    return sources


def run(args: argparse.Namespace) -> int:
    tables = TermTables(args.term_tables, sources=_sources(args.source))
    if args.imports_action == "refresh":
        plan = plan_imports(imports_dir=args.imports_dir, tables=tables)
        for warning in plan.warnings:
            log(f"note: {warning}")
        for path in write_imports(plan, imports_dir=args.imports_dir):
            log(f"wrote {path}")
        return 0
    differences = check_imports(imports_dir=args.imports_dir, tables=tables)
    if not differences:
        print("import modules are up to date")
        return 0
    for difference in differences:
        advice = {
            "stale": "differs from what its term list generates",
            "missing": "is not there although its term list is",
            "orphan": "has no term list",
            "not imported": f"is not in the edit file's owl:imports (add {difference.diff})",
            "unknown import": f"imports {difference.diff}, which no term list generates",
        }[difference.status]
        print(f"{difference.path}: {advice}")
        if difference.diff and difference.status == "stale":
            print(difference.diff.rstrip())
    if any(d.status in ("stale", "missing", "orphan") for d in differences):
        log("run 'retinoid-ld imports refresh' and commit the generated files")
    if any(d.status in ("not imported", "unknown import") for d in differences):
        log("make the owl:imports of ontology/retinoid-ld-edit.ttl list exactly the modules")
    return EXIT_NONCONFORMING
