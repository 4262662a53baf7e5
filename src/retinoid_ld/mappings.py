"""The project's SSSOM mapping set, and its agreement with the ontology's SKOS mappings.

``ontology/mappings/retinoid-ld.sssom.tsv`` is the mapping set other knowledge graphs
read: one row per correspondence between a project term and an external one (Biolink
classes, slots and enum values, OBI, Dublin Core, PROV, OBAN, OWL-Time), and one
``sssom:NoTermFound`` row per project term minted because no verifiable identifier
exists in an ontology (``rld:missingMapping``). The ontology states the same
correspondences as ``skos:*Match`` annotations; :func:`compare_with_ontology` says where
the two disagree, so neither can drift.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import rdflib

from retinoid_ld import resources
from retinoid_ld.errors import InputError
from retinoid_ld.namespaces import RLD

SSSOM_FILE = "retinoid-ld.sssom.tsv"
NO_TERM_FOUND = "sssom:NoTermFound"
SKOS = "http://www.w3.org/2004/02/skos/core#"
MAPPING_PREDICATES = ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
COLUMNS = (
    "subject_id",
    "subject_label",
    "predicate_id",
    "object_id",
    "object_label",
    "mapping_justification",
    "comment",
)
# The matching processes of the Semantic Mapping Vocabulary (SEMAPV) that SSSOM allows
# as mapping_justification.
SEMAPV_JUSTIFICATIONS = frozenset(
    f"semapv:{name}"
    for name in (
        "LexicalMatching",
        "LogicalReasoning",
        "CompositeMatching",
        "UnspecifiedMatching",
        "SemanticSimilarityThresholdMatching",
        "LexicalSimilarityThresholdMatching",
        "MappingChaining",
        "MappingReview",
        "ManualMappingCuration",
        "MappingInversion",
        "StructuralMatching",
        "InstanceBasedMatching",
        "BackgroundKnowledgeBasedMatching",
    )
)
REQUIRED_METADATA = ("curie_map", "mapping_set_id", "license", "mapping_date")


def sssom_path() -> Path:
    """Where the project's mapping set lives."""
    return resources.ontology_dir() / "mappings" / SSSOM_FILE


@dataclass(frozen=True)
class MappingRow:
    """One SSSOM row, with the line it came from."""

    subject_id: str
    subject_label: str
    predicate_id: str
    object_id: str
    object_label: str
    mapping_justification: str
    comment: str
    line: int = 0

    def as_tsv(self) -> str:
        return "\t".join(getattr(self, column) for column in COLUMNS)


@dataclass
class MappingSet:
    """A parsed SSSOM TSV: its metadata header and rows."""

    path: Path
    metadata: dict[str, object] = field(default_factory=dict)
    rows: list[MappingRow] = field(default_factory=list)

    @property
    def curie_map(self) -> dict[str, str]:
        value = self.metadata.get("curie_map") or {}
        return dict(value) if isinstance(value, dict) else {}

    def expand(self, curie: str) -> str:
        """A CURIE of this set as an IRI, using its curie_map."""
        prefix, sep, local = curie.partition(":")
        if not sep or prefix not in self.curie_map:
            raise InputError(
                f"{self.path}: {curie!r} has no prefix in the curie_map",
                hint="add the prefix to the curie_map of the metadata header",
            )
        return self.curie_map[prefix] + local

    def compact(self, iri: str) -> str:
        """An IRI as a CURIE of this set (the longest matching namespace wins)."""
        best = ""
        for prefix, namespace in self.curie_map.items():
            if iri.startswith(namespace) and len(namespace) > len(self.curie_map.get(best, "")):
                best = prefix
        return f"{best}:{iri[len(self.curie_map[best]) :]}" if best else iri


def _parse_header(lines: list[str], path: Path) -> dict[str, object]:
    """The YAML metadata header of an SSSOM TSV (the ``#`` lines before the table)."""
    import yaml

    try:
        data = yaml.safe_load("\n".join(lines)) or {}
    except yaml.YAMLError as error:
        raise InputError(
            f"{path}: the metadata header is not YAML: {error}",
            hint="every header line starts with '#' followed by YAML",
        ) from error
    if not isinstance(data, dict):
        raise InputError(f"{path}: the metadata header must be a YAML mapping")
    return {str(key): value for key, value in data.items()}


def read_sssom(path: Path | None = None) -> MappingSet:
    """Parse an SSSOM TSV with an embedded ``#`` metadata header."""
    path = path or sssom_path()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(f"{path}: cannot be read: {error}") from error
    header: list[str] = []
    body: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("#") and not body:
            header.append(line[1:])
        elif line.strip():
            body.append((number, line))
    mapping_set = MappingSet(path=path, metadata=_parse_header(header, path))
    if not body:
        raise InputError(f"{path}: no column header row", hint=f"columns: {', '.join(COLUMNS)}")
    columns = body[0][1].split("\t")
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        raise InputError(
            f"{path}:{body[0][0]}: missing columns {', '.join(missing)}",
            hint=f"the columns are {', '.join(COLUMNS)}",
        )
    for number, line in body[1:]:
        cells = line.split("\t")
        if len(cells) != len(columns):
            raise InputError(
                f"{path}:{number}: {len(cells)} cells where the header has {len(columns)}",
                hint="separate cells by exactly one tab; leave empty cells empty",
            )
        values = dict(zip(columns, cells, strict=True))
        mapping_set.rows.append(MappingRow(**{c: values[c] for c in COLUMNS}, line=number))
    return mapping_set


def check_mapping_set(mapping_set: MappingSet) -> list[str]:
    """Problems of the file on its own: metadata, justifications, CURIEs, duplicates."""
    problems = []
    path = mapping_set.path
    for key in REQUIRED_METADATA:
        if not mapping_set.metadata.get(key):
            problems.append(f"{path}: the metadata header lacks {key}")
    set_id = str(mapping_set.metadata.get("mapping_set_id") or "")
    if set_id and not set_id.startswith(RLD):
        problems.append(f"{path}: mapping_set_id {set_id} is not under the project namespace {RLD}")
    seen: dict[tuple[str, str, str], int] = {}
    for row in mapping_set.rows:
        where = f"{path}:{row.line}"
        if row.mapping_justification not in SEMAPV_JUSTIFICATIONS:
            problems.append(
                f"{where}: mapping_justification {row.mapping_justification!r} is not a SEMAPV "
                "matching process (use semapv:ManualMappingCuration for curated rows)"
            )
        for curie in (row.subject_id, row.predicate_id, row.object_id):
            try:
                mapping_set.expand(curie)
            except InputError as error:
                problems.append(f"{where}: {error.message}")
        if not row.subject_label:
            problems.append(f"{where}: {row.subject_id} has no subject_label")
        if row.object_id == NO_TERM_FOUND and not row.comment:
            problems.append(f"{where}: a NoTermFound row must say in its comment what was searched")
        key = (row.subject_id, row.predicate_id, row.object_id)
        if key in seen:
            problems.append(f"{where}: repeats the row at line {seen[key]}")
        seen.setdefault(key, row.line)
    return problems


def ontology_mappings(graph: rdflib.Graph) -> set[tuple[str, str, str]]:
    """(subject, SKOS predicate, object) IRIs of every project term's skos:*Match."""
    found = set()
    for name in MAPPING_PREDICATES:
        predicate = rdflib.URIRef(SKOS + name)
        for subject, obj in graph.subject_objects(predicate):
            if isinstance(subject, rdflib.URIRef) and str(subject).startswith(RLD):
                found.add((str(subject), str(predicate), str(obj)))
    return found


def missing_mappings(graph: rdflib.Graph) -> set[tuple[str, str]]:
    """(project term, ontology prefix) for every ``rld:missingMapping`` statement."""
    predicate = rdflib.URIRef(RLD + "missingMapping")
    return {(str(s), str(o)) for s, o in graph.subject_objects(predicate)}


def _label(graph: rdflib.Graph, iri: str) -> str:
    labels = sorted(str(label) for label in graph.objects(rdflib.URIRef(iri), rdflib.RDFS.label))
    return labels[0] if labels else ""


def compare_with_ontology(mapping_set: MappingSet, graph: rdflib.Graph) -> list[str]:
    """Where the SSSOM rows and the ontology's SKOS mappings and missing mappings disagree.

    Each message says which file to change and gives the row or triple to add.
    """
    problems = []
    path = mapping_set.path
    rows_by_key: dict[tuple[str, str, str], MappingRow] = {}
    missing_rows: dict[str, list[MappingRow]] = {}
    for row in mapping_set.rows:
        try:
            subject = mapping_set.expand(row.subject_id)
            predicate = mapping_set.expand(row.predicate_id)
        except InputError:
            continue  # reported by check_mapping_set
        if row.object_id == NO_TERM_FOUND:
            missing_rows.setdefault(subject, []).append(row)
            continue
        try:
            rows_by_key[(subject, predicate, mapping_set.expand(row.object_id))] = row
        except InputError:
            continue
        label = _label(graph, subject)
        if label and row.subject_label != label:
            problems.append(
                f"{path}:{row.line}: subject_label of {row.subject_id} is {row.subject_label!r} "
                f"but the ontology labels it {label!r}; copy the ontology's label"
            )
    asserted = ontology_mappings(graph)
    for subject, predicate, obj in sorted(asserted - set(rows_by_key)):
        suggestion = MappingRow(
            subject_id=mapping_set.compact(subject),
            subject_label=_label(graph, subject),
            predicate_id=mapping_set.compact(predicate),
            object_id=mapping_set.compact(obj),
            object_label="",
            mapping_justification="semapv:ManualMappingCuration",
            comment="",
        )
        problems.append(
            f"{path}: the ontology states {suggestion.subject_id} {suggestion.predicate_id} "
            f"{suggestion.object_id} but no row does; add the row\n    {suggestion.as_tsv()}"
        )
    for key in sorted(set(rows_by_key) - asserted):
        row = rows_by_key[key]
        problems.append(
            f"{path}:{row.line}: {row.subject_id} {row.predicate_id} {row.object_id} is not "
            "stated in the ontology; add the skos triple to ontology/retinoid-ld-edit.ttl "
            "or delete the row"
        )
    for subject, prefix in sorted(missing_mappings(graph)):
        rows = missing_rows.get(subject, [])
        if not any(re.search(rf"\b{re.escape(prefix)}\b", row.comment) for row in rows):
            suggestion = MappingRow(
                subject_id=mapping_set.compact(subject),
                subject_label=_label(graph, subject),
                predicate_id="skos:exactMatch",
                object_id=NO_TERM_FOUND,
                object_label="",
                mapping_justification="semapv:ManualMappingCuration",
                comment=f"searched {prefix}: no verifiable identifier; minted as a project term",
            )
            problems.append(
                f"{path}: {suggestion.subject_id} records a missing {prefix} mapping but no "
                f"NoTermFound row names {prefix}; add the row\n    {suggestion.as_tsv()}"
            )
    recorded = missing_mappings(graph)
    for subject, rows in sorted(missing_rows.items()):
        for row in rows:
            if not any(
                s == subject and re.search(rf"\b{re.escape(p)}\b", row.comment) for s, p in recorded
            ):
                problems.append(
                    f"{path}:{row.line}: {row.subject_id} has a NoTermFound row but the project "
                    "records no rld:missingMapping for it naming the ontology in the comment; "
                    'add rld:missingMapping "PREFIX" to the term or delete the row'
                )
    return problems


def mapping_graph(paths: Iterable[Path] | None = None) -> rdflib.Graph:
    """The ontology and curated data, where the project states its mappings."""
    from retinoid_ld.rdfio import rdflib_graph

    files = list(paths) if paths is not None else [resources.edit_file(), *resources.data_files()]
    return rdflib_graph(files)
