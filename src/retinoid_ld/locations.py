"""Find the file and line where a node of the data is described.

RDF parsers (pyoxigraph included) report positions only for syntax errors, not for
the triples they return, so a validation result cannot carry its line directly.
Instead the input files are scanned as text: a node is located at the first line
where it is written in subject position, meaning as the first term of a statement
(the first term on a line that follows a line ending a statement with ``.``,
``@prefix`` lines and comments skipped). Each spelling the file could use is tried:
``<full IRI>`` and ``prefix:local`` for every prefix the file declares. If the node
is never a subject (a term used only as a value, such as a misspelt class), the
first line that mentions it at all is used. N-Triples and N-Quads use the full IRI;
JSON-LD and RDF/XML are searched for the IRI or a compact form of it.

Blank nodes cannot be found in text (parsers rename them), so they are located
through the named node that refers to them (``rld:regimen-x rld:dose [ ... ]``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import rdflib

PREFIX_LINE = re.compile(
    r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", flags=re.IGNORECASE
)
# A term at the start of a line: an IRI in angle brackets or a prefixed name.
JSON_ID = re.compile(r'"@id"\s*:\s*"([^"]+)"')
LEADING_TERM = re.compile(r"^\s*(<[^>\s]*>|[A-Za-z][\w.-]*:[^\s;,()\[\]]*|:[^\s;,()\[\]]*)")


@dataclass(frozen=True)
class Location:
    """Where a node is written: a file and a 1-based line number."""

    file: Path
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


class FileIndex:
    """The lines of one RDF file, indexed by the term written first in each statement."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            self.lines = []
        self.prefixes: dict[str, str] = {}
        self.subjects: dict[str, int] = {}
        self._index()

    def _index(self) -> None:
        if self.path.suffix.lower() in (".jsonld", ".json"):
            self._index_json_ld()
            return
        statement_open = False
        for number, line in enumerate(self.lines, start=1):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            prefix = PREFIX_LINE.match(line)
            if prefix:
                self.prefixes[prefix.group(1) or ""] = prefix.group(2)
                statement_open = False
                continue
            if not statement_open:
                match = LEADING_TERM.match(line)
                if match:
                    self.subjects.setdefault(match.group(1), number)
            code = stripped.split(" #", 1)[0].rstrip()
            statement_open = not code.endswith(".")

    def _index_json_ld(self) -> None:
        """JSON-LD: prefixes from the top-level ``@context``; a node where its ``@id`` opens
        an object with more keys (a reference such as ``{"@id": "rld:x"}`` has none)."""
        try:
            document = json.loads("\n".join(self.lines))
        except ValueError:
            document = None
        contexts = document.get("@context", []) if isinstance(document, dict) else []
        for context in contexts if isinstance(contexts, list) else [contexts]:
            if isinstance(context, dict):
                for key, value in context.items():
                    if isinstance(value, str) and not key.startswith("@"):
                        self.prefixes[key] = value
        for number, line in enumerate(self.lines, start=1):
            match = JSON_ID.search(line)
            if not match:
                continue
            rest = line[match.end() :].strip()
            following = next((x.strip() for x in self.lines[number:] if x.strip()), "")
            if rest.startswith(",") or not following.startswith("}"):
                self.subjects.setdefault(match.group(1), number)

    def spellings(self, iri: str) -> list[str]:
        """How this file could write the IRI: in full, or as prefix:local."""
        json_ld = self.path.suffix.lower() in (".jsonld", ".json")
        forms = [iri if json_ld else f"<{iri}>"]
        for prefix, namespace in self.prefixes.items():
            if namespace and iri.startswith(namespace):
                forms.append(f"{prefix}:{iri[len(namespace) :]}")
        return forms

    def locate(self, iri: str) -> int | None:
        """The line of the IRI as a subject, else the first line mentioning it."""
        forms = self.spellings(iri)
        lines = [self.subjects[f] for f in forms if f in self.subjects]
        if lines:
            return min(lines)
        return self._first_mention(iri, forms)

    def _first_mention(self, iri: str, forms: list[str]) -> int | None:
        patterns = [re.escape(f) + r"(?![\w:/#.-])" for f in (iri, *forms[1:])]
        mention = re.compile(r"(?<![\w:/#-])(?:" + "|".join(patterns) + ")")
        for number, line in enumerate(self.lines, start=1):
            if line.lstrip().startswith(("@prefix", "PREFIX", "#")):
                continue
            if mention.search(line):
                return number
        return None


class Locator:
    """Locate nodes in a set of input files; files are read once, on first use."""

    def __init__(self, files: Iterable[Path], store: ox.Store | None = None) -> None:
        self.files = [Path(f) for f in files]
        self.store = store
        self._indexes: dict[Path, FileIndex] = {}

    def _index(self, path: Path) -> FileIndex:
        if path not in self._indexes:
            self._indexes[path] = FileIndex(path)
        return self._indexes[path]

    def locate_iri(self, iri: str) -> Location | None:
        # Prefer a file that describes the node (subject) over one that only mentions it.
        mentions = []
        for path in self.files:
            index = self._index(path)
            forms = index.spellings(iri)
            lines = [index.subjects[f] for f in forms if f in index.subjects]
            if lines:
                return Location(path, min(lines))
            line = index._first_mention(iri, forms)
            if line is not None:
                mentions.append(Location(path, line))
        return mentions[0] if mentions else None

    def locate(self, node: rdflib.term.Node) -> Location | None:
        """The location of an IRI, or of the nearest named node referring to a blank node."""
        if isinstance(node, rdflib.URIRef):
            return self.locate_iri(str(node))
        if isinstance(node, rdflib.BNode) and self.store is not None:
            owner = self.owner(node)
            if owner is not None:
                return self.locate_iri(str(owner))
        return None

    def owner(self, node: rdflib.BNode, depth: int = 4) -> rdflib.URIRef | None:
        """The named node that (through up to ``depth`` blank nodes) refers to ``node``."""
        if self.store is None:
            return None
        current: ox.BlankNode | ox.NamedNode = ox.BlankNode(str(node))
        for _ in range(depth):
            referrers = sorted(
                (q.subject for q in self.store.quads_for_pattern(None, None, current)),
                key=lambda s: (isinstance(s, ox.BlankNode), s.value),
            )
            if not referrers:
                return None
            current = referrers[0]
            if isinstance(current, ox.NamedNode):
                return rdflib.URIRef(current.value)
        return None
