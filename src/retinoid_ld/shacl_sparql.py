"""Compile SHACL shapes into SPARQL queries and evaluate them on an Oxigraph store.

pySHACL walks the data graph in Python, one focus node at a time, over an rdflib
graph; that is the reference, but it is slow at scale. Here every constraint of the
shapes files (the single source of truth, never written twice) becomes one SPARQL
``SELECT`` that returns the offending focus nodes (and values) all at once, so the
work runs inside Oxigraph's query engine.

Design rules, each chosen to match pySHACL result for result:

* Focus nodes follow SHACL targets (``sh:targetClass`` through
  ``rdf:type/rdfs:subClassOf*``, ``sh:targetNode``, ``sh:targetSubjectsOf``,
  ``sh:targetObjectsOf``, implicit class targets). A property shape reports for the
  focus nodes of every targeted node shape that lists it with ``sh:property``.
* Nested shapes (``sh:node``, ``sh:not``, ``sh:and``, ``sh:or``, ``sh:xone``) are
  compiled to one boolean SPARQL expression "the node violates the shape", built
  from ``EXISTS`` patterns anchored on an already-bound variable. Anti-joins are
  always anchored this way: an unanchored ``FILTER NOT EXISTS`` is evaluated as a
  nested loop by Oxigraph and becomes quadratic (see the project's perf notes).
* Every expression is error-free (``COALESCE`` around anything that can raise a
  SPARQL type error), so that "not valid" is never confused with "unknown".
* SHACL-SPARQL constraints (``sh:sparql``) run as written, with ``$this`` renamed to
  ``?this`` and the query joined to the focus nodes; they must bind ``$this`` in a
  required triple pattern (which is what makes pre-binding and joining agree).
* Literal validity (``sh:datatype``) follows pySHACL: numeric literals must be
  well-formed numbers (``isNumeric``), booleans ``true``/``false``, dates
  comparable; datatypes pySHACL does not check (such as ``xsd:gYear``) are compared
  by datatype IRI only. Both engines see the literals as Oxigraph stores them
  (valid numbers canonicalised, derived integer types stored as ``xsd:integer``).
  One known divergence: lexical forms that XSD rejects but Python's ``int()`` and
  ``Decimal()`` accept (``" 12"``, ``"1_000"``) are invalid here and valid there.

Unsupported SHACL features (``sh:qualifiedValueShape``, ``sh:property`` on a
property shape, SPARQL constraints inside nested shapes, recursive shapes) raise
:class:`UnsupportedShapeError` at compile time rather than being skipped silently.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pyoxigraph as ox
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, XSD

from retinoid_ld.rdfio import to_rdflib_term

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")

TARGET_PREDICATES = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)

NUMERIC_DATATYPES = frozenset(
    XSD[name]
    for name in (
        "integer",
        "decimal",
        "float",
        "double",
        "nonPositiveInteger",
        "negativeInteger",
        "long",
        "int",
        "short",
        "byte",
        "nonNegativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
        "positiveInteger",
    )
)
ORDERED_TIME_DATATYPES = frozenset((XSD.date, XSD.dateTime, XSD.time))

RANGE_OPERATORS = {
    SH.minInclusive: (">=", SH.MinInclusiveConstraintComponent),
    SH.minExclusive: (">", SH.MinExclusiveConstraintComponent),
    SH.maxInclusive: ("<=", SH.MaxInclusiveConstraintComponent),
    SH.maxExclusive: ("<", SH.MaxExclusiveConstraintComponent),
}

NODE_KIND_TESTS = {
    SH.IRI: "isIRI({v})",
    SH.BlankNode: "isBlank({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "!isLiteral({v})",
    SH.BlankNodeOrLiteral: "!isIRI({v})",
    SH.IRIOrLiteral: "!isBlank({v})",
}

# Parameters this compiler understands; anything else in the sh: namespace is refused.
KNOWN_PARAMETERS = frozenset(
    {
        RDF.type,
        SH.path,
        SH.targetClass,
        SH.targetNode,
        SH.targetSubjectsOf,
        SH.targetObjectsOf,
        SH.severity,
        SH.message,
        SH.name,
        SH.description,
        SH.order,
        SH.group,
        SH.defaultValue,
        SH.deactivated,
        SH["class"],
        SH.datatype,
        SH.nodeKind,
        SH.minCount,
        SH.maxCount,
        SH.minInclusive,
        SH.minExclusive,
        SH.maxInclusive,
        SH.maxExclusive,
        SH.minLength,
        SH.maxLength,
        SH.pattern,
        SH.flags,
        SH.languageIn,
        SH.uniqueLang,
        SH["in"],
        SH.hasValue,
        SH.equals,
        SH.disjoint,
        SH.lessThan,
        SH.lessThanOrEquals,
        SH["not"],
        SH["and"],
        SH["or"],
        SH.xone,
        SH.node,
        SH.property,
        SH.closed,
        SH.ignoredProperties,
        SH.sparql,
    }
)


class UnsupportedShapeError(ValueError):
    """The shapes use a SHACL feature this compiler does not translate."""


@dataclass(frozen=True)
class CompiledConstraint:
    """One constraint of one shape, as a SPARQL query returning its violations.

    The query binds ``?this`` (the focus node), ``?value`` where the constraint
    reports a value, ``?path`` where the path varies per result (``sh:closed``,
    SPARQL constraints that select it) and, for SPARQL constraints, any other
    projected variables (used to fill in ``{?var}`` in messages).
    """

    shape: rdflib.term.Node
    component: rdflib.URIRef
    severity: rdflib.URIRef
    path: rdflib.term.Node | None
    query: str
    value_is_focus: bool
    messages: tuple[rdflib.Literal, ...]
    source_constraint: rdflib.term.Node | None = None


@dataclass(frozen=True)
class RawResult:
    """One violation as rdflib terms, before it is turned into a report entry."""

    constraint: CompiledConstraint
    focus: rdflib.term.Node
    value: rdflib.term.Node | None
    path: rdflib.term.Node | None
    bindings: dict[str, rdflib.term.Node] = field(default_factory=dict, hash=False, compare=False)


def sparql_term(node: rdflib.term.Node) -> str:
    """An RDF term in SPARQL syntax (blank nodes of the shapes graph are refused)."""
    if isinstance(node, rdflib.URIRef):
        return f"<{node}>"
    if isinstance(node, rdflib.Literal):
        text = (
            str(node)
            .replace("\\", "\\\\")
            .replace('"', '\\"')
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
        if node.language:
            return f'"{text}"@{node.language}'
        if node.datatype and node.datatype != XSD.string:
            return f'"{text}"^^<{node.datatype}>'
        return f'"{text}"'
    raise UnsupportedShapeError(f"cannot use the blank node {node} as a constant in SPARQL")


class ShapeCompiler:
    """Translate the shapes of one shapes graph into :class:`CompiledConstraint` queries."""

    def __init__(self, graph: rdflib.Graph) -> None:
        self.graph = graph
        self._fresh = itertools.count(1)
        self._lookups: dict[tuple, list] = {}
        self._violations: dict[rdflib.term.Node, str] = {}

    # -- reading the shapes graph ------------------------------------------------

    def _objects(self, subject: rdflib.term.Node, predicate: rdflib.URIRef) -> list:
        key = (subject, predicate)
        if key not in self._lookups:
            self._lookups[key] = sorted(self.graph.objects(subject, predicate), key=str)
        return self._lookups[key]

    def _one(self, subject: rdflib.term.Node, predicate: rdflib.URIRef):
        values = self._objects(subject, predicate)
        return values[0] if values else None

    def _list(self, node: rdflib.term.Node) -> list:
        return list(Collection(self.graph, node))

    def is_property_shape(self, shape: rdflib.term.Node) -> bool:
        return self._one(shape, SH.path) is not None

    def severity(self, shape: rdflib.term.Node) -> rdflib.URIRef:
        return self._one(shape, SH.severity) or SH.Violation

    def deactivated(self, shape: rdflib.term.Node) -> bool:
        value = self._one(shape, SH.deactivated)
        return isinstance(value, rdflib.Literal) and value.toPython() is True

    def targets(self, shape: rdflib.term.Node) -> list[tuple[rdflib.URIRef, rdflib.term.Node]]:
        found = [(p, o) for p in TARGET_PREDICATES for o in self._objects(shape, p)]
        types = set(self.graph.objects(shape, RDF.type))
        if (RDFS.Class in types or OWL.Class in types) and (
            SH.NodeShape in types or SH.PropertyShape in types
        ):
            found.append((SH.targetClass, shape))  # implicit class target
        return found

    def shapes_with_targets(self) -> list[rdflib.term.Node]:
        shapes = {s for p in TARGET_PREDICATES for s in self.graph.subjects(p, None)}
        for shape in self.graph.subjects(RDF.type, SH.NodeShape):
            if self.targets(shape):
                shapes.add(shape)
        return sorted(shapes, key=str)

    # -- paths ---------------------------------------------------------------------

    def path_text(self, path: rdflib.term.Node) -> str:
        """A SHACL path as a SPARQL property path."""
        if isinstance(path, rdflib.URIRef):
            return f"<{path}>"
        if (path, RDF.first, None) in self.graph:
            return "(" + "/".join(self.path_text(p) for p in self._list(path)) + ")"
        for predicate, template in (
            (SH.inversePath, "^({})"),
            (SH.zeroOrMorePath, "({})*"),
            (SH.oneOrMorePath, "({})+"),
            (SH.zeroOrOnePath, "({})?"),
        ):
            inner = self._one(path, predicate)
            if inner is not None:
                return template.format(self.path_text(inner))
        alternatives = self._one(path, SH.alternativePath)
        if alternatives is not None:
            return "(" + "|".join(self.path_text(p) for p in self._list(alternatives)) + ")"
        raise UnsupportedShapeError(f"cannot read the SHACL path {path}")

    # -- expressions: "value ?v satisfies the constraint" --------------------------

    def _var(self) -> str:
        return f"?_v{next(self._fresh)}"

    def _name(self, node: rdflib.term.Node) -> str:
        if isinstance(node, rdflib.BNode):
            return "[a blank-node shape]"
        return node.n3(self.graph.namespace_manager)

    def _check_parameters(self, shape: rdflib.term.Node) -> None:
        for predicate in sorted(set(self.graph.predicates(shape, None)), key=str):
            if str(predicate).startswith(str(SH)) and predicate not in KNOWN_PARAMETERS:
                raise UnsupportedShapeError(
                    f"shape {self._name(shape)} uses {self._name(predicate)}, which the SPARQL "
                    "engine does not compile"
                )

    def value_tests(
        self, shape: rdflib.term.Node, stack: tuple = ()
    ) -> list[tuple[rdflib.URIRef, object, callable]]:
        """Constraints checked on each value node: (component, parameter, ok(var) -> expr)."""
        tests: list[tuple[rdflib.URIRef, object, callable]] = []
        for cls in self._objects(shape, SH["class"]):
            tests.append(
                (
                    SH.ClassConstraintComponent,
                    cls,
                    lambda v, c=cls: (
                        f"EXISTS {{ {v} <{RDF.type}>/<{RDFS.subClassOf}>* {sparql_term(c)} }}"
                    ),
                )
            )
        for datatype in self._objects(shape, SH.datatype):
            tests.append(
                (SH.DatatypeConstraintComponent, datatype, lambda v, d=datatype: _datatype_ok(v, d))
            )
        for kind in self._objects(shape, SH.nodeKind):
            if kind not in NODE_KIND_TESTS:
                raise UnsupportedShapeError(f"shape {shape}: unknown sh:nodeKind {kind}")
            tests.append(
                (
                    SH.NodeKindConstraintComponent,
                    kind,
                    lambda v, k=kind: NODE_KIND_TESTS[k].format(v=v),
                )
            )
        for parameter, (operator, component) in RANGE_OPERATORS.items():
            for bound in self._objects(shape, parameter):
                tests.append(
                    (
                        component,
                        bound,
                        lambda v, o=operator, b=bound: f"COALESCE({v} {o} {sparql_term(b)}, false)",
                    )
                )
        for parameter, operator, component in (
            (SH.minLength, ">=", SH.MinLengthConstraintComponent),
            (SH.maxLength, "<=", SH.MaxLengthConstraintComponent),
        ):
            for length in self._objects(shape, parameter):
                tests.append(
                    (
                        component,
                        length,
                        lambda v, o=operator, n=int(length): (
                            f"COALESCE(!isBlank({v}) && STRLEN(STR({v})) {o} {n}, false)"
                        ),
                    )
                )
        flags = self._one(shape, SH.flags)
        for pattern in self._objects(shape, SH.pattern):
            flag_text = f", {sparql_term(rdflib.Literal(str(flags)))}" if flags else ""
            tests.append(
                (
                    SH.PatternConstraintComponent,
                    pattern,
                    lambda v, p=pattern, f=flag_text: (
                        f"COALESCE(!isBlank({v}) && REGEX(STR({v}), {sparql_term(rdflib.Literal(str(p)))}{f}), false)"
                    ),
                )
            )
        for languages in self._objects(shape, SH.languageIn):
            tags = [str(t) for t in self._list(languages)]
            tests.append(
                (
                    SH.LanguageInConstraintComponent,
                    languages,
                    lambda v, t=tags: (
                        "COALESCE("
                        + (
                            " || ".join(
                                f"LANGMATCHES(LANG({v}), {sparql_term(rdflib.Literal(x))})"
                                for x in t
                            )
                            or "false"
                        )
                        + ", false)"
                    ),
                )
            )
        for members in self._objects(shape, SH["in"]):
            allowed = self._list(members)
            tests.append(
                (
                    SH.InConstraintComponent,
                    members,
                    lambda v, a=allowed: (
                        "("
                        + (" || ".join(f"sameTerm({v}, {sparql_term(x)})" for x in a) or "false")
                        + ")"
                    ),
                )
            )
        for nested in self._objects(shape, SH.node):
            tests.append(
                (
                    SH.NodeConstraintComponent,
                    nested,
                    lambda v, s=nested: f"!({self.violates(s, v, stack)})",
                )
            )
        for nested in self._objects(shape, SH["not"]):
            tests.append(
                (SH.NotConstraintComponent, nested, lambda v, s=nested: self.violates(s, v, stack))
            )
        for members in self._objects(shape, SH["and"]):
            shapes = self._list(members)
            tests.append(
                (
                    SH.AndConstraintComponent,
                    members,
                    lambda v, ss=shapes: (
                        "!("
                        + (" || ".join(f"({self.violates(s, v, stack)})" for s in ss) or "false")
                        + ")"
                    ),
                )
            )
        for members in self._objects(shape, SH["or"]):
            shapes = self._list(members)
            tests.append(
                (
                    SH.OrConstraintComponent,
                    members,
                    lambda v, ss=shapes: (
                        "!("
                        + (" && ".join(f"({self.violates(s, v, stack)})" for s in ss) or "true")
                        + ")"
                    ),
                )
            )
        for members in self._objects(shape, SH.xone):
            shapes = self._list(members)
            tests.append(
                (
                    SH.XoneConstraintComponent,
                    members,
                    lambda v, ss=shapes: (
                        "(("
                        + (" + ".join(f"IF({self.violates(s, v, stack)}, 0, 1)" for s in ss) or "0")
                        + ") = 1)"
                    ),
                )
            )
        return tests

    # -- constraints checked once per focus node (counts, pairs, hasValue, closed) --

    def focus_tests(
        self, shape: rdflib.term.Node, stack: tuple = ()
    ) -> list[tuple[rdflib.URIRef, object, callable, bool]]:
        """Constraints on a focus node as a whole: (component, parameter, violated(var), reports value).

        ``violated(x)`` returns a boolean expression for nested use; the top-level query
        is built separately by :meth:`_focus_query_body` so it can report values.
        """
        tests = []
        path = self._one(shape, SH.path)
        if path is not None:
            p = self.path_text(path)
            for count in self._objects(shape, SH.minCount):
                n = int(count)
                if n > 0:
                    tests.append(
                        (
                            SH.MinCountConstraintComponent,
                            n,
                            lambda x, n=n, p=p: (
                                f"NOT EXISTS {{ {self._distinct_values(x, p, n)} }}"
                            ),
                            False,
                        )
                    )
            for count in self._objects(shape, SH.maxCount):
                n = int(count)
                tests.append(
                    (
                        SH.MaxCountConstraintComponent,
                        n,
                        lambda x, n=n, p=p: f"EXISTS {{ {self._distinct_values(x, p, n + 1)} }}",
                        False,
                    )
                )
            for value in self._objects(shape, SH.hasValue):
                tests.append(
                    (
                        SH.HasValueConstraintComponent,
                        value,
                        lambda x, h=value, p=p: f"NOT EXISTS {{ {x} {p} {sparql_term(h)} }}",
                        False,
                    )
                )
            if (
                self._one(shape, SH.uniqueLang) is not None
                and self._one(shape, SH.uniqueLang).toPython()
            ):
                tests.append(
                    (
                        SH.UniqueLangConstraintComponent,
                        True,
                        lambda x, p=p: self._exists(
                            f"{x} {p} {{a}}, {{b}} . FILTER(!sameTerm({{a}}, {{b}}) && LANG({{a}}) != '' "
                            "&& LCASE(LANG({a})) = LCASE(LANG({b})))"
                        ),
                        False,
                    )
                )
        else:
            for value in self._objects(shape, SH.hasValue):
                tests.append(
                    (
                        SH.HasValueConstraintComponent,
                        value,
                        lambda x, h=value: f"!sameTerm({x}, {sparql_term(h)})",
                        True,
                    )
                )
        subject_path = self.path_text(path) if path is not None else None
        for parameter, component in (
            (SH.equals, SH.EqualsConstraintComponent),
            (SH.disjoint, SH.DisjointConstraintComponent),
            (SH.lessThan, SH.LessThanConstraintComponent),
            (SH.lessThanOrEquals, SH.LessThanOrEqualsConstraintComponent),
        ):
            for other in self._objects(shape, parameter):
                tests.append(
                    (
                        component,
                        other,
                        lambda x, pr=parameter, o=other: (
                            f"EXISTS {{ {self._pair_pattern(x, subject_path, pr, o, self._var())} }}"
                        ),
                        True,
                    )
                )
        closed = self._one(shape, SH.closed)
        if closed is not None and closed.toPython() is True:
            allowed = self._closed_allowed(shape)
            tests.append(
                (
                    SH.ClosedConstraintComponent,
                    closed,
                    lambda x, a=allowed: self._exists(
                        f"{x} {{p}} {{o}} . FILTER(" + _not_in("{p}", a) + ")"
                    ),
                    True,
                )
            )
        return tests

    def _closed_allowed(self, shape: rdflib.term.Node) -> list[rdflib.URIRef]:
        allowed = set()
        for prop in self._objects(shape, SH.property):
            path = self._one(prop, SH.path)
            if isinstance(path, rdflib.URIRef):
                allowed.add(path)
        for ignored in self._objects(shape, SH.ignoredProperties):
            allowed.update(self._list(ignored))
        return sorted(allowed, key=str)

    def _exists(self, template: str) -> str:
        """``EXISTS { template }`` with ``{a}``, ``{b}``, ``{p}``, ``{o}`` replaced by fresh variables."""
        names = {name: self._var() for name in ("a", "b", "p", "o")}
        return "EXISTS { " + template.format(**names) + " }"

    def _distinct_values(self, x: str, path: str, n: int) -> str:
        """A pattern that matches iff ``x`` has at least ``n`` distinct values on ``path``.

        Used inside nested shapes (where an aggregate cannot see ``x``), so ``n`` is kept
        small: the pattern joins ``n`` copies of the path.
        """
        if n > 4:
            raise UnsupportedShapeError(
                f"sh:minCount/sh:maxCount above 3 inside a nested shape is not compiled ({n})"
            )
        variables = [self._var() for _ in range(n)]
        patterns = " ".join(f"{x} {path} {v} ." for v in variables)
        distinct = [f"!sameTerm({a}, {b})" for a, b in itertools.combinations(variables, 2)]
        return patterns + (f" FILTER({' && '.join(distinct)})" if distinct else "")

    def _pair_pattern(
        self,
        x: str,
        path: str | None,
        parameter: rdflib.URIRef,
        other: rdflib.URIRef,
        value: str,
    ) -> str:
        """A pattern binding ``value`` to each value that breaks a property-pair constraint."""
        o = sparql_term(other)
        w = self._var()
        if path is None:  # node shape: the value node is the focus node itself
            if parameter == SH.equals:
                return (
                    f"{{ {x} {o} {value} . FILTER(!sameTerm({value}, {x})) }} UNION "
                    f"{{ BIND({x} AS {value}) FILTER NOT EXISTS {{ {x} {o} {x} }} }}"
                )
            if parameter == SH.disjoint:
                return f"{x} {o} {x} . BIND({x} AS {value})"
            raise UnsupportedShapeError(f"{parameter} needs a property shape")
        if parameter == SH.equals:
            return (
                f"{{ {x} {path} {value} . FILTER NOT EXISTS {{ {x} {o} {value} }} }} UNION "
                f"{{ {x} {o} {value} . FILTER NOT EXISTS {{ {x} {path} {value} }} }}"
            )
        if parameter == SH.disjoint:
            return f"{x} {path} {value} . {x} {o} {value} ."
        operator = "<" if parameter == SH.lessThan else "<="
        return (
            f"{x} {path} {value} . {x} {o} {w} . FILTER(!COALESCE({value} {operator} {w}, false))"
        )

    # -- nested conformance ------------------------------------------------------------

    def violates(self, shape: rdflib.term.Node, v: str, stack: tuple = ()) -> str:
        """A boolean expression, never an error, that is true iff node ``v`` violates ``shape``.

        The expression of a shape is built once, for a placeholder variable, and reused:
        its inner variables are fresh and only ever appear inside its own ``EXISTS``
        scopes, so two uses of it can never capture each other's variables.
        """
        if shape in stack:
            raise UnsupportedShapeError(
                f"shape {shape} refers to itself; recursive shapes are not compiled"
            )
        if shape not in self._violations:
            self._violations[shape] = self._violates(shape, "?__focus", stack)
        return self._violations[shape].replace("?__focus", v)

    def _violates(self, shape: rdflib.term.Node, v: str, stack: tuple) -> str:
        if shape in stack:
            raise UnsupportedShapeError(
                f"shape {shape} refers to itself; recursive shapes are not compiled"
            )
        if self.deactivated(shape):
            return "false"
        self._check_parameters(shape)
        if self._objects(shape, SH.sparql):
            raise UnsupportedShapeError(
                f"shape {shape}: SPARQL constraints inside nested shapes are not compiled"
            )
        stack = (*stack, shape)
        parts: list[str] = []
        path = self._one(shape, SH.path)
        for _component, _param, ok in self.value_tests(shape, stack):
            if path is None:
                parts.append(f"!({ok(v)})")
            else:
                t = self._var()
                parts.append(f"EXISTS {{ {v} {self.path_text(path)} {t} . FILTER(!({ok(t)})) }}")
        for _component, _param, violated, _value in self.focus_tests(shape, stack):
            parts.append(violated(v))
        for prop in self._objects(shape, SH.property):
            if path is not None:
                raise UnsupportedShapeError(f"shape {shape}: sh:property on a property shape")
            parts.append(f"({self.violates(prop, v, stack)})")
        return " || ".join(f"({p})" for p in parts) or "false"

    # -- top-level queries -------------------------------------------------------------

    def focus_pattern(self, targets: Iterable[tuple[rdflib.URIRef, rdflib.term.Node]]) -> str:
        branches = []
        for predicate, value in sorted(set(targets), key=lambda t: (str(t[0]), str(t[1]))):
            if predicate == SH.targetClass:
                branches.append(f"?this <{RDF.type}>/<{RDFS.subClassOf}>* {sparql_term(value)} .")
            elif predicate == SH.targetNode:
                branches.append(f"VALUES ?this {{ {sparql_term(value)} }}")
            elif predicate == SH.targetSubjectsOf:
                branches.append(f"?this {sparql_term(value)} ?_t .")
            elif predicate == SH.targetObjectsOf:
                branches.append(f"?_t {sparql_term(value)} ?this .")
        if len(branches) == 1 and predicate == SH.targetClass:
            return branches[0]
        # One row per focus node; GROUP BY rather than DISTINCT because Oxigraph pushes
        # a later filter below DISTINCT, evaluating it once per duplicate.
        union = " UNION ".join(f"{{ {b} }}" for b in branches)
        return f"{{ SELECT ?this WHERE {{ {union} }} GROUP BY ?this }}"

    def focus_test(self, targets: Iterable[tuple[rdflib.URIRef, rdflib.term.Node]], v: str) -> str:
        """A boolean expression: node ``v`` is a focus node of these targets.

        Used where the candidates are few (the values that failed a check, the rows a
        SPARQL constraint returned): testing them is cheaper than listing every focus
        node and joining, which Oxigraph would do even when nothing failed.
        """
        tests = []
        for predicate, value in sorted(set(targets), key=lambda t: (str(t[0]), str(t[1]))):
            if predicate == SH.targetClass:
                tests.append(
                    f"EXISTS {{ {v} <{RDF.type}>/<{RDFS.subClassOf}>* {sparql_term(value)} }}"
                )
            elif predicate == SH.targetNode:
                tests.append(f"sameTerm({v}, {sparql_term(value)})")
            elif predicate == SH.targetSubjectsOf:
                tests.append(f"EXISTS {{ {v} {sparql_term(value)} {self._var()} }}")
            elif predicate == SH.targetObjectsOf:
                tests.append(f"EXISTS {{ {self._var()} {sparql_term(value)} {v} }}")
        return " || ".join(tests) or "false"

    def compile_shape(
        self, shape: rdflib.term.Node, targets: list[tuple[rdflib.URIRef, rdflib.term.Node]]
    ) -> list[CompiledConstraint]:
        """Every constraint of one reporting shape, for the given focus-node targets."""
        if self.deactivated(shape) or not targets:
            return []
        self._check_parameters(shape)
        focus = self.focus_pattern(targets)
        path = self._one(shape, SH.path)
        severity = self.severity(shape)
        messages = tuple(
            m for m in self._objects(shape, SH.message) if isinstance(m, rdflib.Literal)
        )
        compiled = []

        def add(component, query, value_is_focus, source_constraint=None, extra_messages=()):
            compiled.append(
                CompiledConstraint(
                    shape=shape,
                    component=component,
                    severity=severity,
                    path=path,
                    query=query,
                    value_is_focus=value_is_focus,
                    messages=tuple(dict.fromkeys((*extra_messages, *messages))),
                    source_constraint=source_constraint,
                )
            )

        for component, _param, ok in self.value_tests(shape, (shape,)):
            if path is None:
                query = f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER(!({ok('?this')})) }}"
                add(component, query, True)
            elif isinstance(path, rdflib.URIRef):
                # A value check depends on the value alone: test each distinct value
                # once, then fetch the focus nodes of the few that fail. With a million
                # findings and a handful of species this is the difference between a
                # million nested checks and a handful. (GROUP BY, not DISTINCT: Oxigraph
                # pushes a filter below DISTINCT, back to one check per triple.)
                p = self.path_text(path)
                query = (
                    "SELECT DISTINCT ?this ?value WHERE { "
                    f"{{ SELECT ?value WHERE {{ {{ SELECT ?value WHERE {{ ?_s {p} ?value }} "
                    f"GROUP BY ?value }} FILTER(!({ok('?value')})) }} }} "
                    f"?this {p} ?value . FILTER({self.focus_test(targets, '?this')}) }}"
                )
                add(component, query, False)
            else:
                query = (
                    f"SELECT DISTINCT ?this ?value WHERE {{ {focus} "
                    f"?this {self.path_text(path)} ?value . FILTER(!({ok('?value')})) }}"
                )
                add(component, query, False)
        for component, param, violated, reports_value in self.focus_tests(shape, (shape,)):
            if component in (
                SH.EqualsConstraintComponent,
                SH.DisjointConstraintComponent,
                SH.LessThanConstraintComponent,
                SH.LessThanOrEqualsConstraintComponent,
            ):
                p = self.path_text(path) if path is not None else None
                predicate = {
                    SH.EqualsConstraintComponent: SH.equals,
                    SH.DisjointConstraintComponent: SH.disjoint,
                    SH.LessThanConstraintComponent: SH.lessThan,
                    SH.LessThanOrEqualsConstraintComponent: SH.lessThanOrEquals,
                }[component]
                body = self._pair_pattern("?this", p, predicate, param, "?value")
                add(component, f"SELECT DISTINCT ?this ?value WHERE {{ {focus} {body} }}", False)
            elif component == SH.ClosedConstraintComponent:
                allowed = self._closed_allowed(shape)
                query = (
                    f"SELECT DISTINCT ?this ?path ?value WHERE {{ {focus} ?this ?path ?value . "
                    f"FILTER({_not_in('?path', allowed)}) }}"
                )
                add(component, query, False)
            elif component == SH.MaxCountConstraintComponent and int(param) > 0:
                # Nodes with too many values, counted in one aggregation over the path's
                # triples (about twice as fast as a probe per focus node); only those few
                # are then tested for being focus nodes.
                query = (
                    f"SELECT ?this WHERE {{ {{ SELECT ?this WHERE {{ "
                    f"?this {self.path_text(path)} ?_value }} GROUP BY ?this "
                    f"HAVING(COUNT(DISTINCT ?_value) > {int(param)}) }} "
                    f"FILTER({self.focus_test(targets, '?this')}) }}"
                )
                add(component, query, reports_value)
            else:
                query = f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER({violated('?this')}) }}"
                add(component, query, reports_value)
        for constraint in self._objects(shape, SH.sparql):
            compiled.append(
                self._compile_sparql(
                    shape, constraint, self.focus_test(targets, "?this"), path, severity, messages
                )
            )
        return compiled

    def _compile_sparql(
        self, shape, constraint, focus_test, path, severity, messages
    ) -> CompiledConstraint:
        if self.deactivated(constraint):
            return None  # type: ignore[return-value]
        select = self._one(constraint, SH.select)
        if select is None:
            raise UnsupportedShapeError(
                f"SPARQL constraint {constraint} of {shape} has no sh:select"
            )
        text = str(select)
        if re.search(r"\$(currentShape|shapesGraph)\b", text):
            raise UnsupportedShapeError(
                f"SPARQL constraint {constraint}: $currentShape and $shapesGraph are not supported"
            )
        forbidden = _forbidden_keyword(text)
        if forbidden:
            # SHACL 1.0, 5.3.1: pre-binding $this is undefined under these.
            raise UnsupportedShapeError(
                f"SPARQL constraint {constraint} of {shape} contains {forbidden}, which "
                "SHACL does not allow in a SPARQL constraint (MINUS, VALUES and SERVICE); "
                "write the anti-join as FILTER NOT EXISTS or OPTIONAL with !BOUND"
            )
        if not re.search(r"SELECT[^{]*[$?]this\b", text, flags=re.IGNORECASE):
            raise UnsupportedShapeError(
                f"SPARQL constraint {constraint} of {shape} must select $this"
            )
        text = re.sub(r"\$this\b", "?this", text)
        if path is not None:
            text = re.sub(r"\$PATH\b", self.path_text(path), text)
        prefixes = "".join(
            f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in self.prefixes(constraint)
        )
        # The constraint's own query first (it returns the few violating rows), then
        # the test that each ?this is a focus node of the shape.
        query = f"{prefixes}SELECT * WHERE {{ {{ {text} }} FILTER({focus_test}) }}"
        own_messages = tuple(
            m for m in self._objects(constraint, SH.message) if isinstance(m, rdflib.Literal)
        )
        return CompiledConstraint(
            shape=shape,
            component=SH.SPARQLConstraintComponent,
            severity=severity,
            path=path,
            query=query,
            value_is_focus=path is None,
            messages=tuple(dict.fromkeys((*own_messages, *messages))),
            source_constraint=constraint,
        )

    def prefixes(self, constraint: rdflib.term.Node) -> list[tuple[str, str]]:
        """The ``sh:declare`` prefixes reachable through ``sh:prefixes`` (transitively)."""
        found: dict[str, str] = {}
        pending = self._objects(constraint, SH.prefixes)
        seen = set()
        while pending:
            node = pending.pop()
            if node in seen:
                continue
            seen.add(node)
            for declaration in self._objects(node, SH.declare):
                prefix = self._one(declaration, SH.prefix)
                namespace = self._one(declaration, SH.namespace)
                if prefix is not None and namespace is not None:
                    found[str(prefix)] = str(namespace)
            pending.extend(self._objects(node, SH.prefixes))
        return sorted(found.items())

    def compile(self) -> list[CompiledConstraint]:
        """All constraints of all shapes that report: targeted shapes and their property shapes."""
        focus_targets: dict[rdflib.term.Node, list] = {}
        for shape in self.shapes_with_targets():
            if self.deactivated(shape):
                continue
            targets = self.targets(shape)
            focus_targets.setdefault(shape, []).extend(targets)
            if not self.is_property_shape(shape):
                for prop in self._objects(shape, SH.property):
                    focus_targets.setdefault(prop, []).extend(targets)
        compiled = []
        for shape in sorted(focus_targets, key=str):
            compiled.extend(c for c in self.compile_shape(shape, focus_targets[shape]) if c)
        return compiled


_SPARQL_NOISE = re.compile(r'<[^<>\s]*>|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|#[^\n]*')


def _forbidden_keyword(text: str) -> str | None:
    """MINUS, VALUES or SERVICE used as a keyword (not inside an IRI, string or comment)."""
    found = re.search(r"\b(MINUS|VALUES|SERVICE)\b", _SPARQL_NOISE.sub(" ", text), re.IGNORECASE)
    return found.group(1).upper() if found else None


def _not_in(variable: str, allowed: list[rdflib.URIRef]) -> str:
    if not allowed:
        return "true"
    return "!(" + " || ".join(f"sameTerm({variable}, {sparql_term(a)})" for a in allowed) + ")"


def _datatype_ok(v: str, datatype: rdflib.term.Node) -> str:
    """``v`` is a literal of exactly this datatype with a value pySHACL accepts."""
    if datatype == RDFS.Literal:
        return f"isLiteral({v})"
    if datatype == RDF.langString:
        return f"COALESCE(isLiteral({v}) && LANG({v}) != '', false)"
    same = f"sameTerm(DATATYPE({v}), {sparql_term(datatype)})"
    if datatype in NUMERIC_DATATYPES:
        return f"COALESCE({same} && isNumeric({v}), false)"
    if datatype == XSD.boolean:
        return f"COALESCE({same} && (STR({v}) = 'true' || STR({v}) = 'false'), false)"
    if datatype in ORDERED_TIME_DATATYPES:
        return f"COALESCE({same} && {v} <= {v}, false)"
    return f"COALESCE({same}, false)"


def compile_shapes(graph: rdflib.Graph) -> list[CompiledConstraint]:
    """Compile every reporting constraint of a shapes graph to SPARQL."""
    return ShapeCompiler(graph).compile()


def evaluate(
    store: ox.Store, constraints: Iterable[CompiledConstraint], *, workers: int | None = None
) -> Iterator[RawResult]:
    """Run compiled constraints on a store (its default graph is the union of all graphs).

    The queries are independent and Oxigraph evaluates them outside Python's global
    lock, so they run on ``workers`` threads (default: one per CPU, at most 4). Results
    come in the order of ``constraints``.
    """
    constraints = list(constraints)
    if workers is None:
        workers = max(1, min(4, os.cpu_count() or 1))
    if workers == 1 or len(constraints) < 2:
        for constraint in constraints:
            yield from _run_one(store, constraint)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for results in pool.map(lambda c: list(_run_one(store, c)), constraints):
            yield from results


def _run_one(store: ox.Store, constraint: CompiledConstraint) -> Iterator[RawResult]:
    solutions = store.query(constraint.query, use_default_graph_as_union=True)
    variables = [v.value for v in solutions.variables]
    for row in solutions:
        values = {
            name: to_rdflib_term(term)
            for name, term in zip(variables, row, strict=True)
            if term is not None and not name.startswith("_")
        }
        focus = values.pop("this")
        value = values.pop("value", None)
        path = values.pop("path", None)
        if value is None and constraint.value_is_focus:
            value = focus
        yield RawResult(
            constraint=constraint,
            focus=focus,
            value=value,
            path=path if path is not None else constraint.path,
            bindings=values,
        )
