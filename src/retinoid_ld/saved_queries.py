"""Saved SPARQL queries: one question per ``queries/*.rq`` file, with a header.

The header is a block of ``#+`` comment lines at the top of the file (in the spirit
of grlc), documented in ``queries/README.md``::

    #+ title: Drug effect matrix
    #+ description: Every target by drug, with direction and context.
    #+ param: drug_a drug CHEBI:6067 -- the first drug to compare
    #+ param: drug_b drug rld:acitretin -- the second drug

A parameter is a variable of the query (``?drug_a``) pre-bound to an RDF term when
the query runs; its value is never pasted into the query text.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import rdflib

from retinoid_ld import resources
from retinoid_ld.errors import InputError
from retinoid_ld.namespaces import expand
from retinoid_ld.query import QueryResult, execute_on_store, labels_for
from retinoid_ld.store import open_store

PARAM_TYPES = ("drug", "term", "string", "integer")
_HEADER = re.compile(r"^#\+\s*(\w+)\s*:\s*(.*)$")
_PARAM = re.compile(r"^(\w+)\s+(\w+)\s+(\S+)\s*(?:--\s*(.*))?$")


@dataclass(frozen=True)
class Parameter:
    """A query parameter: a variable name, its type, its default and what it means."""

    name: str
    type: str
    default: str
    description: str = ""


@dataclass(frozen=True)
class SavedQuery:
    """A saved question: its name (file stem), title, description, parameters and text."""

    name: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    text: str
    path: Path

    @property
    def parameter_names(self) -> list[str]:
        return [p.name for p in self.parameters]


def parse_saved_query(path: Path) -> SavedQuery:
    """Read a ``.rq`` file and its header, or fail saying which line is wrong."""
    text = path.read_text(encoding="utf-8")
    fields: dict[str, list[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#"):
            break
        match = _HEADER.match(line)
        if match:
            fields.setdefault(match.group(1), []).append(match.group(2).strip())
        elif line.startswith("#+"):
            raise InputError(f"{path}:{number}: malformed header line", hint="use '#+ key: value'")
    parameters = []
    for spec in fields.get("param", []):
        match = _PARAM.match(spec)
        if not match or match.group(2) not in PARAM_TYPES:
            raise InputError(
                f"{path}: bad parameter declaration {spec!r}",
                hint=f"write '#+ param: NAME TYPE DEFAULT -- description' with TYPE one of {PARAM_TYPES}",
            )
        parameters.append(
            Parameter(match.group(1), match.group(2), match.group(3), match.group(4) or "")
        )
    if "title" not in fields:
        raise InputError(f"{path}: the header has no '#+ title:' line")
    return SavedQuery(
        name=path.stem,
        title=fields["title"][0],
        description=" ".join(fields.get("description", [])),
        parameters=tuple(parameters),
        text=text,
        path=path,
    )


def list_saved_queries(directory: Path | None = None) -> list[SavedQuery]:
    """Every saved question (not the QC queries), sorted by name."""
    folder = directory or resources.queries_dir()
    return [parse_saved_query(p) for p in sorted(folder.glob("*.rq"))]


def get_saved_query(name: str, directory: Path | None = None) -> SavedQuery:
    folder = directory or resources.queries_dir()
    path = folder / f"{name}.rq"
    if not path.is_file():
        names = [q.name for q in list_saved_queries(folder)]
        close = difflib.get_close_matches(name, names, n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "run 'retinoid-ld query --list'"
        raise InputError(f"no saved query named {name!r}", hint=hint)
    return parse_saved_query(path)


_NAMES_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX oio: <http://www.geneontology.org/formats/oboInOwl#>
SELECT DISTINCT ?term ?name WHERE {
  ?term rdfs:subClassOf* <http://purl.obolibrary.org/obo/CHEBI_24431> .
  { ?term rdfs:label ?name } UNION { ?term skos:altLabel ?name }
  UNION { ?term oio:hasExactSynonym ?name } UNION { ?term oio:hasRelatedSynonym ?name }
}
"""


def resolve_drug(store: ox.Store, value: str) -> rdflib.URIRef:
    """A drug from a CURIE, an IRI, a label or a synonym; close matches on failure."""
    text = value.strip()
    names: dict[str, set[str]] = {}
    for row in store.query(_NAMES_QUERY, use_default_graph_as_union=True):
        names.setdefault(row["name"].value.casefold(), set()).add(row["term"].value)
    drugs = {iri for iris in names.values() for iri in iris}
    if ":" in text:
        try:
            iri = expand(text)
        except ValueError as error:
            raise InputError(f"drug {value!r}: {error}") from None
        if iri in drugs:
            return rdflib.URIRef(iri)
        raise InputError(
            f"drug {value!r} is not a chemical entity known to the store",
            hint="use a CURIE such as CHEBI:6067 or a name such as isotretinoin",
        )
    matches = names.get(text.casefold())
    if matches and len(matches) == 1:
        return rdflib.URIRef(next(iter(matches)))
    if matches:
        raise InputError(
            f"drug name {value!r} is ambiguous: {', '.join(sorted(matches))}",
            hint="give the CURIE instead",
        )
    close = difflib.get_close_matches(text.casefold(), list(names), n=5, cutoff=0.6)
    hint = (
        f"close matches: {', '.join(close)}" if close else "run 'retinoid-ld sparql' to list drugs"
    )
    raise InputError(f"unknown drug {value!r}", hint=hint)


def resolve_parameter(store: ox.Store, parameter: Parameter, value: str) -> rdflib.term.Node:
    """Turn a parameter's text into the RDF term it is bound to."""
    if parameter.type == "drug":
        return resolve_drug(store, value)
    if parameter.type == "term":
        try:
            iri = expand(value)
        except ValueError as error:
            raise InputError(
                f"parameter {parameter.name}: {error}",
                hint="give a CURIE (CL:0000738) or an absolute IRI",
            ) from None
        if not (iri.startswith(("http://", "https://")) and not set(iri) & set('<>"{}|^`\\ ')):
            raise InputError(f"parameter {parameter.name}: {value!r} is not a valid IRI")
        return rdflib.URIRef(iri)
    if parameter.type == "integer":
        try:
            return rdflib.Literal(int(value))
        except ValueError:
            raise InputError(f"parameter {parameter.name}: {value!r} is not an integer") from None
    return rdflib.Literal(value)


def bind_parameters(
    store: ox.Store, query: SavedQuery, params: Mapping[str, str] | None
) -> dict[str, rdflib.term.Node]:
    """Resolve every parameter (given or default) to an RDF term."""
    given = dict(params or {})
    unknown = sorted(set(given) - set(query.parameter_names))
    if unknown:
        raise InputError(
            f"query {query.name!r} has no parameter {', '.join(unknown)}",
            hint=f"its parameters are: {', '.join(query.parameter_names) or 'none'}",
        )
    return {
        p.name: resolve_parameter(store, p, given.get(p.name, p.default)) for p in query.parameters
    }


def run_saved_query(
    name: str,
    *,
    params: Mapping[str, str] | None = None,
    store: str | os.PathLike[str] | None = None,
    limit: int | None = None,
    with_labels: bool = True,
) -> QueryResult:
    """Run a saved question on the embedded store with its parameters bound as RDF terms."""
    saved = get_saved_query(name)
    oxstore = open_store(store)
    bindings = bind_parameters(oxstore, saved, params)
    result = execute_on_store(oxstore, saved.text, substitutions=bindings, limit=limit)
    if with_labels and result.kind == "select":
        iris = {str(t) for row in result.rows for t in row if isinstance(t, rdflib.URIRef)}
        result.labels = labels_for(oxstore, iris)
    return result
