"""Write query results as an aligned table, CSV, TSV, SPARQL JSON or Markdown.

The table is for people at a terminal (labels, not IRIs); the others are for tools.
"""

from __future__ import annotations

import csv
import io
import json

import rdflib

from retinoid_ld.namespaces import curie
from retinoid_ld.query import QueryResult

RESULT_FORMATS = ("table", "csv", "tsv", "json", "markdown")


def _plain(term: rdflib.term.Node | None) -> str:
    return "" if term is None else str(term)


def _human(term: rdflib.term.Node | None, labels: dict[str, str]) -> str:
    if term is None:
        return ""
    if isinstance(term, rdflib.URIRef):
        return labels.get(str(term)) or curie(str(term))
    return str(term)


def _json_term(term: rdflib.term.Node) -> dict[str, str]:
    if isinstance(term, rdflib.URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, rdflib.BNode):
        return {"type": "bnode", "value": str(term)}
    assert isinstance(term, rdflib.Literal)
    out = {"type": "literal", "value": str(term)}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype and str(term.datatype) != "http://www.w3.org/2001/XMLSchema#string":
        out["datatype"] = str(term.datatype)
    return out


def format_result(result: QueryResult, fmt: str = "table") -> str:
    """Render a query result in one of RESULT_FORMATS."""
    if result.kind == "ask":
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": bool(result.boolean)}) + "\n"
        return ("true" if result.boolean else "false") + "\n"
    if result.kind == "construct":
        assert result.graph is not None
        return result.graph.serialize(format="turtle")
    if fmt == "json":
        bindings = [
            {v: _json_term(t) for v, t in zip(result.variables, row, strict=False) if t is not None}
            for row in result.rows
        ]
        return (
            json.dumps(
                {"head": {"vars": result.variables}, "results": {"bindings": bindings}}, indent=1
            )
            + "\n"
        )
    if fmt in ("csv", "tsv"):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(result.variables)
        for row in result.rows:
            writer.writerow(
                [
                    _plain(t).replace("\t", " ").replace("\n", " ") if fmt == "tsv" else _plain(t)
                    for t in row
                ]
            )
        return buffer.getvalue()
    cells = [[_human(t, result.labels) for t in row] for row in result.rows]
    if fmt == "markdown":

        def escape(text: str) -> str:
            return text.replace("|", "\\|").replace("\n", " ")

        lines = ["| " + " | ".join(result.variables) + " |", "|" + "---|" * len(result.variables)]
        lines += ["| " + " | ".join(escape(c) for c in row) + " |" for row in cells]
        return "\n".join(lines) + "\n"
    if fmt == "table":
        widths = [len(v) for v in result.variables]
        for row in cells:
            widths = [max(w, len(c)) for w, c in zip(widths, row, strict=False)]

        def line(values: list[str]) -> str:
            return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=False)).rstrip()

        out = [line(result.variables), line(["-" * w for w in widths])]
        out += [line(row) for row in cells]
        footer = f"({len(cells)} row{'s' if len(cells) != 1 else ''}"
        footer += ", cut at the limit)" if result.truncated else ")"
        return "\n".join([*out, footer]) + "\n"
    raise ValueError(f"unknown result format {fmt!r}; use one of {', '.join(RESULT_FORMATS)}")
