"""Bind query parameters as RDF terms in a ``VALUES`` block, for endpoints without pre-binding.

The embedded store pre-binds variables through pyoxigraph's ``substitutions``. A
remote SPARQL 1.1 endpoint has no such API, so the values travel inside the query
as a ``VALUES (?a ?b) { (<iri> "literal") }`` block. Values are never pasted as
text: each is serialised as an RDF term (IRIs validated, literals escaped as in
N-Triples) so that no value can end the term it sits in and change the query.

The block is placed right after the opening brace of the outermost ``WHERE``
group, so it is joined before every other element of that group (``OPTIONAL``,
``MINUS`` and top-level ``FILTER`` see the bound value, as with pre-binding). One
difference remains: a ``FILTER`` inside a *nested* group that uses a parameter the
group does not itself bind sees it unbound; saved queries use parameters in triple
patterns or top-level filters, and the cross-engine tests check every one of them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import rdflib

from retinoid_ld.errors import InputError

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

# SPARQL 1.1 IRIREF excludes these characters and everything up to and including space.
_IRI_FORBIDDEN = set('<>"{}|^`\\')
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_LANGUAGE = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_IRIREF = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")

QUERY_FORMS = ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")
UPDATE_KEYWORDS = (
    "INSERT",
    "DELETE",
    "LOAD",
    "CLEAR",
    "CREATE",
    "DROP",
    "COPY",
    "MOVE",
    "ADD",
    "WITH",
)


def validate_iri(iri: str, *, what: str = "IRI") -> str:
    """Return ``iri`` if it is an absolute IRI that SPARQL can write as ``<iri>``; else fail."""
    bad = sorted({c for c in iri if c in _IRI_FORBIDDEN or ord(c) <= 0x20})
    if not iri or bad or not _SCHEME.match(iri):
        shown = ", ".join(repr(c) for c in bad)
        reason = f"it contains {shown}" if bad else "it is not an absolute IRI (scheme:...)"
        raise InputError(
            f"{what} {iri!r} is not a valid IRI: {reason}",
            hint='an IRI has a scheme (https:) and none of <>"{}|^`\\ or spaces',
        )
    return iri


def _escape_string(text: str) -> str:
    """N-Triples string escaping (ECHAR): quotes, backslashes and line breaks."""
    return (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )


def sparql_term(term: rdflib.term.Node) -> str:
    """An RDF term written as SPARQL (and N-Triples) syntax, safe to embed in a query."""
    if isinstance(term, rdflib.URIRef):
        return f"<{validate_iri(str(term))}>"
    if isinstance(term, rdflib.Literal):
        quoted = f'"{_escape_string(str(term))}"'
        if term.language:
            if not _LANGUAGE.match(term.language):
                raise InputError(f"{term.language!r} is not a valid language tag")
            return f"{quoted}@{term.language}"
        if term.datatype and str(term.datatype) != XSD_STRING:
            return f"{quoted}^^<{validate_iri(str(term.datatype), what='datatype')}>"
        return quoted
    raise InputError(
        f"cannot bind {term!r} remotely: only IRIs and literals can be parameters",
        hint="blank nodes have no name outside the store that made them",
    )


def values_block(bindings: Mapping[str, rdflib.term.Node]) -> str:
    """``VALUES (?a ?b) { (<x> "y") }`` for one row of bindings."""
    for name in bindings:
        if not _VARIABLE.match(name):
            raise InputError(f"{name!r} is not a SPARQL variable name")
    names = " ".join(f"?{name}" for name in bindings)
    terms = " ".join(sparql_term(term) for term in bindings.values())
    return f"VALUES ({names}) {{ ({terms}) }}"


@dataclass(frozen=True)
class _Token:
    kind: str  # "word", "{", "}", "(", ")", or "other"
    text: str
    start: int
    end: int


def _tokens(query: str):
    """The tokens that matter for finding the WHERE group: words and brackets.

    Strings, IRIs, comments, variables and prefixed names are skipped whole, so a
    brace or keyword inside them never counts.
    """
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        if c.isspace():
            i += 1
        elif c == "#":
            end = query.find("\n", i)
            i = n if end < 0 else end + 1
        elif c in "\"'":
            i = _skip_string(query, i)
        elif c == "<":
            match = _IRIREF.match(query, i)
            i = match.end() if match else i + 1
        elif c in "?$":
            match = _WORD.match(query, i + 1)
            i = match.end() if match else i + 1
        elif c in "{}()":
            yield _Token(c, c, i, i + 1)
            i += 1
        elif c.isalpha() or c == "_":
            match = _WORD.match(query, i)
            assert match is not None
            end = match.end()
            # A prefixed name (rld:where) or a name after ':' is not a keyword.
            is_name = (end < n and query[end] == ":") or (i > 0 and query[i - 1] == ":")
            if is_name:
                while end < n and not query[end].isspace() and query[end] not in "{}()<,;":
                    end += 1
                i = end
            else:
                yield _Token("word", match.group(0).upper(), i, end)
                i = end
        else:
            i += 1


def _skip_string(query: str, i: int) -> int:
    quote = query[i]
    long = query.startswith(quote * 3, i)
    delimiter = quote * 3 if long else quote
    j = i + len(delimiter)
    while j < len(query):
        if query[j] == "\\":
            j += 2
            continue
        if query.startswith(delimiter, j):
            return j + len(delimiter)
        if not long and query[j] in "\r\n":
            break
        j += 1
    raise InputError("the SPARQL query has an unterminated string", hint="close the quotes")


def query_form(query: str) -> str:
    """SELECT, CONSTRUCT, ASK or DESCRIBE, or the update keyword the text starts with."""
    for token in _tokens(query):
        if token.kind == "word" and token.text not in ("BASE", "PREFIX"):
            if token.text in QUERY_FORMS or token.text in UPDATE_KEYWORDS:
                return token.text
            break
    raise InputError(
        "the text is not a SPARQL query",
        hint="it must start (after PREFIX lines) with SELECT, CONSTRUCT, ASK or DESCRIBE",
    )


def _where_group(query: str) -> tuple[int, int, bool]:
    """Offsets of the outermost WHERE group's braces, and whether its body is a sub-SELECT."""
    form = query_form(query)
    tokens = list(_tokens(query))
    depth = 0
    seen_where = seen_template = False
    open_index = None
    for index, token in enumerate(tokens):
        if token.kind == "{" and depth == 0:
            if form == "CONSTRUCT" and not seen_where:
                seen_template = True
            else:
                if form == "CONSTRUCT" and not seen_template:
                    raise InputError(
                        "cannot bind parameters in the short form 'CONSTRUCT WHERE { ... }'",
                        hint="write 'CONSTRUCT { template } WHERE { pattern }'",
                    )
                open_index = index
                break
        if token.kind in "({":
            depth += 1
        elif token.kind in ")}":
            depth -= 1
        elif token.kind == "word" and token.text == "WHERE" and depth == 0:
            seen_where = True
    if open_index is None:
        raise InputError(
            "cannot find the query's WHERE group to bind its parameters",
            hint="write the query with an explicit 'WHERE { ... }'",
        )
    depth = 0
    for token in tokens[open_index:]:
        if token.kind in "({":
            depth += 1
        elif token.kind in ")}":
            depth -= 1
            if depth == 0:
                following = tokens[open_index + 1] if open_index + 1 < len(tokens) else None
                subselect = following is not None and following.text == "SELECT"
                return tokens[open_index].start, token.start, subselect
    raise InputError("the SPARQL query has an unclosed '{'", hint="balance the braces")


def bind_by_values(query: str, bindings: Mapping[str, rdflib.term.Node] | None) -> str:
    """The query with a VALUES block for ``bindings`` first in its outermost WHERE group."""
    if not bindings:
        return query
    block = values_block(bindings)
    start, end, subselect = _where_group(query)
    if subselect:
        # A group whose body is a sub-SELECT may hold nothing else: wrap it in braces.
        return f"{query[: start + 1]} {block} {{{query[start + 1 : end]}}} {query[end:]}"
    return f"{query[: start + 1]} {block}\n{query[start + 1 :]}"
