"""Normalise query answers so that the same answer from different engines compares equal.

Engines agree on what an answer means but not on how they write it. Measured
differences (see README "Scaling out"): Virtuoso returns typed literals in the old
``typed-literal`` JSON form, ``true`` as ``"1"^^xsd:boolean``, large integers as
``xsd:decimal``, keeps ``^^xsd:string`` and names blank nodes ``nodeID://b10000``;
Oxigraph canonicalises numbers (``007`` -> ``7``) and lower-cases language tags.
:func:`normalise_result` maps each term to one canonical text so that these
differences vanish and only real differences remain.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

import rdflib

from retinoid_ld.query import QueryResult

XSD = "http://www.w3.org/2001/XMLSchema#"
BLANK_NODE = "_:b"
UNBOUND = ""

_INTEGER_TYPES = {
    XSD + name
    for name in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
}
_FLOAT_TYPES = {XSD + "double", XSD + "float"}


def _number(lexical: str, datatype: str) -> str | None:
    """Integers and integral decimals as ``N^^xsd:integer``; other decimals canonical."""
    try:
        value = Decimal(lexical.strip())
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    if datatype in _INTEGER_TYPES or value == value.to_integral_value():
        return f'"{int(value)}"^^<{XSD}integer>'
    text = format(value.normalize(), "f")
    return f'"{text}"^^<{XSD}decimal>'


def _literal(term: rdflib.Literal) -> str:
    lexical = str(term)
    if term.language:
        return f"{json.dumps(lexical)}@{term.language.lower()}"
    datatype = str(term.datatype) if term.datatype else XSD + "string"
    if datatype == XSD + "string":
        return json.dumps(lexical)
    if datatype == XSD + "boolean" and lexical.strip() in ("1", "0", "true", "false"):
        truth = lexical.strip() in ("1", "true")
        return f'"{"true" if truth else "false"}"^^<{XSD}boolean>'
    if datatype in _INTEGER_TYPES or datatype == XSD + "decimal":
        number = _number(lexical, datatype)
        if number is not None:
            return number
    if datatype in _FLOAT_TYPES:
        try:
            return f'"{float(lexical)!r}"^^<{XSD}double>'
        except ValueError:
            pass
    if datatype == XSD + "dateTime":
        try:
            moment = datetime.fromisoformat(lexical.strip().replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            if moment.tzinfo is not None:
                moment = moment.astimezone(timezone.utc)
            return f'"{moment.isoformat()}"^^<{datatype}>'
    return f"{json.dumps(lexical)}^^<{datatype}>"


def normalise_term(term: rdflib.term.Node | None) -> str:
    """One canonical text per RDF term; blank nodes all become one placeholder."""
    if term is None:
        return UNBOUND
    if isinstance(term, rdflib.URIRef):
        return f"<{term}>"
    if isinstance(term, rdflib.BNode):
        return BLANK_NODE
    if isinstance(term, rdflib.Literal):
        return _literal(term)
    raise TypeError(f"unsupported RDF term {term!r}")


def normalise_result(result: QueryResult) -> list[tuple]:
    """The answer as a sorted list of tuples of canonical term texts.

    SELECT: the variable names first, then the rows sorted (engines may order ties
    differently). ASK: ``[("ask", True)]``. CONSTRUCT: the sorted triples.
    """
    if result.kind == "ask":
        return [("ask", bool(result.boolean))]
    if result.kind == "construct":
        assert result.graph is not None
        return sorted(tuple(normalise_term(t) for t in triple) for triple in result.graph)
    rows = sorted(tuple(normalise_term(t) for t in row) for row in result.rows)
    return [tuple(result.variables), *rows]
