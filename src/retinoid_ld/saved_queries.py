"""Saved SPARQL queries: one question per ``queries/*.rq`` file, with a header.

The header is a block of ``#+`` comment lines at the top of the file (in the spirit
of grlc), documented in ``queries/README.md``::

    #+ title: Drug effect matrix
    #+ description: Every target by drug, with direction and context.
    #+ param: drug_a drug CHEBI:6067 -- the first drug to compare
    #+ param: drug_b drug rld:acitretin -- the second drug

A parameter is a variable of the query (``?drug_a``) bound to an RDF term when the
query runs: on the embedded store as a pyoxigraph substitution, on rdflib through
``initBindings``, and on a remote endpoint as ``VALUES`` blocks of serialised terms
placed first in each group that uses it (:func:`text_with_values`). Its value is
never pasted into the query text as such.
"""

from __future__ import annotations

import difflib
import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import rdflib

from retinoid_ld import resources
from retinoid_ld.errors import InputError
from retinoid_ld.namespaces import curie, expand
from retinoid_ld.query import QueryResult, add_labels, call_with_timeout, execute_on_store
from retinoid_ld.store import open_store

PARAM_TYPES = ("drug", "term", "string", "integer")
_HEADER = re.compile(r"^#\+\s*(\w+)\s*:\s*(.*)$")
_PARAM = re.compile(r'^(\w+)\s+(\w+)\s+("(?:[^"\\]|\\.)*"|\S+)\s*(?:--\s*(.*))?$')
# Characters that may not appear in an IRI written in SPARQL or Turtle (RFC 3987 + grammar).
_IRI_FORBIDDEN = set('<>"{}|^`\\') | {chr(c) for c in range(0x21)}
_IRI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


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


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def parse_saved_query(path: Path) -> SavedQuery:
    """Read a ``.rq`` file and its header, or fail saying which line is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot be read: {error}") from error
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
                hint=f"write '#+ param: NAME TYPE DEFAULT -- description' with TYPE one of "
                f"{', '.join(PARAM_TYPES)}",
            )
        parameters.append(
            Parameter(
                match.group(1), match.group(2), _unquote(match.group(3)), match.group(4) or ""
            )
        )
    if "title" not in fields:
        raise InputError(f"{path}: the header has no '#+ title:' line")
    names = [p.name for p in parameters]
    if len(set(names)) != len(names):
        raise InputError(f"{path}: a parameter is declared twice: {', '.join(names)}")
    for name in names:
        if not re.search(rf"\?{name}\b", text):
            raise InputError(f"{path}: parameter {name} is not a variable ?{name} of the query")
    return SavedQuery(
        name=path.stem,
        title=fields["title"][0],
        description=" ".join(fields.get("description", [])),
        parameters=tuple(parameters),
        text=text,
        path=path,
    )


def list_saved_queries(directory: Path | None = None) -> list[SavedQuery]:
    """Every saved question (not the QC queries under qc/), sorted by name."""
    folder = directory or resources.queries_dir()
    return [parse_saved_query(p) for p in sorted(folder.glob("*.rq"))]


def get_saved_query(name: str, directory: Path | None = None) -> SavedQuery:
    """The saved question called ``name``; close names are suggested if there is none."""
    folder = directory or resources.queries_dir()
    path = folder / f"{name}.rq"
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name) or not path.is_file():
        names = [q.name for q in list_saved_queries(folder)]
        close = difflib.get_close_matches(name, names, n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "run 'retinoid-ld query --list'"
        raise InputError(f"no saved query named {name!r}", hint=hint)
    return parse_saved_query(path)


# ---------------------------------------------------------------------------
# Resolving parameter values to RDF terms
# ---------------------------------------------------------------------------

_NAME_PREDICATES = """
  { ?term rdfs:label ?name } UNION { ?term skos:prefLabel ?name }
  UNION { ?term skos:altLabel ?name } UNION { ?term oio:hasExactSynonym ?name }
"""

_DRUG_NAMES_QUERY = (
    """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX oio: <http://www.geneontology.org/formats/oboInOwl#>
PREFIX rld: <https://w3id.org/retinoid-ld/>
SELECT DISTINCT ?term ?name WHERE {
  { ?term rdfs:subClassOf* <http://purl.obolibrary.org/obo/CHEBI_24431> }
  UNION { SELECT DISTINCT ?term WHERE { ?statement rld:drug ?term } }
"""
    + _NAME_PREDICATES
    + "}"
)

_TERM_NAMES_QUERY = (
    """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX oio: <http://www.geneontology.org/formats/oboInOwl#>
SELECT DISTINCT ?term ?name WHERE {
"""
    + _NAME_PREDICATES
    + " FILTER(isIRI(?term)) }"
)


def normalise_name(text: str) -> str:
    """Compare names the way people type them: case, dashes and spacing do not matter."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    return re.sub(r"\s+", " ", text).strip()


def _names(store: ox.Store, query: str) -> dict[str, set[str]]:
    names: dict[str, set[str]] = {}
    for row in store.query(query, use_default_graph_as_union=True):
        names.setdefault(normalise_name(row["name"].value), set()).add(row["term"].value)
    return names


def check_iri(iri: str, *, what: str) -> rdflib.URIRef:
    """An IRI that is safe to use as an RDF term, or a clear error saying why not."""
    valid = bool(_IRI_SCHEME.match(iri)) and not set(iri) & _IRI_FORBIDDEN
    if valid:
        try:  # the store's own IRI syntax check (RFC 3987): a bad port or host fails here
            ox.NamedNode(iri)
        except ValueError:
            valid = False
    if not valid:
        raise InputError(
            f"{what}: {iri!r} is not a valid IRI",
            hint="give a CURIE (CL:0000738) or an absolute IRI without spaces, quotes or <>",
        )
    return rdflib.URIRef(iri)


def _expand_or_fail(value: str, *, what: str) -> str:
    try:
        return expand(value)
    except ValueError as error:
        raise InputError(
            f"{what}: {error}", hint="give a CURIE (CHEBI:6067, CL:0000738) or an absolute IRI"
        ) from None


def _by_name(names: dict[str, set[str]], value: str, *, what: str, kind: str) -> rdflib.URIRef:
    key = normalise_name(value)
    matches = names.get(key)
    if matches and len(matches) == 1:
        return rdflib.URIRef(next(iter(matches)))
    if matches:
        choices = ", ".join(sorted(curie(iri) for iri in matches))
        raise InputError(
            f"{what}: the name {value!r} is ambiguous: {choices}", hint="give the CURIE"
        )
    close = difflib.get_close_matches(key, list(names), n=5, cutoff=0.6)
    close += sorted(n for n in names if key and key in n and n not in close)[
        : max(0, 5 - len(close))
    ]
    if close:
        listed = "; ".join(f"{n} ({', '.join(sorted(curie(i) for i in names[n]))})" for n in close)
        hint = f"close matches: {listed}"
    else:
        hint = f"give a CURIE, or a {kind} label or synonym known to the ontology"
    raise InputError(f"{what}: unknown {kind} {value!r}", hint=hint)


def resolve_drug(store: ox.Store, value: str, *, what: str = "drug") -> rdflib.URIRef:
    """A drug from a CURIE, an IRI, a label or a synonym; close matches on failure.

    Names come from rdfs:label, skos:prefLabel, skos:altLabel and
    oboInOwl:hasExactSynonym of every ChEBI chemical entity (and project drug) in the
    store, compared without regard to case, dashes or spacing.
    """
    text = value.strip()
    names = _names(store, _DRUG_NAMES_QUERY)
    if _IRI_SCHEME.match(text) or text.startswith("<"):
        iri = str(check_iri(_expand_or_fail(text, what=what), what=what))
        drugs = {term for terms in names.values() for term in terms}
        if iri in drugs:
            return rdflib.URIRef(iri)
        raise InputError(
            f"{what}: {value!r} is not a chemical entity known to the store",
            hint="use a CURIE such as CHEBI:6067 or a name such as isotretinoin",
        )
    return _by_name(names, text, what=what, kind="drug")


def resolve_term(store: ox.Store, value: str, *, what: str = "term") -> rdflib.URIRef:
    """A term from a CURIE or IRI (checked), or from a label or synonym in the store."""
    text = value.strip()
    if _IRI_SCHEME.match(text) or text.startswith("<"):
        return check_iri(_expand_or_fail(text, what=what), what=what)
    return _by_name(_names(store, _TERM_NAMES_QUERY), text, what=what, kind="term")


def resolve_parameter(store: ox.Store, parameter: Parameter, value: str) -> rdflib.term.Node:
    """Turn a parameter's text into the RDF term it is bound to."""
    what = f"parameter {parameter.name}"
    if parameter.type == "drug":
        return resolve_drug(store, value, what=what)
    if parameter.type == "term":
        return resolve_term(store, value, what=what)
    if parameter.type == "integer":
        try:
            return rdflib.Literal(int(value.strip()))
        except ValueError:
            raise InputError(f"{what}: {value!r} is not an integer") from None
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


# ---------------------------------------------------------------------------
# Binding as VALUES, for endpoints that cannot pre-bind variables
# ---------------------------------------------------------------------------


def text_with_values(text: str, bindings: Mapping[str, rdflib.term.Node]) -> str:
    """The query text with its parameters bound by VALUES blocks of serialised RDF terms.

    For endpoints without pre-bound variables (the SPARQL protocol has none); see
    :func:`retinoid_ld.sparql_values.bind_by_values`, which places a block first in
    every group that uses a parameter so that it answers as pre-binding does.
    """
    from retinoid_ld.sparql_values import bind_by_values

    return bind_by_values(text, bindings)


def run_saved_query(
    name: str,
    *,
    params: Mapping[str, str] | None = None,
    store: str | os.PathLike[str] | None = None,
    limit: int | None = None,
    timeout: float | None = None,
    with_labels: bool = True,
) -> QueryResult:
    """Run a saved question on the embedded store with its parameters bound as RDF terms.

    ``timeout`` (seconds) runs the query in a child process that is stopped when time
    is up (QueryTimeoutError); ``limit`` cuts the answer and marks it truncated.
    """
    saved = get_saved_query(name)

    def evaluate() -> QueryResult:
        oxstore = open_store(store)
        bindings = bind_parameters(oxstore, saved, params)
        result = execute_on_store(oxstore, saved.text, substitutions=bindings, limit=limit)
        if with_labels:
            add_labels(oxstore, result)
        return result

    return call_with_timeout(evaluate, timeout)
