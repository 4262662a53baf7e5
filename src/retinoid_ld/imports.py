"""Generate ODK-style import modules from committed term lists.

For each ``ontology/imports/<name>_terms.txt`` (one CURIE per line, ``# label`` as a
comment) this writes ``ontology/imports/<name>_import.ttl``: every listed term and all
its ancestors, with their real labels, exact synonyms and ``rdfs:subClassOf`` (or, for
relations, ``rdfs:subPropertyOf``) links, and no definition text. Like an ODK "BOT"
extract, a module keeps ancestors from other ontologies (a CL cell type's UBERON
parent) as long as a term source knows them; ancestors no source knows (BFO classes,
COB, IAO) are left out, because their labels cannot be verified.

Terms come from *term sources*: the OBO term tables (gzip TSV with id, label, parents,
obsolete, replaced_by, synonyms) in ``../shared/ontology-terms``, or, per prefix, an
``.obo`` file or an OWL/RDF file (RDF/XML, Turtle, N-Triples) given with ``--source``.

Term tables are built from asserted axioms, so a term defined only by an equivalence
axiom can lack the parents a reasoner would infer (CL's natural killer cell). The ODK
answer is a committed input, not a hand-edited module:
``ontology/imports/supplementary_parents.tsv`` lists such parents with a justification;
every row is verified against the sources and applied by the generator.

The output is deterministic, so regeneration reproduces the committed modules byte for
byte and ``retinoid-ld imports check`` can tell whether they are up to date.
"""

from __future__ import annotations

import csv
import difflib
import gzip
import io
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from retinoid_ld import resources
from retinoid_ld.errors import InputError
from retinoid_ld.namespaces import OBO, RLD

ENV_TERM_TABLES = "RETINOID_LD_TERM_TABLES"
SUPPLEMENTARY_PARENTS = "supplementary_parents.tsv"
CATALOG = "catalog-v001.xml"

# Relations live in the RO table, which also holds the BFO relations RO uses
# (BFO:0000050 part of, BFO:0000051 has part); BFO's classes are in no table.
TABLE_ALIASES = {"BFO": "ro"}
# A term list may hold these prefixes besides its own (the RO module holds BFO relations).
EXTRA_SEED_PREFIXES = {"ro": ("BFO",)}
PROPERTY_TABLES = ("ro",)
OBO_ID = re.compile(r"^([A-Za-z][A-Za-z0-9]*):([A-Za-z0-9_]+)$")


@dataclass(frozen=True)
class Term:
    """One term of a source: id, label, direct named parents, obsolescence, synonyms."""

    id: str
    label: str
    parents: tuple[str, ...]
    obsolete: bool
    replaced_by: str
    synonyms: tuple[str, ...]
    is_property: bool = False


def obo_iri(curie: str) -> str:
    """``CL:0000623`` -> ``http://purl.obolibrary.org/obo/CL_0000623`` (any OBO prefix)."""
    prefix, sep, local = curie.partition(":")
    if not sep or not prefix or not local:
        raise ValueError(f"not a CURIE: {curie!r}")
    return f"{OBO}{prefix}_{local}"


def obo_curie(iri: str) -> str | None:
    """The CURIE of an OBO PURL, or None for any other IRI."""
    if not iri.startswith(OBO):
        return None
    prefix, sep, local = iri[len(OBO) :].partition("_")
    if not sep or not prefix or not local or "/" in local or "#" in local:
        return None
    return f"{prefix}:{local}"


def default_term_tables() -> Path:
    """``$RETINOID_LD_TERM_TABLES``, else ``../shared/ontology-terms`` beside the checkout."""
    configured = os.environ.get(ENV_TERM_TABLES)
    if configured:
        return Path(configured)
    return resources.resource_root().parent / "shared" / "ontology-terms"


# ---------------------------------------------------------------------------
# Readers: term tables, OBO files, OWL/RDF files
# ---------------------------------------------------------------------------


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(part for part in (text or "").split("|") if part)


def read_term_table(path: Path, *, is_property: bool = False) -> dict[str, Term]:
    """Read a (gzipped) term table into id -> Term."""
    opener = gzip.open if path.suffix == ".gz" else open
    terms: dict[str, Term] = {}
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        missing = {"id", "label", "parents", "obsolete"} - set(reader.fieldnames or ())
        if missing:
            raise InputError(
                f"{path}: not a term table (missing columns {', '.join(sorted(missing))})",
                hint="a term table is a TSV with id, label, parents, obsolete, replaced_by, synonyms",
            )
        for row in reader:
            terms[row["id"]] = Term(
                id=row["id"],
                label=row["label"],
                parents=_split(row.get("parents")),
                obsolete=(row.get("obsolete") or "").lower() == "true",
                replaced_by=row.get("replaced_by") or "",
                synonyms=_split(row.get("synonyms")),
                is_property=is_property,
            )
    return terms


def table_is_partial(path: Path) -> bool:
    """Partial tables (assembled from import extracts) carry a ``source`` column."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        header = handle.readline().rstrip("\r\n").split("\t")
    return "source" in header


_OBO_QUOTED = re.compile(r'^"((?:[^"\\]|\\.)*)"\s*(\S*)')


def _obo_unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def _obo_value(value: str) -> str:
    """Strip an OBO tag value's trailing ``! comment`` and ``{qualifiers}``."""
    value = re.sub(r"\s+!.*$", "", value)
    value = re.sub(r"\s*\{[^}]*\}\s*$", "", value)
    return value.strip()


def read_obo(path: Path) -> dict[str, Term]:
    """Read the ``[Term]`` and ``[Typedef]`` stanzas of an OBO 1.4 file.

    The genus of an ``intersection_of`` definition (the element with no relation) is a
    parent: ``A = B and R some C`` entails ``A SubClassOf B``, which is how a term
    defined only by equivalence keeps its place in the hierarchy.
    """
    terms: dict[str, Term] = {}

    def flush(kind: str | None, tags: dict[str, list[str]]) -> None:
        if kind not in ("Term", "Typedef") or not tags.get("id"):
            return
        curie = tags["id"][0]
        parents = [_obo_value(v) for v in tags.get("is_a", [])]
        for value in tags.get("intersection_of", []):
            parts = _obo_value(value).split()
            if len(parts) == 1:
                parents.append(parts[0])
        synonyms = []
        for value in tags.get("synonym", []):
            match = _OBO_QUOTED.match(value)
            if match and match.group(2) == "EXACT":
                synonyms.append(_obo_unescape(match.group(1)))
        replaced = [_obo_value(v) for v in tags.get("replaced_by", [])]
        terms[curie] = Term(
            id=curie,
            label=_obo_unescape(tags.get("name", [""])[0]),
            parents=tuple(dict.fromkeys(p for p in parents if OBO_ID.match(p))),
            obsolete=tags.get("is_obsolete", ["false"])[0].strip() == "true",
            replaced_by=replaced[0] if replaced else "",
            synonyms=tuple(synonyms),
            is_property=kind == "Typedef",
        )

    kind: str | None = None
    tags: dict[str, list[str]] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot be read: {error}") from error
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            flush(kind, tags)
            kind, tags = stripped[1:-1], {}
            continue
        if not stripped or stripped.startswith("!") or ":" not in stripped:
            continue
        tag, _, value = stripped.partition(":")
        tags.setdefault(tag.strip(), []).append(value.strip())
    flush(kind, tags)
    if not terms:
        raise InputError(f"{path}: no [Term] or [Typedef] stanzas found", hint="is it an OBO file?")
    return terms


def read_rdf_terms(path: Path) -> dict[str, Term]:
    """Read the OBO-PURL classes and object properties of an OWL file in an RDF syntax.

    Parents are named ``rdfs:subClassOf``/``rdfs:subPropertyOf`` targets and the named
    members of an ``owl:equivalentClass`` intersection (the genus of a logical
    definition), so that equivalence-defined terms keep a parent.
    """
    import rdflib
    from rdflib.namespace import OWL, RDF, RDFS

    from retinoid_ld.rdfio import rdflib_graph

    oio = rdflib.Namespace("http://www.geneontology.org/formats/oboInOwl#")
    replaced_by = rdflib.URIRef(OBO + "IAO_0100001")
    text_head = path.read_bytes()[:2000].lstrip()
    if text_head.startswith((b"Prefix(", b"Ontology(")) or b"<Ontology " in text_head:
        raise InputError(
            f"{path}: OWL functional syntax and OWL/XML are not read here",
            hint="convert it to RDF/XML, Turtle or OBO first (robot convert -i IN -o OUT.obo)",
        )
    graph = rdflib_graph([path])
    terms: dict[str, Term] = {}
    subjects = set(graph.subjects(RDF.type, OWL.Class)) | set(
        graph.subjects(RDF.type, OWL.ObjectProperty)
    )
    for subject in subjects:
        curie = obo_curie(str(subject)) if isinstance(subject, rdflib.URIRef) else None
        if curie is None:
            continue
        is_property = (subject, RDF.type, OWL.ObjectProperty) in graph
        parents: list[str] = []
        for predicate in (RDFS.subPropertyOf,) if is_property else (RDFS.subClassOf,):
            for parent in graph.objects(subject, predicate):
                parent_curie = obo_curie(str(parent)) if isinstance(parent, rdflib.URIRef) else None
                if parent_curie:
                    parents.append(parent_curie)
        for equivalent in graph.objects(subject, OWL.equivalentClass):
            members = graph.value(equivalent, OWL.intersectionOf)
            if members is None:
                continue
            for member in rdflib.collection.Collection(graph, members):
                member_curie = obo_curie(str(member)) if isinstance(member, rdflib.URIRef) else None
                if member_curie:
                    parents.append(member_curie)
        labels = sorted(str(label) for label in graph.objects(subject, RDFS.label))
        replacement = graph.value(subject, replaced_by)
        terms[curie] = Term(
            id=curie,
            label=labels[0] if labels else "",
            parents=tuple(dict.fromkeys(parents)),
            obsolete=str(graph.value(subject, OWL.deprecated) or "").lower() == "true",
            replaced_by=(obo_curie(str(replacement)) or str(replacement)) if replacement else "",
            synonyms=tuple(sorted(str(s) for s in graph.objects(subject, oio.hasExactSynonym))),
            is_property=is_property,
        )
    return terms


def read_source(path: Path, *, is_property: bool = False) -> dict[str, Term]:
    """Read a term source of any supported kind, chosen by the file's suffix."""
    name = path.name.lower()
    if not path.is_file():
        raise InputError(f"{path}: no such file", hint="check the --source path")
    if name.endswith((".tsv", ".tsv.gz")):
        return read_term_table(path, is_property=is_property)
    if name.endswith(".obo"):
        return read_obo(path)
    if name.endswith((".owl", ".rdf", ".xml", ".ttl", ".nt")):
        return read_rdf_terms(path)
    raise InputError(
        f"{path}: unknown term source type",
        hint="use a term table (.tsv, .tsv.gz), an OBO file (.obo) or RDF (.owl, .rdf, .ttl, .nt)",
    )


class TermTables:
    """The term sources, one per prefix, loaded on first use and looked up by CURIE.

    ``directory`` holds ``<prefix>.tsv.gz`` tables; ``sources`` overrides single
    prefixes with another file (a term table, an OBO file or an OWL/RDF file).
    """

    def __init__(
        self, directory: Path | None = None, *, sources: Mapping[str, Path] | None = None
    ) -> None:
        self.directory = Path(directory) if directory is not None else default_term_tables()
        self.sources = {prefix.upper(): Path(path) for prefix, path in (sources or {}).items()}
        self._tables: dict[str, dict[str, Term]] = {}

    def available(self) -> bool:
        return self.directory.is_dir() or bool(self.sources)

    def _table_name(self, prefix: str) -> str:
        return TABLE_ALIASES.get(prefix, prefix.lower())

    def source_path(self, prefix: str) -> Path | None:
        """The file that serves ``prefix``, or None if there is none."""
        override = self.sources.get(prefix.upper())
        if override is not None:
            return override
        name = self._table_name(prefix)
        for suffix in (".tsv.gz", ".tsv"):
            candidate = self.directory / f"{name}{suffix}"
            if candidate.is_file():
                return candidate
        return None

    def has_table(self, prefix: str) -> bool:
        return self.source_path(prefix) is not None

    def is_partial(self, prefix: str) -> bool:
        """Whether absence from the source proves nothing (an assembled, partial table)."""
        path = self.source_path(prefix)
        if path is None:
            return True
        if prefix in TABLE_ALIASES and prefix.upper() not in self.sources:
            return True  # the RO table holds BFO's relations, not its classes
        name = path.name.lower()
        return name.endswith((".tsv", ".tsv.gz")) and table_is_partial(path)

    def table(self, prefix: str) -> dict[str, Term]:
        if prefix not in self._tables:
            path = self.source_path(prefix)
            if path is None:
                self._tables[prefix] = {}
            else:
                is_property = self._table_name(prefix) in PROPERTY_TABLES
                self._tables[prefix] = read_source(path, is_property=is_property)
        return self._tables[prefix]

    def get(self, curie: str) -> Term | None:
        term = self.table(curie.split(":", 1)[0]).get(curie)
        if term is not None and term.id != curie:
            return None
        return term


# ---------------------------------------------------------------------------
# Inputs: term lists and supplementary parents
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ListedTerm:
    """A CURIE of a term list with the label its comment gives, if any, and its line."""

    curie: str
    label: str
    line: int


def read_term_list_entries(path: Path) -> list[ListedTerm]:
    """Entries of a ``*_terms.txt`` file (one CURIE per line, ``# label`` comment)."""
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text, _, comment = line.partition("#")
        text = text.strip()
        if not text:
            continue
        if not OBO_ID.match(text):
            raise InputError(
                f"{path}:{number}: {text!r} is not a CURIE",
                hint="write one CURIE per line, optionally followed by '# label'",
            )
        entries.append(ListedTerm(curie=text, label=comment.strip(), line=number))
    return entries


def read_term_list(path: Path) -> list[str]:
    """CURIEs of a ``*_terms.txt`` file (one per line, ``#`` starts a comment)."""
    return [entry.curie for entry in read_term_list_entries(path)]


@dataclass(frozen=True)
class SupplementaryParent:
    """A parent the sources lack, with the reason the curator is sure it holds."""

    child: str
    child_label: str
    parent: str
    parent_label: str
    justification: str
    line: int


SUPPLEMENTARY_COLUMNS = ("child", "child_label", "parent", "parent_label", "justification")


def read_supplementary_parents(path: Path) -> list[SupplementaryParent]:
    """Rows of ``supplementary_parents.tsv`` (``#`` lines are comments)."""
    if not path.is_file():
        return []
    rows: list[SupplementaryParent] = []
    header: list[str] | None = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = [cell.strip() for cell in line.split("\t")]
        if header is None:
            header = cells
            if tuple(header) != SUPPLEMENTARY_COLUMNS:
                raise InputError(
                    f"{path}:{number}: the header must be {' / '.join(SUPPLEMENTARY_COLUMNS)}",
                    hint="tab-separated, in that order",
                )
            continue
        if len(cells) != len(SUPPLEMENTARY_COLUMNS) or not all(cells):
            raise InputError(
                f"{path}:{number}: expected {len(SUPPLEMENTARY_COLUMNS)} non-empty tab-separated cells",
                hint="child, child_label, parent, parent_label, justification",
            )
        rows.append(SupplementaryParent(*cells, line=number))
    return rows


def verify_supplementary_parents(
    rows: Iterable[SupplementaryParent], tables: TermTables, *, path: Path
) -> list[str]:
    """Problems with the rows: unknown or obsolete ids, wrong labels, redundant rows, cycles."""
    problems = []
    rows = list(rows)
    extra: dict[str, set[str]] = {}
    for row in rows:
        where = f"{path}:{row.line}"
        for curie, label in ((row.child, row.child_label), (row.parent, row.parent_label)):
            term = tables.get(curie)
            if term is None:
                problems.append(
                    f"{where}: {curie} is not in the {curie.split(':')[0]} term source; "
                    "only verified ids may be used"
                )
            elif term.obsolete:
                problems.append(
                    f"{where}: {curie} is obsolete; use {term.replaced_by or 'a live term'}"
                )
            elif term.label != label:
                problems.append(
                    f"{where}: {curie} is labelled {term.label!r}, not {label!r}; fix the label column"
                )
        child = tables.get(row.child)
        if child is not None and row.parent in child.parents:
            problems.append(
                f"{where}: the source already states {row.child} is_a {row.parent}; delete this row"
            )
        extra.setdefault(row.child, set()).add(row.parent)
    for row in rows:
        if row.child in _ancestors(row.parent, tables, extra):
            problems.append(f"{path}:{row.line}: {row.child} -> {row.parent} makes a cycle")
    return problems


def _ancestors(curie: str, tables: TermTables, extra: Mapping[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    pending = [curie]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        term = tables.get(current)
        pending.extend(term.parents if term else ())
        pending.extend(extra.get(current, ()))
    return seen


# ---------------------------------------------------------------------------
# Extraction and rendering
# ---------------------------------------------------------------------------


def closure(
    seeds: Iterable[str],
    tables: TermTables,
    *,
    extra_parents: Mapping[str, Iterable[str]] | None = None,
    dropped: set[str] | None = None,
) -> dict[str, Term]:
    """The seed terms and all their ancestors that a term source knows, not obsolete.

    ``extra_parents`` (child -> parents) are added to the sources' parents. Ancestors
    no source knows, or that are obsolete, are left out and collected in ``dropped``.
    """
    extra = {child: tuple(parents) for child, parents in (extra_parents or {}).items()}
    found: dict[str, Term] = {}
    pending = list(seeds)
    while pending:
        curie = pending.pop()
        if curie in found:
            continue
        term = tables.get(curie)
        if term is None or term.obsolete:
            if dropped is not None:
                dropped.add(curie)
            continue
        if curie in extra:
            term = replace(term, parents=tuple(dict.fromkeys((*term.parents, *extra[curie]))))
        found[curie] = term
        pending.extend(term.parents)
    return found


def _literal(text: str) -> str:
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    return f'"{escaped}"'


def _sort_key(curie: str) -> tuple[str, int, str]:
    prefix, _, local = curie.partition(":")
    return (prefix, int(local) if local.isdigit() else -1, local)


def module_iri(name: str) -> str:
    return f"{RLD}imports/{name}_import.owl"


def render_import(
    name: str,
    terms: Mapping[str, Term],
    sources: Iterable[str],
    *,
    supplementary: Iterable[SupplementaryParent] = (),
) -> str:
    """Deterministic Turtle of one import module."""
    supplementary_pairs = {(row.child, row.parent) for row in supplementary}
    lines = [
        f"# Generated by `retinoid-ld imports refresh` from ontology/imports/{name}_terms.txt",
        f"# and the term sources {', '.join(sorted(set(sources)))}. Do not edit by hand.",
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix oio: <http://www.geneontology.org/formats/oboInOwl#> .",
        "",
        f"<{module_iri(name)}> a owl:Ontology .",
        "",
    ]
    for curie in sorted(terms, key=_sort_key):
        term = terms[curie]
        kind = "owl:ObjectProperty" if term.is_property else "owl:Class"
        relation = "rdfs:subPropertyOf" if term.is_property else "rdfs:subClassOf"
        # (statement, comment) pairs; a comment says where a non-source parent comes from.
        statements = [(f"a {kind}", ""), (f"rdfs:label {_literal(term.label)}", "")]
        for parent in sorted((p for p in term.parents if p in terms), key=_sort_key):
            if terms[parent].is_property != term.is_property:
                continue  # a class never has a relation as parent, nor the reverse
            note = (
                "from supplementary_parents.tsv" if (curie, parent) in supplementary_pairs else ""
            )
            statements.append((f"{relation} <{obo_iri(parent)}>", note))
        for synonym in sorted(set(term.synonyms)):
            statements.append((f"oio:hasExactSynonym {_literal(synonym)}", ""))
        body = ""
        for index, (text, comment) in enumerate(statements):
            end = " ." if index == len(statements) - 1 else " ;"
            body += (
                ("" if index == 0 else "\n    ")
                + text
                + end
                + (f"  # {comment}" if comment else "")
            )
        lines.append(f"<{obo_iri(curie)}> {body}")
    return "\n".join(lines) + "\n"


def render_catalog(names: Iterable[str]) -> str:
    """The XML catalog that maps each module's IRI to its file, for Protege and the OWL API."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
        "<!-- Generated by `retinoid-ld imports refresh`. Maps the import IRIs of",
        "     retinoid-ld-edit.ttl to the generated modules, so that Protege and the",
        "     OWL API open the edit file offline (ODK convention). Do not edit by hand. -->",
        '<catalog prefer="public" xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">',
    ]
    for name in sorted(names):
        lines.append(f'  <uri name="{module_iri(name)}" uri="imports/{name}_import.ttl"/>')
    lines.append("</catalog>")
    return "\n".join(lines) + "\n"


def imports_dir_default() -> Path:
    return resources.ontology_dir() / "imports"


def term_list_files(imports_dir: Path | None = None) -> list[Path]:
    return sorted((imports_dir or imports_dir_default()).glob("*_terms.txt"))


@dataclass
class ImportsPlan:
    """Every file a refresh would write (modules and catalog), and notes for the curator."""

    modules: dict[Path, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _module_prefix(name: str, tables: TermTables, seeds: list[ListedTerm]) -> str:
    """The CURIE prefix of a module, spelled as its term list spells it (NCBITaxon, CHEBI)."""
    for entry in seeds:
        prefix = entry.curie.split(":", 1)[0]
        if prefix.lower() == name:
            return prefix
    return name.upper()


def plan_imports(
    *, imports_dir: Path | None = None, tables: TermTables | None = None
) -> ImportsPlan:
    """Compute every import module (nothing is written) and the warnings for curators."""
    folder = imports_dir or imports_dir_default()
    tables = tables or TermTables()
    if not tables.available():
        raise InputError(
            f"{tables.directory}: the OBO term tables are not there",
            hint=f"pass --term-tables DIR, set {ENV_TERM_TABLES}, or give --source PREFIX=FILE",
        )
    supplementary_path = folder / SUPPLEMENTARY_PARENTS
    supplementary = read_supplementary_parents(supplementary_path)
    problems = verify_supplementary_parents(supplementary, tables, path=supplementary_path)
    extra: dict[str, list[str]] = {}
    for row in supplementary:
        extra.setdefault(row.child, []).append(row.parent)

    plan = ImportsPlan()
    lists: dict[str, list[ListedTerm]] = {}
    for path in term_list_files(folder):
        name = path.name[: -len("_terms.txt")]
        entries = read_term_list_entries(path)
        prefix = _module_prefix(name, tables, entries)
        allowed = (prefix, *EXTRA_SEED_PREFIXES.get(name, ()))
        for entry in entries:
            where = f"{path}:{entry.line}"
            entry_prefix = entry.curie.split(":", 1)[0]
            if entry_prefix not in allowed:
                problems.append(f"{where}: {entry.curie} does not belong in the {prefix} list")
                continue
            if not tables.has_table(entry_prefix):
                problems.append(f"{where}: no term source for {entry_prefix}; cannot verify it")
                continue
            term = tables.get(entry.curie)
            if term is None:
                problems.append(
                    f"{where}: {entry.curie} is not in the {entry_prefix} term source "
                    "(mint a project term instead of an unverified id)"
                )
            elif term.obsolete:
                problems.append(
                    f"{where}: {entry.curie} is obsolete (replaced by {term.replaced_by or 'nothing'})"
                )
            elif entry.label and entry.label != term.label:
                problems.append(
                    f"{where}: {entry.curie} is labelled {term.label!r}, not {entry.label!r}"
                )
        lists[name] = entries
    if problems:
        raise InputError(
            "the import inputs have problems:\n  " + "\n  ".join(problems),
            hint="fix or remove those lines, then run 'retinoid-ld imports refresh'",
        )
    for name, entries in sorted(lists.items()):
        dropped: set[str] = set()
        seeds = [entry.curie for entry in entries]
        terms = closure(seeds, tables, extra_parents=extra, dropped=dropped)
        used_sources = sorted(
            {
                tables.source_path(c.split(":", 1)[0]).name  # type: ignore[union-attr]
                for c in terms
            }
        )
        for curie in seeds:
            if not terms[curie].parents:
                plan.warnings.append(
                    f"{name}: {curie} ({terms[curie].label}) has no parents in its term source; "
                    f"if hierarchy queries need one, add a verified row to {SUPPLEMENTARY_PARENTS}"
                )
        plan.modules[folder / f"{name}_import.ttl"] = render_import(
            name,
            terms,
            used_sources,
            supplementary=[row for row in supplementary if row.child in terms],
        )
    names = [path.name[: -len("_import.ttl")] for path in plan.modules]
    plan.modules[folder.parent / CATALOG] = render_catalog(names)
    return plan


def generate_imports(
    *, imports_dir: Path | None = None, tables: TermTables | None = None
) -> dict[Path, str]:
    """The text of every import module, keyed by its path (nothing is written)."""
    return plan_imports(imports_dir=imports_dir, tables=tables).modules


def write_imports(plan: ImportsPlan, *, imports_dir: Path | None = None) -> list[Path]:
    """Write a plan's modules and remove modules whose term list was deleted.

    Each module is written to a temporary file and renamed into place, so an
    interrupted refresh never leaves half a module.
    """
    folder = imports_dir or imports_dir_default()
    for path, text in plan.modules.items():
        temporary = path.with_name(f".{path.name}.partial")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    for orphan in sorted(folder.glob("*_import.ttl")):
        if orphan not in plan.modules:
            orphan.unlink()
    return sorted(plan.modules)


def module_names(imports_dir: Path | None = None) -> list[str]:
    """The names of the modules the term lists define (``cl`` for ``cl_terms.txt``)."""
    return [path.name[: -len("_terms.txt")] for path in term_list_files(imports_dir)]


def refresh_imports(
    *, imports_dir: Path | None = None, tables: TermTables | None = None
) -> list[Path]:
    """Regenerate and write every import module; returns the paths written."""
    folder = imports_dir or imports_dir_default()
    return write_imports(plan_imports(imports_dir=folder, tables=tables), imports_dir=folder)


@dataclass(frozen=True)
class ModuleDifference:
    """A committed module that differs from what its inputs generate."""

    path: Path
    status: str  # "stale", "missing", "orphan", "not imported" or "unknown import"
    diff: str = ""


def check_imports(
    *, imports_dir: Path | None = None, tables: TermTables | None = None
) -> list[ModuleDifference]:
    """Compare the committed modules with a regeneration; an empty list means up to date."""
    folder = imports_dir or imports_dir_default()
    modules = generate_imports(imports_dir=folder, tables=tables)
    differences = []
    for path, text in sorted(modules.items()):
        if not path.is_file():
            differences.append(ModuleDifference(path, "missing"))
            continue
        committed = path.read_text(encoding="utf-8")
        if committed != text:
            diff = "".join(
                difflib.unified_diff(
                    io.StringIO(committed).readlines(),
                    io.StringIO(text).readlines(),
                    fromfile=f"{path.name} (committed)",
                    tofile=f"{path.name} (regenerated)",
                    n=1,
                )
            )
            differences.append(ModuleDifference(path, "stale", diff))
    for orphan in sorted(folder.glob("*_import.ttl")):
        if orphan not in modules:
            differences.append(ModuleDifference(orphan, "orphan"))
    edit_file = folder.parent / "retinoid-ld-edit.ttl"
    if edit_file.is_file():
        imported = edit_file_imports(edit_file)
        for path in sorted(modules):
            if path.name.endswith("_import.ttl"):
                iri = module_iri(path.name[: -len("_import.ttl")])
                if iri not in imported:
                    differences.append(ModuleDifference(path, "not imported", iri))
        for iri in sorted(imported - {module_iri(n) for n in module_names(folder)}):
            differences.append(ModuleDifference(edit_file, "unknown import", iri))
    return differences


def edit_file_imports(edit_file: Path) -> set[str]:
    """The owl:imports IRIs the edit file declares."""
    from retinoid_ld.rdfio import parse_quads

    return {
        quad.object.value
        for quad in parse_quads(edit_file)
        if quad.predicate.value == "http://www.w3.org/2002/07/owl#imports"
    }
