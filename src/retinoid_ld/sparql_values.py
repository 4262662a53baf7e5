"""Bind query parameters as RDF terms in a ``VALUES`` block, for endpoints without pre-binding.

The embedded store pre-binds variables through pyoxigraph's ``substitutions``. A
remote SPARQL 1.1 endpoint has no such API, so the values travel inside the query
as a ``VALUES (?a ?b) { (<iri> "literal") }`` block. Values are never pasted as
text: each is serialised as an RDF term (IRIs validated, literals escaped as in
N-Triples) so that no value can end the term it sits in and change the query.

A block with every parameter goes right after the opening brace of the outermost
``WHERE`` group, so it is joined before every other element of that group
(``OPTIONAL``, ``MINUS`` and top-level ``FILTER`` see the bound value). Every
group pattern inside that mentions a parameter gets a block for it as well, first
in that group; a sub-SELECT counts only for the parameters it projects (its other
variables are its own), and ``VALUES`` data and ``SERVICE`` groups are left alone.
This is what pre-binding on the embedded store does (a ``FILTER`` in a nested
group sees the value), and it keeps Virtuoso correct: Virtuoso joins a nested
group's or sub-SELECT's unbound variables with outer values like SQL NULLs (never
equal) and would otherwise drop rows where a parameter is bound in one ``UNION``
branch only. The cross-engine tests run every saved query through this binding.
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
_VARNAME = re.compile(r"[A-Za-z0-9_]+")

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
    kind: str  # "word", "var", "*", "{", "}", "(" or ")"
    text: str
    start: int
    end: int


def _tokens(query: str):
    """The tokens that matter for finding WHERE groups: words, variables, brackets.

    Strings, IRIs, comments and prefixed names are skipped whole, so a brace or
    keyword inside them never counts.
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
            match = _VARNAME.match(query, i + 1)
            if match:
                yield _Token("var", match.group(0), i, match.end())
            i = match.end() if match else i + 1
        elif c in "{}()*":
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


@dataclass(frozen=True)
class _Group:
    """A group pattern: where its braces are, and whether its body is a sub-SELECT."""

    start: int  # offset of its "{"
    end: int  # offset of its "}"
    subselect_body: bool  # the group's whole body is a sub-SELECT


def _closing(tokens: list[_Token], index: int) -> int:
    """Index of the bracket closing the one at ``index``."""
    depth = 0
    for position in range(index, len(tokens)):
        if tokens[position].kind in "({":
            depth += 1
        elif tokens[position].kind in ")}":
            depth -= 1
            if depth == 0:
                return position
    raise InputError("the SPARQL query has an unclosed bracket", hint="balance the braces")


def _group(tokens: list[_Token], open_index: int) -> _Group:
    close = _closing(tokens, open_index)
    following = tokens[open_index + 1] if open_index + 1 < close else None
    subselect = following is not None and following.text == "SELECT"
    return _Group(tokens[open_index].start, tokens[close].start, subselect)


def _outer_group(query: str, tokens: list[_Token]) -> _Group:
    """The outermost WHERE group (skipping a CONSTRUCT template)."""
    form = query_form(query)
    depth = 0
    seen_where = seen_template = False
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
                return _group(tokens, index)
        if token.kind in "({":
            depth += 1
        elif token.kind in ")}":
            depth -= 1
        elif token.kind == "word" and token.text == "WHERE" and depth == 0:
            seen_where = True
    raise InputError(
        "cannot find the query's WHERE group to bind its parameters",
        hint="write the query with an explicit 'WHERE { ... }'",
    )


def _projection(tokens: list[_Token], select_index: int) -> tuple[frozenset[str] | None, int]:
    """What a (sub-)SELECT projects (None for ``*``) and the index of its WHERE group's "{"."""
    projected: set[str] = set()
    star = False
    depth = 0
    position = select_index + 1
    while position < len(tokens):
        token = tokens[position]
        if depth == 0 and token.kind == "{":
            return (None if star else frozenset(projected)), position
        if token.kind == "(":
            depth += 1
        elif token.kind == ")":
            depth -= 1
        elif token.kind == "*" and depth == 0:
            star = True
        elif token.kind == "var" and (depth == 0 or tokens[position - 1].text == "AS"):
            projected.add(token.text)
        position += 1
    raise InputError("a sub-SELECT has no WHERE group", hint="write 'SELECT ... WHERE { ... }'")


class _Binder:
    """Finds, for every group pattern, which parameters it mentions (scoping sub-SELECTs)."""

    def __init__(self, tokens: list[_Token], parameters: set[str]):
        self.tokens = tokens
        self.parameters = parameters
        self.injections: list[tuple[_Group, set[str]]] = []

    def group(self, open_index: int, visible: set[str]) -> tuple[int, set[str]]:
        """Walk the group opened at ``open_index``; returns its closing index and mentions."""
        tokens = self.tokens
        close = _closing(tokens, open_index)
        mentioned: set[str] = set()
        first = tokens[open_index + 1] if open_index + 1 < close else None
        if first is not None and first.text == "SELECT":
            # The group's body is a sub-SELECT: only what it projects is seen outside.
            projected, where = _projection(tokens, open_index + 1)
            inner_visible = visible if projected is None else visible & projected
            _end, inner = self.group(where, inner_visible)
            mentioned = (
                inner
                | {t.text for t in tokens[open_index + 1 : where] if t.kind == "var"}
                & inner_visible
            )
        else:
            index = open_index + 1
            while index < close:
                token = tokens[index]
                if token.kind == "var" and token.text in visible:
                    mentioned.add(token.text)
                elif token.kind == "word" and token.text in ("VALUES", "SERVICE"):
                    # A VALUES data block is not a pattern; a SERVICE group runs elsewhere.
                    block = index + 1
                    while block < close and tokens[block].kind != "{":
                        if tokens[block].kind == "var" and tokens[block].text in visible:
                            mentioned.add(tokens[block].text)
                        block += 1
                    if block < close:
                        end = _closing(tokens, block)
                        if token.text == "SERVICE":
                            mentioned |= {
                                t.text
                                for t in tokens[block:end]
                                if t.kind == "var" and t.text in visible
                            }
                        index = end
                elif token.kind == "{":
                    end, inner = self.group(index, visible)
                    mentioned |= inner
                    index = end
                index += 1
        if mentioned:
            self.injections.append((_group(tokens, open_index), mentioned))
        return close, mentioned


def bind_by_values(query: str, bindings: Mapping[str, rdflib.term.Node] | None) -> str:
    """The query with its parameters bound by VALUES blocks of RDF terms.

    One block with every parameter goes first in the outermost WHERE group. Each
    group pattern inside that mentions a parameter gets a block for the ones it
    mentions, first in that group (a sub-SELECT counts only for what it projects).
    This is the pre-binding the embedded store does: a FILTER in a nested group
    sees the value, and Virtuoso, which does not join a nested group's or
    sub-SELECT's unbound variables with outer values as SPARQL says, answers like
    the other engines.
    """
    if not bindings:
        return query
    values_block(bindings)  # validate every name and term before anything else
    tokens = list(_tokens(query))
    outer = _outer_group(query, tokens)
    open_index = next(i for i, t in enumerate(tokens) if t.start == outer.start)
    binder = _Binder(tokens, set(bindings))
    binder.group(open_index, set(bindings))
    chosen = {group.start: (group, names) for group, names in binder.injections}
    chosen[outer.start] = (outer, set(bindings))
    insertions: list[tuple[int, str]] = []  # (offset, text), applied from the end
    for group, names in chosen.values():
        block = values_block({n: bindings[n] for n in bindings if n in names})
        if group.subselect_body:
            # A group whose body is a sub-SELECT may hold nothing else: wrap it.
            insertions += [(group.start + 1, f" {block} {{"), (group.end, "} ")]
        else:
            insertions.append((group.start + 1, f" {block}\n"))
    text = query
    for offset, insertion in sorted(insertions, key=lambda item: item[0], reverse=True):
        text = text[:offset] + insertion + text[offset:]
    return text
