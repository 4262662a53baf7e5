"""Write query results as an aligned table, CSV, TSV, SPARQL JSON or Markdown.

The table and Markdown are for people: an IRI is shown by its label (from the
answer's own ``X_label`` column where the query has one, else from the store), or as
a CURIE, and an ``X_label`` column is folded into its ``X`` column. CSV, TSV and
JSON are for tools and keep every column and full IRIs; JSON is the SPARQL 1.1
Query Results JSON format.
"""

from __future__ import annotations

import csv
import io
import json
from typing import TextIO

import rdflib

from retinoid_ld.namespaces import PREFIXES, curie
from retinoid_ld.query import QueryResult

RESULT_FORMATS = ("table", "csv", "tsv", "json", "markdown")
LABEL_SUFFIX = "_label"


def _plain(term: rdflib.term.Node | None) -> str:
    return "" if term is None else str(term)


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


def _human_columns(result: QueryResult) -> tuple[list[str], list[list[str]]]:
    """Columns and cells for people: labels for IRIs, ``X_label`` folded into ``X``."""
    variables = result.variables
    folded = {
        index
        for index, name in enumerate(variables)
        if name.endswith(LABEL_SUFFIX) and name[: -len(LABEL_SUFFIX)] in variables
    }
    companion = {
        variables.index(name[: -len(LABEL_SUFFIX)]): index
        for index, name in enumerate(variables)
        if index in folded
    }
    shown = [i for i in range(len(variables)) if i not in folded]
    cells = []
    for row in result.rows:
        line = []
        for index in shown:
            term = row[index]
            own_label = row[companion[index]] if index in companion else None
            if term is None:
                text = ""
            elif isinstance(term, rdflib.URIRef):
                text = (
                    str(own_label)
                    if own_label is not None
                    else result.labels.get(str(term)) or curie(str(term))
                )
            else:
                text = str(term)
            line.append(" ".join(text.split()))
        cells.append(line)
    return [variables[i] for i in shown], cells


def cut_note(result: QueryResult) -> str | None:
    """A sentence saying the answer was cut at the limit, or None if it is complete."""
    if not result.truncated:
        return None
    shown = len(result.rows) if result.kind == "select" else len(result.graph or ())
    return (
        f"the result was cut at {shown} {'row' if result.kind == 'select' else 'triple'}"
        f"{'s' if shown != 1 else ''} (--limit); more exist"
    )


def format_result(result: QueryResult, fmt: str = "table") -> str:
    """Render a query result in one of RESULT_FORMATS."""
    if fmt not in RESULT_FORMATS:
        raise ValueError(f"unknown result format {fmt!r}; use one of {', '.join(RESULT_FORMATS)}")
    if result.kind == "ask":
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": bool(result.boolean)}) + "\n"
        return ("true" if result.boolean else "false") + "\n"
    if result.kind == "construct":
        assert result.graph is not None
        for prefix, namespace in PREFIXES.items():
            result.graph.bind(prefix, namespace, override=True)
        return result.graph.serialize(format="turtle")
    if fmt == "json":
        bindings = [
            {v: _json_term(t) for v, t in zip(result.variables, row, strict=False) if t is not None}
            for row in result.rows
        ]
        document = {"head": {"vars": result.variables}, "results": {"bindings": bindings}}
        return json.dumps(document, indent=1, ensure_ascii=False) + "\n"
    if fmt in ("csv", "tsv"):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(result.variables)
        for row in result.rows:
            writer.writerow(
                [" ".join(_plain(t).split()) if fmt == "tsv" else _plain(t) for t in row]
            )
        return buffer.getvalue()
    columns, cells = _human_columns(result)
    if fmt == "markdown":

        def escape(text: str) -> str:
            return text.replace("\\", "\\\\").replace("|", "\\|")

        lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        lines += ["| " + " | ".join(escape(c) for c in row) + " |" for row in cells]
        note = cut_note(result)
        if note:
            lines += ["", f"*{note}*"]
        return "\n".join(lines) + "\n"
    widths = [len(v) for v in columns]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=False)]

    def line(values: list[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=False)).rstrip()

    out = [line(columns), line(["-" * w for w in widths])]
    out += [line(row) for row in cells]
    count = f"{len(cells)} row{'s' if len(cells) != 1 else ''}"
    footer = (
        f"({count}; cut at --limit {result.limit}, more exist)"
        if result.truncated
        else f"({count})"
    )
    return "\n".join([*out, footer]) + "\n"


def write_result(result: QueryResult, fmt: str, *, out: TextIO, err: TextIO) -> None:
    """Write the answer to ``out``; when --limit cut it, say so (table: in its footer,
    other formats: on ``err``, so that the data stream stays clean)."""
    out.write(format_result(result, fmt))
    note = cut_note(result)
    if note and (fmt not in ("table", "markdown") or result.kind == "construct"):
        err.write(f"note: {note}\n")
