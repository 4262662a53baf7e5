"""Verify every OBO identifier the project uses against the OBO term tables.

An OBO identifier is *used* wherever a project file names it: as an OBO PURL
(``http://purl.obolibrary.org/obo/GO_0032635``), as ``obo:GO_0032635`` in Turtle or
SPARQL, or as a CURIE (``GO:0032635``) in term lists, mappings, query headers, prose
and code. Each use must pass every rule:

``exists``
    the id is in the term table of its prefix (a *complete* table);
``unverified``
    the id is in the table of its prefix, when that table is *partial*: absence from a
    partial table proves nothing, so the project must not use the id (mint instead);
``obsolete``
    the id is not obsolete;
``label``
    where the file states a label for it (``rdfs:label`` in RDF, ``# label`` in a term
    list, a label column in a TSV), that label is the term's label;
``has-table``
    its prefix has a term table at all (IAO, UO have none), except inside an SSSOM
    row that records a missing mapping.

Test fixtures are not project files and are not scanned. Messages say which file and
line, which id, and what to do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from retinoid_ld import resources
from retinoid_ld.imports import TermTables, obo_curie

RULES = ("exists", "unverified", "obsolete", "label", "has-table")

# Prefixes spelled as CURIEs in prose and code: those with term tables and the other
# OBO Foundry prefixes a curator is likely to type (whose use must fail: no table).
KNOWN_PREFIXES = (
    "BFO",
    "CHEBI",
    "CL",
    "COB",
    "DOID",
    "ECO",
    "EFO",
    "ENVO",
    "GO",
    "HP",
    "IAO",
    "MONDO",
    "MP",
    "NBO",
    "NCBITaxon",
    "NCIT",
    "OBI",
    "OGMS",
    "PATO",
    "PO",
    "PR",
    "RO",
    "SO",
    "STATO",
    "UBERON",
    "UO",
    "UPHENO",
)
# An OBO local id has a digit; placeholders such as obo:PREFIX_NUMBER in prose have none.
_LOCAL = r"[A-Za-z0-9]*[0-9][A-Za-z0-9]*"
PURL = re.compile(
    r"http://purl\.obolibrary\.org/obo/([A-Za-z][A-Za-z0-9]*_" + _LOCAL + r")(?![\w])"
)
OBO_PREFIXED = re.compile(r"(?<![\w/#])obo:([A-Za-z][A-Za-z0-9]*_" + _LOCAL + r")(?![\w])")
CURIE = re.compile(r"(?<![\w/#:.-])(" + "|".join(KNOWN_PREFIXES) + r"):([0-9]+)(?![\w])")
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SSSOM_NO_TERM = "sssom:NoTermFound"

TEXT_SUFFIXES = (".rq", ".py", ".md", ".txt", ".tsv", ".xml")
RDF_SUFFIXES = (".ttl", ".nt", ".jsonld", ".owl", ".rdf")


@dataclass(frozen=True)
class CurieUse:
    """One place a file names an OBO id, with the label the file states for it there."""

    curie: str
    path: Path
    line: int
    stated_label: str | None = None
    missing_mapping_row: bool = False


@dataclass(frozen=True)
class CurieProblem:
    """A use that breaks a rule, with a message saying how to fix it."""

    rule: str
    curie: str
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def project_files(root: Path | None = None) -> list[Path]:
    """Every file of the project that can name an OBO id; test fixtures are left out."""
    base = root or resources.resource_root()
    patterns = (
        "ontology/**/*",
        "data/**/*",
        "shapes/**/*",
        "queries/**/*",
        "src/**/*.py",
        "benchmarks/**/*.py",
        "*.md",
    )
    files: set[Path] = set()
    for pattern in patterns:
        for path in base.glob(pattern):
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            if path.name.startswith(".") or path.suffix.lower() not in (
                *TEXT_SUFFIXES,
                *RDF_SUFFIXES,
            ):
                continue
            files.add(path)
    return sorted(files)


def _text_uses(path: Path, text: str) -> list[CurieUse]:
    uses = []
    for number, line in enumerate(text.splitlines(), start=1):
        for match in PURL.finditer(line):
            uses.append(CurieUse(obo_curie(match.group(0)) or "", path, number))
        for match in OBO_PREFIXED.finditer(line):
            local = match.group(1)
            uses.append(CurieUse(local.replace("_", ":", 1), path, number))
        for match in CURIE.finditer(line):
            uses.append(CurieUse(f"{match.group(1)}:{match.group(2)}", path, number))
    return [use for use in uses if use.curie]


def _first_line(text_lines: list[str], curie: str) -> int:
    prefix, _, local = curie.partition(":")
    needles = (f"{prefix}_{local}", curie)
    for number, line in enumerate(text_lines, start=1):
        if any(needle in line for needle in needles):
            return number
    return 1


def _rdf_label_uses(path: Path, text: str) -> list[CurieUse]:
    """The labels an RDF file states for OBO terms."""
    from retinoid_ld.rdfio import parse_quads

    lines = text.splitlines()
    uses = []
    for quad in parse_quads(path):
        if quad.predicate.value != RDFS_LABEL:
            continue
        curie = obo_curie(getattr(quad.subject, "value", ""))
        if curie:
            uses.append(
                CurieUse(curie, path, _first_line(lines, curie), stated_label=quad.object.value)
            )
    return uses


def _term_list_uses(path: Path) -> list[CurieUse]:
    from retinoid_ld.imports import read_term_list_entries

    return [
        CurieUse(entry.curie, path, entry.line, stated_label=entry.label or None)
        for entry in read_term_list_entries(path)
    ]


def _tsv_label_uses(path: Path, text: str) -> list[CurieUse]:
    """Labels stated in TSV columns: ``X`` and ``X_label`` (supplementary parents, SSSOM)."""
    uses = []
    columns: list[str] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if columns is None:
            columns = cells
            continue
        row = dict(zip(columns, cells, strict=False))
        no_term_row = row.get("object_id") == SSSOM_NO_TERM
        for column in columns:
            label_column = (
                column[: -len("_id")] + "_label" if column.endswith("_id") else column + "_label"
            )
            value = row.get(column, "")
            if label_column not in row or not CURIE.fullmatch(value or ""):
                continue
            uses.append(CurieUse(value, path, number, stated_label=row[label_column] or None))
        if no_term_row:
            uses.extend(
                CurieUse(use.curie, path, number, missing_mapping_row=True)
                for use in _text_uses(path, line)
            )
    return uses


def find_uses(path: Path) -> list[CurieUse]:
    """Every use of an OBO id in one file, with the labels the file states."""
    text = path.read_text(encoding="utf-8")
    uses = _text_uses(path, text)
    name = path.name
    if path.suffix.lower() in RDF_SUFFIXES:
        uses += _rdf_label_uses(path, text)
    elif name.endswith("_terms.txt"):
        uses += _term_list_uses(path)
    elif path.suffix.lower() == ".tsv":
        labelled = _tsv_label_uses(path, text)
        exempt = {(u.curie, u.line) for u in labelled if u.missing_mapping_row}
        uses = [u for u in uses if (u.curie, u.line) not in exempt] + labelled
    return uses


def check_uses(uses: Iterable[CurieUse], tables: TermTables) -> list[CurieProblem]:
    """Apply every rule to every use; one problem per broken rule and use."""
    problems: list[CurieProblem] = []
    seen: set[tuple[str, str, Path, int, str | None]] = set()
    for use in uses:
        prefix = use.curie.split(":", 1)[0]

        def report(rule: str, message: str, use: CurieUse = use) -> None:
            key = (rule, use.curie, use.path, use.line, use.stated_label)
            if key not in seen:
                seen.add(key)
                problems.append(CurieProblem(rule, use.curie, use.path, use.line, message))

        if not tables.has_table(prefix):
            if not use.missing_mapping_row:
                report(
                    "has-table",
                    f"{use.curie}: there is no {prefix} term table in {tables.directory}, so "
                    f"no {prefix} id can be verified; mint a project term (rld:..., typed "
                    f'rld:ProjectTerm, with rld:missingMapping "{prefix}") and record the '
                    "missing mapping in ontology/mappings/retinoid-ld.sssom.tsv",
                )
            continue
        term = tables.get(use.curie)
        source = tables.source_path(prefix)
        source_name = source.name if source else prefix
        if term is None:
            if tables.is_partial(prefix):
                report(
                    "unverified",
                    f"{use.curie} is not in the partial {prefix} term table ({source_name}), "
                    "so it is unverified and must not be used; mint a project term (rld:..., "
                    f'typed rld:ProjectTerm, with rld:missingMapping "{prefix}") and add a '
                    "sssom:NoTermFound row to ontology/mappings/retinoid-ld.sssom.tsv",
                )
            else:
                report(
                    "exists",
                    f"{use.curie} does not exist in the complete {prefix} term table "
                    f"({source_name}); correct the id (find the term by its label in the "
                    "table) or mint a project term if the entity has no id",
                )
            continue
        if term.obsolete:
            replacement = tables.get(term.replaced_by) if term.replaced_by else None
            advice = (
                f"use {term.replaced_by} ({replacement.label}) instead"
                if replacement is not None
                else "choose a live term instead"
            )
            report("obsolete", f"{use.curie} ({term.label}) is obsolete in {prefix}; {advice}")
        if use.stated_label is not None and use.stated_label != term.label:
            report(
                "label",
                f"{use.curie} is labelled {term.label!r} in {prefix}, but this file states "
                f"{use.stated_label!r}; use the ontology's label, or check that the id is the "
                "one meant",
            )
    return problems


def check_project(
    *, root: Path | None = None, tables: TermTables | None = None
) -> list[CurieProblem]:
    """Check every OBO id used in every project file."""
    tables = tables or TermTables()
    uses: list[CurieUse] = []
    for path in project_files(root):
        uses.extend(find_uses(path))
    return check_uses(uses, tables)
