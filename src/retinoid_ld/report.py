"""The browsable report: a static HTML site drawn from the store, no server needed.

``build_report(output_dir=...)`` writes:

* ``index.html``: the drugs, targets, studies and source documents, with counts and
  the comparison heatmap;
* a page per finding (``findings/``) with everything the store says about it:
  drug, target, aspect, direction, significance, status, comparison, context
  (cell type, sample, species, condition, stimulus, population and cohort size,
  regimen, time points), assay, study, source document and location, cited
  reference, conflicts; every ontology term linked to its OBO PURL;
* a page per study, drug (with its mechanism diagram), target, knowledge gap,
  mechanism chain and source document;
* next to each finding, study, gap and chain page, its data as Turtle: the node,
  the nodes it owns (blank nodes, populations, regimens, assays, steps) and the
  labels of the terms it uses;
* ``search.html``: every entry in one list (works without JavaScript; a small
  script adds a filter box).

Pages are plain HTML with one stylesheet, readable on a phone and without
JavaScript. The site is written into a temporary directory and swapped in whole,
so a failed run never leaves half a report, and a directory that is not a
previous report is never overwritten.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources as package_resources
from pathlib import Path

import pyoxigraph as ox
import rdflib

from retinoid_ld.errors import InputError
from retinoid_ld.namespaces import GRAPH_DATA, GRAPH_METADATA, OBO, PREFIXES, RLD, curie
from retinoid_ld.plot_matrix import DIRECTION_STYLE, draw_matrix, drug_effect_matrix
from retinoid_ld.plots import (
    Progress,
    StoreLike,
    as_store,
    deterministic_style,
    labels_of,
    save_figure,
    select,
)
from retinoid_ld.rdfio import to_rdflib_term

REPORT_MARKER = ".retinoid-ld-report"
DATA_FILE = "retinoid-ld-data.ttl"  # the whole data graph, for the index and list pages
RDF_TYPE = PREFIXES["rdf"] + "type"
RDFS_LABEL = PREFIXES["rdfs"] + "label"
DCTERMS_TITLE = PREFIXES["dcterms"] + "title"


def R(name: str) -> str:  # a project term by its local name, like rld:name
    return RLD + name


# Nodes a finding, study, gap or chain owns: their Turtle includes them whole.
OWNED_TYPES = {
    R(t)
    for t in (
        "StudyPopulation",
        "Regimen",
        "Dose",
        "Duration",
        "TimePoint",
        "Assay",
        "Stimulus",
        "MechanismStep",
    )
}
FINDING_TYPES = (R("DrugEffectFinding"), R("ConditionFinding"))

Term = ox.NamedNode | ox.BlankNode | ox.Literal


def _key(term: Term) -> str:
    """A dictionary key for a node: its IRI, or ``_:id`` for a blank node."""
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return term.value


def slug(iri: str) -> str:
    """A safe file name for an IRI: readable where possible, unique by a hash otherwise.

    ``https://w3id.org/retinoid-ld/finding-000-x`` -> ``finding-000-x``;
    ``http://purl.obolibrary.org/obo/CHEBI_6067`` -> ``CHEBI_6067``.
    """
    if iri.startswith(RLD):
        local = iri[len(RLD) :]
    elif iri.startswith(OBO):
        local = iri[len(OBO) :]
    else:
        local = ""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", local).strip("-")[:80]
    if safe and safe == local:
        return safe
    digest = hashlib.sha256(iri.encode("utf-8")).hexdigest()[:10]
    return f"{safe}-{digest}" if safe else f"term-{digest}"


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


# --------------------------------------------------------------------------- reading


class ReportData:
    """Everything the pages show, read from the store once by SPARQL."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self.triples: dict[str, list[tuple[str, Term]]] = {}
        for row in select(
            store, f"SELECT ?s ?p ?o WHERE {{ GRAPH <{GRAPH_DATA}> {{ ?s ?p ?o }} }}"
        ):
            self.triples.setdefault(_key(row["s"]), []).append((row["p"].value, row["o"]))
        self.incoming: dict[tuple[str, str], list[str]] = {}
        for subject, values in self.triples.items():
            values.sort(key=lambda pair: (pair[0], str(pair[1])))
            for predicate, value in values:
                if not isinstance(value, ox.Literal):
                    self.incoming.setdefault((predicate, _key(value)), []).append(subject)
        self.types: dict[str, set[str]] = {
            subject: {o.value for p, o in values if p == RDF_TYPE and isinstance(o, ox.NamedNode)}
            for subject, values in self.triples.items()
        }
        self.project_terms = {
            row["term"].value
            for row in select(store, "SELECT ?term WHERE { ?term a rld:ProjectTerm }")
        }
        self.missing_mappings: dict[str, list[str]] = {}
        for row in select(store, "SELECT ?term ?prefix WHERE { ?term rld:missingMapping ?prefix }"):
            self.missing_mappings.setdefault(row["term"].value, []).append(row["prefix"].value)
        self.drug_relations = [
            (row["drug"].value, row["relation"].value, row["other"].value)
            for row in select(
                store,
                "SELECT ?drug ?relation ?other WHERE { VALUES ?relation "
                "{ rld:convertedTo rld:hasActiveMetabolite } ?drug ?relation ?other }",
            )
            if isinstance(row.get("other"), ox.NamedNode)
        ]
        built = select(
            store,
            f"SELECT ?time WHERE {{ GRAPH <{GRAPH_METADATA}> "
            "{ ?build <http://www.w3.org/ns/prov#generatedAtTime> ?time } }",
        )
        self.built_at = built[0]["time"].value if built else ""
        named = {
            o.value
            for values in self.triples.values()
            for p, o in values
            if isinstance(o, ox.NamedNode)
        }
        named |= {p for values in self.triples.values() for p, _ in values}
        named |= {s for s in self.triples if not s.startswith("_:")}
        named |= {other for _, _, other in self.drug_relations}
        named |= {drug for drug, _, _ in self.drug_relations}
        self.labels = labels_of(store, named)

    def objects(self, subject: str, predicate: str) -> list[Term]:
        return [o for p, o in self.triples.get(subject, ()) if p == predicate]

    def one(self, subject: str, predicate: str) -> Term | None:
        found = self.objects(subject, predicate)
        return found[0] if found else None

    def text(self, subject: str, predicate: str) -> str | None:
        term = self.one(subject, predicate)
        return term.value if term is not None else None

    def iris(self, subject: str, predicate: str) -> list[str]:
        return [o.value for o in self.objects(subject, predicate) if isinstance(o, ox.NamedNode)]

    def instances(self, *classes: str) -> list[str]:
        wanted = set(classes)
        return sorted(s for s, types in self.types.items() if types & wanted)

    def subjects(self, predicate: str, value: str) -> list[str]:
        """The subjects with ``predicate`` pointing at ``value`` (an IRI or ``_:`` key)."""
        return sorted(set(self.incoming.get((predicate, value), ())))

    def label(self, iri: str) -> str:
        return self.labels.get(iri) or curie(iri)

    def own_label(self, node: str) -> str | None:
        """A node's own rdfs:label (blank nodes included), if it has one."""
        return self.text(node, RDFS_LABEL) or self.labels.get(node)


# --------------------------------------------------------------------------- the site


@dataclass(frozen=True)
class Page:
    path: str  # relative to the report root, "/"-separated
    title: str


class Site:
    """Builds the pages; knows where each entity's page is, so links always resolve."""

    def __init__(self, data: ReportData, root: Path, say: Progress) -> None:
        self.data = data
        self.root = root
        self.say = say
        self.pages: dict[str, str] = {}  # path -> html
        self.files: dict[str, bytes] = {}
        self.page_of: dict[str, str] = {}
        self.used_slugs: dict[str, set[str]] = {}
        self.search_entries: list[tuple[str, str, str]] = []  # (kind, label, path)
        d = data
        self.findings = sorted(d.instances(*FINDING_TYPES), key=self._by_label)
        self.gaps = sorted(d.instances(R("KnowledgeGap")), key=self._by_label)
        self.studies = sorted(d.instances(R("Study")), key=self._study_order)
        self.documents = sorted(d.instances(R("SourceDocument")), key=self._by_label)
        self.chains = sorted(d.instances(R("MechanismChain")), key=self._by_label)
        statements = [*self.findings, *self.gaps, *self.chains]
        self.drugs = sorted(
            {drug for s in statements for drug in d.iris(s, R("drug"))}, key=self._by_label
        )
        self.targets = sorted(
            {t for s in [*self.findings, *self.gaps] for t in d.iris(s, R("target"))},
            key=self._by_label,
        )
        self.drug_pages: dict[str, str] = {}
        self.target_pages: dict[str, str] = {}
        for folder, items, extra in (
            ("findings", self.findings, None),
            ("gaps", self.gaps, None),
            ("studies", self.studies, None),
            ("documents", self.documents, None),
            ("mechanisms", self.chains, None),
            ("drugs", self.drugs, self.drug_pages),
            ("targets", self.targets, self.target_pages),
        ):
            for item in items:
                path = f"{folder}/{self._unique_slug(folder, item)}.html"
                if extra is not None:
                    extra[item] = path
                self.page_of.setdefault(item, path)
        self.mechanism_figures: dict[str, str] = {}

    @staticmethod
    def _among(ordered: list[str], members: Iterable[str]) -> list[str]:
        """The ``members`` in the order of ``ordered``."""
        wanted = set(members)
        return [item for item in ordered if item in wanted]

    # ordering -------------------------------------------------------------
    def _by_label(self, iri: str) -> tuple[str, str]:
        return (self.data.label(iri).casefold(), iri)

    def _study_order(self, iri: str) -> tuple[str, str, str]:
        return (self.data.text(iri, R("year")) or "", self.data.label(iri).casefold(), iri)

    def _unique_slug(self, folder: str, iri: str) -> str:
        used = self.used_slugs.setdefault(folder, set())  # casefolded: file systems may ignore case
        name = slug(iri)
        if name.casefold() in used:
            name = f"{name}-{hashlib.sha256(iri.encode()).hexdigest()[:10]}"
        used.add(name.casefold())
        return name

    # html pieces ------------------------------------------------------------
    def link(self, iri: str, here: str, text: str | None = None) -> str:
        """A link to the entity's page in the report, or its label when it has none."""
        label = esc(text if text is not None else self.data.label(iri))
        page = self.page_of.get(iri)
        return f'<a href="{esc(relative(here, page))}">{label}</a>' if page else label

    def term(self, value: Term | str | None, here: str) -> str:
        """A term as a person reads it: label (linked to its page), CURIE linked to its PURL."""
        if value is None:
            return ""
        if isinstance(value, ox.Literal):
            return esc(value.value)
        if isinstance(value, ox.BlankNode):
            return esc(self.data.label("_:" + value.value))
        iri = value if isinstance(value, str) else value.value
        shown = self.link(iri, here)
        if iri.startswith(OBO):
            return f'{shown} <a class="curie" href="{esc(iri)}"><code>{esc(curie(iri))}</code></a>'
        if iri in self.data.project_terms:
            missing = ", ".join(self.data.missing_mappings.get(iri, [])) or "external"
            return (
                f"{shown} <code>{esc(curie(iri))}</code> "
                f'<span class="badge" title="minted here: no verifiable {esc(missing)} '
                f'identifier">project term</span>'
            )
        return shown

    def terms(self, subject: str, predicate: str, here: str) -> str:
        return "; ".join(self.term(o, here) for o in self.data.objects(subject, predicate))

    def direction(self, iri: str | None) -> str:
        if not iri:
            return ""
        _text, _colour, symbol = DIRECTION_STYLE.get(iri, ("", "", "·"))
        css = (
            re.sub(r"(?<!^)(?=[A-Z])", "-", iri[len(RLD) :]).lower() if iri.startswith(RLD) else ""
        )
        return (
            f'<span class="direction {esc(css)}">{esc(symbol)} {esc(self.data.label(iri))}</span>'
        )

    def quantity(self, node: str) -> str:
        """``20 weeks``, ``0.5–1.0 mg/kg/day``: a dose, duration or time point."""
        d = self.data
        low = d.text(node, R("minValue"))
        high = d.text(node, R("maxValue"))
        value = d.text(node, R("quantityValue"))
        unit_iri = d.text(node, R("unit"))
        unit = d.label(unit_iri) if unit_iri else ""
        if low is not None and high is not None and low != high:
            amount = f"{low}–{high}"
        else:
            amount = low or high or value or ""
        if unit in ("day", "week", "month") and amount not in ("1", "1.0"):
            unit += "s"
        return f"{amount} {unit}".strip()

    def persistence(self, finding: str) -> str:
        """``yes, for at least 6 months``, ``yes (length not stated)``, ``no`` or empty."""
        d = self.data
        flag = d.text(finding, R("persistsAfterTreatment"))
        lengths = [
            self.quantity(_key(x)) for x in d.objects(finding, R("persistsAfterTreatmentFor"))
        ]
        if lengths:
            return esc("yes, for at least " + "; ".join(lengths))
        if flag in ("true", "1"):
            return "yes (length not stated)"
        if flag in ("false", "0"):
            return "no"
        return ""

    def regimen(self, node: str, here: str) -> str:
        d = self.data
        parts = []
        if d.text(node, R("doseNotStated")) == "true":
            parts.append("dose not stated")
        parts += [self.quantity(_key(dose)) for dose in d.objects(node, R("dose"))]
        parts += [d.text(node, R("frequency")) or "", d.text(node, R("route")) or ""]
        durations = [self.quantity(_key(x)) for x in d.objects(node, R("duration"))]
        text = ", ".join(esc(p) for p in parts if p)
        if durations:
            text += (" for " if text else "for ") + esc(" or ".join(durations))
        # The structured statement when there is one; the curator's label otherwise.
        return text or esc(d.own_label(node) or curie(node))

    def time_point(self, node: str) -> str:
        reference = self.data.text(node, R("timeReference"))
        after = f" from {self.data.label(reference)}" if reference else ""
        return esc(self.quantity(node) + after)

    def population(self, node: str, here: str) -> str:
        d = self.data
        bits = [esc(d.own_label(node) or "")]
        size = d.text(node, R("cohortSize"))
        if size:
            bits.append(f"n = {esc(size)}")
        for predicate in (R("species"), R("condition")):
            if d.objects(node, predicate):
                bits.append(self.terms(node, predicate, here))
        for predicate in (R("lifeStage"), R("inclusionCriteria")):
            bits += [esc(o.value) for o in d.objects(node, predicate)]
        for regimen in d.objects(node, R("regimen")):
            bits.append("regimen: " + self.regimen(_key(regimen), here))
        return "; ".join(b for b in bits if b)

    def stimulus(self, node: str, here: str) -> str:
        d = self.data
        bits = [esc(d.own_label(node))] if d.own_label(node) else []
        for predicate, name in (
            (R("stimulusAgent"), "agent"),
            (R("derivedFromOrganism"), "from"),
        ):
            if d.objects(node, predicate):
                bits.append(f"{name}: {self.terms(node, predicate, here)}")
        return "; ".join(bits) or esc(curie(node))

    def assay(self, node: str, here: str) -> str:
        d = self.data
        bits = [esc(d.own_label(node))] if d.own_label(node) else []
        for predicate, name in (
            (R("assayType"), "type"),
            (R("measures"), "measures"),
            (R("inhibitor"), "inhibitor"),
        ):
            if d.objects(node, predicate):
                bits.append(f"{name}: {self.terms(node, predicate, here)}")
        bits += [esc(o.value) for o in d.objects(node, R("method"))]
        return "; ".join(bits) or esc(curie(node))

    def reference(self, node: str, here: str) -> str:
        d = self.data
        number = d.text(node, R("referenceNumber"))
        title = d.text(node, DCTERMS_TITLE) or d.labels.get(node, "")
        documents = [self.link(doc, here) for doc in d.iris(node, R("describedIn"))]
        text = f"[{esc(number)}] " if number else ""
        text += esc(title)
        if documents:
            text += " (reference list of " + ", ".join(documents) + ")"
        return text

    def facts(self, rows: Iterable[tuple[str, str]]) -> str:
        items = [f"<dt>{esc(name)}</dt><dd>{value}</dd>" for name, value in rows if value]
        return '<dl class="facts">\n' + "\n".join(items) + "\n</dl>" if items else ""

    def findings_table(self, findings: list[str], here: str, *, show: Iterable[str]) -> str:
        """A table of findings; ``show`` picks columns among drug, target, study."""
        if not findings:
            return '<p class="muted">None in the store.</p>'
        d = self.data
        shown = set(show)
        head = ["Finding"]
        head += ["Drug"] if "drug" in shown else []
        head += ["Target"] if "target" in shown else []
        head += ["Aspect", "Direction", "Context", "Comparison"]
        head += ["Study"] if "study" in shown else []
        rows = []
        for finding in findings:
            context = [
                d.label(v)
                for p in (R("cellType"), R("sampleContext"), R("species"))
                for v in d.iris(finding, p)
            ]
            cells = [self.link(finding, here)]
            if "drug" in shown:
                drugs = d.iris(finding, R("drug"))
                cells.append(
                    ", ".join(self.link(x, here) for x in drugs)
                    or '<span class="muted">none (disease baseline)</span>'
                )
            if "target" in shown:
                cells.append(", ".join(self.link(x, here) for x in d.iris(finding, R("target"))))
            cells.append(esc(", ".join(d.label(x) for x in d.iris(finding, R("aspect")))))
            cells.append(self.direction(d.text(finding, R("direction"))))
            cells.append(esc(", ".join(context)))
            cells.append(esc(", ".join(d.label(x) for x in d.iris(finding, R("comparison")))))
            if "study" in shown:
                cells.append(", ".join(self.link(x, here) for x in d.iris(finding, R("study"))))
            rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        header = "<tr>" + "".join(f'<th scope="col">{esc(h)}</th>' for h in head) + "</tr>"
        return (
            '<div class="table-wrap"><table>\n<thead>'
            + header
            + "</thead>\n<tbody>\n"
            + "\n".join(rows)
            + "\n</tbody></table></div>"
        )

    def entry_list(
        self, items: list[str], here: str, note: Callable[[str], str] | None = None
    ) -> str:
        if not items:
            return '<p class="muted">None in the store.</p>'
        lines = []
        for item in items:
            extra = note(item) if note else ""
            lines.append(f"<li>{self.link(item, here)}{extra}</li>")
        return '<ul class="entries">\n' + "\n".join(lines) + "\n</ul>"

    def data_link(self, here: str, turtle: str) -> str:
        return (
            '<h2 id="data">Data</h2>\n<p>This page\'s data as RDF: '
            f'<a href="{esc(relative(here, turtle))}" type="text/turtle">Turtle</a>.</p>'
        )

    def remaining(self, subject: str, here: str, known: set[str]) -> list[tuple[str, str]]:
        """Statements no section shows, so nothing the store holds is hidden."""
        rows = []
        seen: set[str] = set()
        for predicate, _ in self.data.triples.get(subject, ()):
            if predicate in known or predicate in seen or predicate in (RDF_TYPE, RDFS_LABEL):
                continue
            seen.add(predicate)
            rows.append((self.data.label(predicate), self.terms(subject, predicate, here)))
        return rows

    # pages -------------------------------------------------------------------
    def add_page(
        self,
        path: str,
        title: str,
        body: str,
        *,
        crumbs: list[tuple[str, str]] = (),
        turtle: str | None = None,
    ) -> None:
        self.pages[path] = render_page(
            path, title, body, crumbs=crumbs, turtle=turtle, built_at=self.data.built_at
        )
        self.search_entries.append((path.split("/")[0] if "/" in path else "page", title, path))

    def turtle(self, subject: str, path: str, *, referenced_by: Iterable[str] = ()) -> None:
        self.files[path] = turtle_of(self.data, subject, referenced_by=referenced_by).encode(
            "utf-8"
        )

    def finding_page(self, finding: str) -> None:
        d = self.data
        path = self.page_of[finding]
        turtle = path[:-5] + ".ttl"
        is_baseline = R("ConditionFinding") in d.types.get(finding, set())
        drugs = d.iris(finding, R("drug"))
        what = [
            (
                "Drug",
                self.terms(finding, R("drug"), path)
                if drugs
                else "none: a disease baseline (untreated patients versus healthy controls)"
                if is_baseline
                else "",
            ),
            ("Target", self.terms(finding, R("target"), path)),
            ("Aspect", self.terms(finding, R("aspect"), path)),
            ("Direction", self.direction(d.text(finding, R("direction")))),
            ("Significance", self.terms(finding, R("significance"), path)),
            ("Status", self.terms(finding, R("status"), path)),
            ("Comparison", self.terms(finding, R("comparison"), path)),
            ("Experimental system", self.terms(finding, R("experimentalSystem"), path)),
            ("Evidence", self.terms(finding, R("evidence"), path)),
        ]
        regimens = d.objects(finding, R("regimen"))
        context = [
            ("Cell type", self.terms(finding, R("cellType"), path)),
            ("Sample context", self.terms(finding, R("sampleContext"), path)),
            ("Species", self.terms(finding, R("species"), path)),
            ("Condition", self.terms(finding, R("condition"), path)),
            (
                "Stimulus",
                "; ".join(self.stimulus(_key(s), path) for s in d.objects(finding, R("stimulus"))),
            ),
            (
                "Population",
                "<br>".join(
                    self.population(_key(p), path) for p in d.objects(finding, R("population"))
                ),
            ),
            (
                "Compared with",
                "<br>".join(
                    self.population(_key(p), path)
                    for p in d.objects(finding, R("comparatorPopulation"))
                ),
            ),
            ("Regimen", "<br>".join(self.regimen(_key(r), path) for r in regimens)),
            (
                "Time points",
                "; ".join(
                    self.time_point(_key(t))
                    for t in sorted(
                        d.objects(finding, R("timePoint")),
                        key=lambda t: int(d.text(_key(t), R("sequenceIndex")) or 0),
                    )
                ),
            ),
            ("Persists after treatment", self.persistence(finding)),
        ]
        conflicts = sorted(
            set(d.iris(finding, R("conflictsWith"))) | set(d.subjects(R("conflictsWith"), finding))
        )
        provenance = [
            (
                "Assay",
                "<br>".join(self.assay(_key(a), path) for a in d.objects(finding, R("assay"))),
            ),
            ("Study", ", ".join(self.link(s, path) for s in d.iris(finding, R("study")))),
            ("Source document", self.terms(finding, R("sourceDocument"), path)),
            ("Section", esc("; ".join(o.value for o in d.objects(finding, R("sourceSection"))))),
            ("Table", esc("; ".join(o.value for o in d.objects(finding, R("sourceTable"))))),
            ("Row", esc("; ".join(o.value for o in d.objects(finding, R("sourceRow"))))),
            ("Column", esc("; ".join(o.value for o in d.objects(finding, R("sourceColumn"))))),
            (
                "Cited reference",
                "<br>".join(
                    self.reference(_key(r), path) for r in d.objects(finding, R("citedReference"))
                ),
            ),
            (
                "Curator's reading",
                esc(" ".join(o.value for o in d.objects(finding, R("interpretation")))),
            ),
            (
                "Curation note",
                esc(" ".join(o.value for o in d.objects(finding, R("curationNote")))),
            ),
            ("Conflicts with", "<br>".join(self.link(c, path) for c in conflicts)),
        ]
        known = {
            R(name)
            for name in [
                "drug",
                "target",
                "aspect",
                "direction",
                "significance",
                "status",
                "comparison",
                "experimentalSystem",
                "evidence",
                "cellType",
                "sampleContext",
                "species",
                "condition",
                "stimulus",
                "population",
                "comparatorPopulation",
                "regimen",
                "timePoint",
                "persistsAfterTreatment",
                "persistsAfterTreatmentFor",
                "assay",
                "study",
                "sourceDocument",
                "sourceSection",
                "sourceTable",
                "sourceRow",
                "sourceColumn",
                "citedReference",
                "interpretation",
                "curationNote",
                "conflictsWith",
            ]
        }
        other = self.remaining(finding, path, known)
        summary = self._finding_summary(finding, path)
        body = [
            f"<h1>{esc(d.label(finding))}</h1>",
            f'<p class="lead">{summary}</p>',
            '<h2 id="what">What was found</h2>',
            self.facts(what),
            '<h2 id="context">Context</h2>',
            self.facts(context) or '<p class="muted">No context stated.</p>',
            '<h2 id="provenance">Evidence and provenance</h2>',
            self.facts(provenance),
        ]
        if other:
            body += ['<h2 id="other">Other statements</h2>', self.facts(other)]
        body += [
            f'<p class="muted">Identifier: <code>{esc(finding)}</code></p>',
            self.data_link(path, turtle),
        ]
        self.add_page(
            path,
            d.label(finding),
            "\n".join(body),
            crumbs=[("findings.html", "Findings")],
            turtle=turtle,
        )
        self.turtle(finding, turtle)

    def _finding_summary(self, finding: str, here: str) -> str:
        d = self.data
        drugs = ", ".join(self.link(x, here) for x in d.iris(finding, R("drug")))
        target = ", ".join(self.link(x, here) for x in d.iris(finding, R("target")))
        aspect = esc(", ".join(d.label(x) for x in d.iris(finding, R("aspect"))))
        direction = self.direction(d.text(finding, R("direction")))
        subject = drugs or "Untreated patients versus healthy controls"
        return f"{subject} · {aspect + ' of ' if aspect else ''}{target} · {direction}"

    def gap_page(self, gap: str) -> None:
        d = self.data
        path = self.page_of[gap]
        turtle = path[:-5] + ".ttl"
        rows = [
            ("Drug", self.terms(gap, R("drug"), path)),
            ("Target", self.terms(gap, R("target"), path)),
            (
                "Meaning",
                "The source states this effect has not been (extensively) studied: "
                "a gap in knowledge, not a finding of no effect.",
            ),
            ("Source document", self.terms(gap, R("sourceDocument"), path)),
            ("Section", esc("; ".join(o.value for o in d.objects(gap, R("sourceSection"))))),
            ("Table", esc("; ".join(o.value for o in d.objects(gap, R("sourceTable"))))),
            ("Row", esc("; ".join(o.value for o in d.objects(gap, R("sourceRow"))))),
            ("Column", esc("; ".join(o.value for o in d.objects(gap, R("sourceColumn"))))),
        ]
        known = {
            R(n)
            for n in [
                "drug",
                "target",
                "sourceDocument",
                "sourceSection",
                "sourceTable",
                "sourceRow",
                "sourceColumn",
            ]
        }
        rows += self.remaining(gap, path, known)
        body = f'<h1>{esc(d.label(gap))}</h1>\n<p class="lead">Knowledge gap: not studied.</p>\n'
        body += self.facts(rows) + "\n" + self.data_link(path, turtle)
        self.add_page(
            path, d.label(gap), body, crumbs=[("index.html#gaps", "Knowledge gaps")], turtle=turtle
        )
        self.turtle(gap, turtle)

    def study_page(self, study: str) -> None:
        d = self.data
        path = self.page_of[study]
        turtle = path[:-5] + ".ttl"
        doi = d.text(study, R("doi"))
        doi_html = (
            f'<a href="https://doi.org/{esc(doi)}">{esc(doi)}</a> (as the source gives it)'
            if doi
            else ""
        )
        rows = [
            ("Authors", esc("; ".join(o.value for o in d.objects(study, R("authors"))))),
            ("Year", esc(d.text(study, R("year")) or "")),
            ("Design", esc("; ".join(o.value for o in d.objects(study, R("designDescription"))))),
            ("Study design", self.terms(study, R("studyDesign"), path)),
            ("DOI", doi_html),
            (
                "Described in",
                ", ".join(self.link(x, path) for x in d.iris(study, R("describedIn"))),
            ),
            (
                "Reported by",
                "<br>".join(
                    self.reference(_key(r), path) for r in d.objects(study, R("reportedBy"))
                ),
            ),
            (
                "Populations",
                "<br>".join(
                    self.population(_key(p), path) for p in d.objects(study, R("hasPopulation"))
                ),
            ),
            (
                "Assays",
                "<br>".join(self.assay(_key(a), path) for a in d.objects(study, R("usesAssay"))),
            ),
        ]
        known = {
            R(n)
            for n in [
                "authors",
                "year",
                "designDescription",
                "studyDesign",
                "doi",
                "describedIn",
                "reportedBy",
                "hasPopulation",
                "usesAssay",
            ]
        }
        rows += self.remaining(study, path, known)
        findings = self._among(self.findings, d.subjects(R("study"), study))
        body = "\n".join(
            [
                f"<h1>{esc(d.label(study))}</h1>",
                '<p class="lead">Study</p>',
                self.facts(rows),
                f'<h2 id="findings">Findings from this study ({len(findings)})</h2>',
                self.findings_table(findings, path, show=("drug", "target")),
                self.data_link(path, turtle),
            ]
        )
        self.add_page(
            path, d.label(study), body, crumbs=[("index.html#studies", "Studies")], turtle=turtle
        )
        self.turtle(study, turtle)

    def document_page(self, document: str) -> None:
        d = self.data
        path = self.page_of[document]
        turtle = path[:-5] + ".ttl"
        rows = [
            ("Title", esc(d.text(document, DCTERMS_TITLE) or "")),
            ("Publisher", esc(d.text(document, R("publisher")) or "")),
            ("Year", esc(d.text(document, R("year")) or "")),
            ("File", esc(d.text(document, R("fileName")) or "")),
        ]
        rows += self.remaining(
            document, path, {DCTERMS_TITLE, R("publisher"), R("year"), R("fileName")}
        )
        findings = self._among(self.findings, d.subjects(R("sourceDocument"), document))
        studies = self._among(self.studies, d.subjects(R("describedIn"), document))
        gaps = self._among(self.gaps, d.subjects(R("sourceDocument"), document))
        chains = self._among(self.chains, d.subjects(R("sourceDocument"), document))
        body = "\n".join(
            [
                f"<h1>{esc(d.label(document))}</h1>",
                '<p class="lead">Source document</p>',
                self.facts(rows),
                f'<h2 id="findings">Findings curated from it ({len(findings)})</h2>',
                self.findings_table(findings, path, show=("drug", "target")),
                '<h2 id="studies">Studies it describes</h2>',
                self.entry_list(studies, path),
                '<h2 id="gaps">Knowledge gaps it states</h2>',
                self.entry_list(gaps, path),
                '<h2 id="mechanisms">Mechanisms it proposes</h2>',
                self.entry_list(chains, path),
                self.data_link(path, turtle),
            ]
        )
        self.add_page(
            path,
            d.label(document),
            body,
            crumbs=[("index.html#sources", "Sources")],
            turtle=turtle,
        )
        self.turtle(document, turtle, referenced_by=[*findings, *studies, *gaps, *chains])

    def chain_page(self, chain: str) -> None:
        d = self.data
        path = self.page_of[chain]
        turtle = path[:-5] + ".ttl"
        steps = sorted(
            d.iris(chain, R("step")),
            key=lambda s: (int(d.text(s, R("sequenceIndex")) or 0), s),
        )
        rows = []
        for step in steps:
            status = d.text(step, R("status")) or d.text(chain, R("status"))
            relation = d.text(step, R("causalRelation"))
            rows.append(
                "<tr>"
                + f"<td>{esc(d.text(step, R('sequenceIndex')) or '')}</td>"
                + f"<td>{self.terms(step, R('upstream'), path)}</td>"
                + f"<td>{self.term(relation, path) if relation else ''}</td>"
                + f"<td>{self.terms(step, R('downstream'), path)}</td>"
                + f"<td>{esc(d.label(status)) if status else ''}</td>"
                + "</tr>"
            )
        table = (
            '<div class="table-wrap"><table><thead><tr><th scope="col">#</th>'
            '<th scope="col">Upstream</th><th scope="col">Relation</th>'
            '<th scope="col">Downstream</th><th scope="col">Status</th></tr></thead>\n<tbody>\n'
            + "\n".join(rows)
            + "\n</tbody></table></div>"
        )
        facts = [
            ("Drug", self.terms(chain, R("drug"), path)),
            ("Status", self.terms(chain, R("status"), path)),
            ("Source document", self.terms(chain, R("sourceDocument"), path)),
            ("Section", esc("; ".join(o.value for o in d.objects(chain, R("sourceSection"))))),
            (
                "Cited reference",
                "<br>".join(
                    self.reference(_key(r), path) for r in d.objects(chain, R("citedReference"))
                ),
            ),
        ]
        facts += self.remaining(
            chain,
            path,
            {
                R(n)
                for n in [
                    "drug",
                    "status",
                    "sourceDocument",
                    "sourceSection",
                    "citedReference",
                    "step",
                ]
            },
        )
        figures = [
            self.figure(self.mechanism_figures[drug], path, f"Mechanism diagram of {d.label(drug)}")
            for drug in d.iris(chain, R("drug"))
            if drug in self.mechanism_figures
        ]
        body = "\n".join(
            [
                f"<h1>{esc(d.label(chain))}</h1>",
                '<p class="lead">Mechanism chain</p>',
                self.facts(facts),
                '<h2 id="steps">Steps</h2>',
                table,
                *figures,
                self.data_link(path, turtle),
            ]
        )
        self.add_page(
            path,
            d.label(chain),
            body,
            crumbs=[("index.html#mechanisms", "Mechanisms")],
            turtle=turtle,
        )
        self.turtle(chain, turtle)

    def figure(self, image: str, here: str, caption: str) -> str:
        source = esc(relative(here, image))
        return (
            f'<figure><div class="figure-scroll"><a href="{source}">'
            f'<img src="{source}" alt="{esc(caption)}"></a></div>'
            f"<figcaption>{esc(caption)} (SVG drawn from the store; select it to open it "
            "full size)</figcaption></figure>"
        )

    def drug_page(self, drug: str) -> None:
        d = self.data
        path = self.drug_pages[drug]
        findings = self._among(self.findings, d.subjects(R("drug"), drug))
        effects = [f for f in findings if R("DrugEffectFinding") in d.types.get(f, set())]
        findings = sorted(
            findings, key=lambda f: (d.label((d.iris(f, R("target")) or [""])[0]).casefold(), f)
        )
        gaps = self._among(self.gaps, d.subjects(R("drug"), drug))
        chains = self._among(self.chains, d.subjects(R("drug"), drug))
        forward = {
            R("convertedTo"): "is converted to",
            R("hasActiveMetabolite"): "has the active metabolite",
        }
        backward = {
            R("convertedTo"): "is formed from",
            R("hasActiveMetabolite"): "is the active metabolite of",
        }
        relations = [
            f"{forward[rel]} {self.term(other, path)}"
            for source, rel, other in d.drug_relations
            if source == drug and rel in forward
        ] + [
            f"{backward[rel]} {self.term(source, path)}"
            for source, rel, other in d.drug_relations
            if other == drug and rel in backward
        ]
        rows = [
            ("Identifier", self.term(drug, path)),
            ("Related drugs", "<br>".join(sorted(set(relations)))),
            ("Findings", f"{len(findings)} ({len(effects)} drug effects)"),
        ]
        body = [f"<h1>{esc(d.label(drug))}</h1>", '<p class="lead">Drug</p>', self.facts(rows)]
        body.append('<h2 id="mechanisms">Mechanisms</h2>')
        if drug in self.mechanism_figures:
            body.append(
                self.figure(
                    self.mechanism_figures[drug], path, f"Mechanism diagram of {d.label(drug)}"
                )
            )
        body.append(
            self.entry_list(chains, path)
            if chains
            else '<p class="muted">No mechanism chain names this drug.</p>'
        )
        body += [
            f'<h2 id="findings">Findings ({len(findings)})</h2>',
            self.findings_table(findings, path, show=("target", "study")),
            f'<h2 id="gaps">Not studied ({len(gaps)})</h2>',
            self.entry_list(
                gaps,
                path,
                note=lambda g: (
                    " — " + ", ".join(self.link(t, path) for t in d.iris(g, R("target")))
                ),
            ),
        ]
        turtle = path[:-5] + ".ttl"
        body.append(self.data_link(path, turtle))
        self.add_page(
            path,
            d.label(drug),
            "\n".join(body),
            crumbs=[("index.html#drugs", "Drugs")],
            turtle=turtle,
        )
        self.turtle(drug, turtle, referenced_by=[*findings, *gaps, *chains])

    def target_page(self, target: str) -> None:
        d = self.data
        path = self.target_pages[target]
        findings = self._among(self.findings, d.subjects(R("target"), target))
        findings = sorted(
            findings, key=lambda f: (d.label((d.iris(f, R("drug")) or [""])[0]).casefold(), f)
        )
        gaps = self._among(self.gaps, d.subjects(R("target"), target))
        turtle = path[:-5] + ".ttl"
        rows = [("Identifier", self.term(target, path))]
        body = "\n".join(
            [
                f"<h1>{esc(d.label(target))}</h1>",
                '<p class="lead">Target</p>',
                self.facts(rows),
                f'<h2 id="findings">Findings ({len(findings)})</h2>',
                self.findings_table(findings, path, show=("drug", "study")),
                f'<h2 id="gaps">Not studied ({len(gaps)})</h2>',
                self.entry_list(
                    gaps,
                    path,
                    note=lambda g: (
                        " — " + ", ".join(self.link(x, path) for x in d.iris(g, R("drug")))
                    ),
                ),
                self.data_link(path, turtle),
            ]
        )
        self.add_page(
            path,
            d.label(target),
            body,
            crumbs=[("index.html#targets", "Targets")],
            turtle=turtle,
        )
        self.turtle(target, turtle, referenced_by=[*findings, *gaps])

    def findings_page(self) -> None:
        path = "findings.html"
        body = f"<h1>All findings ({len(self.findings)})</h1>\n" + self.findings_table(
            self.findings, path, show=("drug", "target", "study")
        )
        self.add_page(
            path, "All findings", body + "\n" + self.data_link(path, DATA_FILE), turtle=DATA_FILE
        )

    def search_page(self) -> None:
        path = "search.html"
        kinds = {
            "findings": "finding",
            "gaps": "knowledge gap",
            "studies": "study",
            "documents": "source document",
            "mechanisms": "mechanism",
            "drugs": "drug",
            "targets": "target",
        }
        entries = sorted(
            (e for e in self.search_entries if e[0] in kinds),
            key=lambda e: (e[1].casefold(), e[2]),
        )
        items = "\n".join(
            f'<li><a href="{esc(relative(path, p))}">{esc(title)}</a> <small>{esc(kinds[kind])}</small></li>'
            for kind, title, p in entries
        )
        body = (
            "<h1>Search</h1>\n"
            '<p><label for="filter">Filter the entries</label> '
            '<input id="filter" type="search" placeholder="e.g. IL-6 monocyte" hidden> '
            '<span id="filter-status" class="muted" aria-live="polite"></span></p>\n'
            "<noscript><p>Every entry of the report is listed below; use your browser's "
            "find (Ctrl+F) to search it.</p></noscript>\n"
            f'<ul class="entries" id="entries">\n{items}\n</ul>\n'
            '<script src="search.js" defer></script>'
        )
        body += "\n" + self.data_link(path, DATA_FILE).replace("This page's data", "All the data")
        self.add_page(path, "Search", body, turtle=DATA_FILE)

    def index_page(self, matrix_figure: str | None, counts: dict[str, int]) -> None:
        d = self.data
        path = "index.html"

        def count_of(kind: str) -> Callable[[str], str]:
            def note(iri: str) -> str:
                n = len(self._among(self.findings, d.subjects(R(kind), iri)))
                return f" <small>{n} finding{'s' if n != 1 else ''}</small>"

            return note

        def study_note(study: str) -> str:
            bits = [o.value for o in d.objects(study, R("authors"))] + [
                d.text(study, R("year")) or ""
            ]
            return f" <small>{esc(', '.join(b for b in bits if b))}</small>"

        count_items = "".join(
            f"<li><strong>{n}</strong> {esc(name)}</li>" for name, n in counts.items()
        )
        body = [
            "<h1>retinoid-ld: how the retinoid drugs act on the immune system and the brain</h1>",
            '<p class="lead">Curated findings on isotretinoin, acitretin, etretinate and all-trans '
            "retinoic acid, each with its comparison, context, regimen, evidence and place in "
            "its source document. Every page is drawn from the retinoid-ld store.</p>",
            f'<ul class="counts">{count_items}</ul>',
        ]
        if matrix_figure:
            body += [
                '<h2 id="matrix">Drug effects at a glance</h2>',
                self.figure(
                    matrix_figure,
                    path,
                    "Heatmap of targets by drug: direction of change under treatment; "
                    "hatched cells are knowledge gaps (not studied), blank cells have no finding",
                ),
            ]
        body += [
            '<h2 id="drugs">Drugs</h2>',
            self.entry_list(self.drugs, path, note=count_of("drug")),
            '<h2 id="targets">Targets</h2>',
            self.entry_list(self.targets, path, note=count_of("target")).replace(
                'class="entries"', 'class="entries columns"', 1
            ),
            '<h2 id="studies">Studies</h2>',
            self.entry_list(self.studies, path, note=study_note),
            '<h2 id="mechanisms">Mechanisms</h2>',
            self.entry_list(self.chains, path),
            '<h2 id="gaps">Knowledge gaps</h2>',
            self.entry_list(self.gaps, path),
            '<h2 id="sources">Source documents</h2>',
            self.entry_list(self.documents, path),
            f'<p><a href="findings.html">All {len(self.findings)} findings in one table</a> · '
            '<a href="search.html">Search every entry</a></p>',
        ]
        body.append(self.data_link(path, DATA_FILE).replace("This page's data", "All the data"))
        self.add_page(path, "retinoid-ld report", "\n".join(body), turtle=DATA_FILE)


def relative(here: str, target: str) -> str:
    """The link from page ``here`` to ``target`` (both relative to the report root)."""
    depth = here.count("/")
    return "../" * depth + target


def render_page(
    path: str,
    title: str,
    body: str,
    *,
    crumbs: Iterable[tuple[str, str]] = (),
    turtle: str | None = None,
    built_at: str = "",
) -> str:
    """One complete HTML page around ``body``."""
    root = "../" * path.count("/")
    crumb_links = [f'<a href="{root}index.html">Home</a>'] + [
        f'<a href="{esc(root + target)}">{esc(name)}</a>' for target, name in crumbs
    ]
    breadcrumbs = (
        '<p class="breadcrumbs">' + " › ".join(crumb_links) + "</p>\n"
        if path != "index.html"
        else ""
    )
    alternate = (
        f'<link rel="alternate" type="text/turtle" href="{esc(relative(path, turtle))}">\n'
        if turtle
        else ""
    )
    built = f" from the store built {esc(built_at)}" if built_at else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} · retinoid-ld</title>
<link rel="stylesheet" href="{root}style.css">
{alternate}</head>
<body>
<header class="site">
<a class="brand" href="{root}index.html">retinoid-ld</a>
<nav aria-label="Sections">
<a href="{root}index.html#drugs">Drugs</a>
<a href="{root}index.html#targets">Targets</a>
<a href="{root}index.html#studies">Studies</a>
<a href="{root}findings.html">Findings</a>
</nav>
<form action="{root}search.html" method="get" role="search">
<label class="visually-hidden" for="site-search">Search the report</label>
<input id="site-search" name="q" type="search" placeholder="Search">
<button type="submit">Search</button>
</form>
</header>
<main>
{breadcrumbs}{body}
</main>
<footer>Generated by retinoid-ld{built}. Data and ontology: CC BY 4.0.
Ontology terms link to their OBO PURLs.</footer>
</body>
</html>
"""


# --------------------------------------------------------------------------- Turtle


def owned_nodes(data: ReportData, subject: str) -> list[str]:
    """``subject`` and the nodes it owns: blank nodes and populations, regimens, assays, steps."""
    found = [subject]
    index = 0
    while index < len(found):
        for _, value in data.triples.get(found[index], ()):
            if isinstance(value, ox.Literal):
                continue
            key = _key(value)
            owned = isinstance(value, ox.BlankNode) or data.types.get(key, set()) & OWNED_TYPES
            if owned and key not in found:
                found.append(key)
        index += 1
    return found


def data_turtle(store: ox.Store) -> bytes:
    """The store's data graph as Turtle, statements sorted so the file is stable."""
    triples = sorted(
        (
            ox.Triple(q.subject, q.predicate, q.object)
            for q in store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH_DATA))
        ),
        key=lambda t: (str(t.subject), str(t.predicate), str(t.object)),
    )
    prefixes = {p: PREFIXES[p] for p in ("rld", "obo", "rdf", "rdfs", "xsd", "dcterms", "owl")}
    header = b"# The curated data of the retinoid-ld store (ontology and imports not included).\n"
    return header + ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes)


def turtle_of(data: ReportData, subject: str, *, referenced_by: Iterable[str] = ()) -> str:
    """The subject's statements, those of the nodes it owns, and the labels of what they use.

    For an ontology term (a drug or target page) the statements are its label and drug
    relations; ``referenced_by`` adds the statements that point at the subject (the
    findings about a drug, say), so the page's list is in its data too.
    """
    graph = rdflib.Graph()
    for prefix in ("rld", "obo", "rdf", "rdfs", "xsd", "dcterms", "owl", "skos"):
        graph.bind(prefix, PREFIXES[prefix], override=True, replace=True)

    def node(key: str) -> rdflib.term.Node:
        return rdflib.BNode(key[2:]) if key.startswith("_:") else rdflib.URIRef(key)

    nodes = owned_nodes(data, subject)
    used: set[str] = set()
    for key in nodes:
        for predicate, value in data.triples.get(key, ()):
            graph.add((node(key), rdflib.URIRef(predicate), to_rdflib_term(value)))
            if isinstance(value, ox.NamedNode) and value.value not in nodes:
                used.add(value.value)
    if subject not in data.triples:  # an ontology term: what the report says of it
        if subject in data.labels:
            graph.add((node(subject), rdflib.RDFS.label, rdflib.Literal(data.labels[subject])))
        for source, relation, other in data.drug_relations:
            if subject in (source, other):
                graph.add((node(source), rdflib.URIRef(relation), node(other)))
                used.update({source, other} - {subject})
    for referrer in referenced_by:
        for predicate, value in data.triples.get(referrer, ()):
            if _key(value) == subject:
                graph.add((node(referrer), rdflib.URIRef(predicate), node(subject)))
                used.add(referrer)
    for iri in sorted(used):
        if iri in data.labels:
            graph.add((rdflib.URIRef(iri), rdflib.RDFS.label, rdflib.Literal(data.labels[iri])))
    header = (
        f"# {subject}: what its retinoid-ld report page shows, as RDF: its statements, the\n"
        "# nodes it owns, the statements that point at it, and the labels of the terms used.\n"
    )
    return header + graph.serialize(format="turtle")


# --------------------------------------------------------------------------- building


def build_report(
    *,
    store: StoreLike = None,
    output_dir: str | os.PathLike[str],
    engine: str = "auto",
    progress: Progress | None = None,
) -> Path:
    """Write the static HTML report of the store into ``output_dir``; returns its index page.

    ``output_dir`` must be absent, empty, or a previous report (it holds the marker
    file ``.retinoid-ld-report``); it is replaced whole only once the new report is
    complete. ``engine`` chooses the mechanism diagrams' layout (see
    :func:`retinoid_ld.plot_mechanism.plot_mechanism`).
    """
    from retinoid_ld.plot_mechanism import mechanism_graph_for_iri, render_mechanism, resolve_engine

    say = progress or (lambda message: None)
    target = Path(output_dir)
    _check_output_dir(target)
    resolve_engine(engine)
    oxstore = as_store(store)
    data = ReportData(oxstore)

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        site = Site(data, staging, say)
        (staging / "figures").mkdir()
        matrix = drug_effect_matrix(store=oxstore)
        matrix_figure = None
        if matrix.rows:
            matrix_figure = "figures/drug-effect-matrix.svg"
            with deterministic_style():
                save_figure(draw_matrix(matrix), staging / matrix_figure)
        engines_used: set[str] = set()
        for drug in site.drugs:
            try:
                graph = mechanism_graph_for_iri(oxstore, drug)
            except InputError:
                continue  # no chain reaches this drug
            figure = f"figures/mechanism-{slug(drug)}.svg"
            render_mechanism(
                graph, output=staging / figure, engine=engine, progress=engines_used.add
            )
            site.mechanism_figures[drug] = figure
        for message in sorted(engines_used):
            say(message)

        for finding in site.findings:
            site.finding_page(finding)
        for gap in site.gaps:
            site.gap_page(gap)
        for study in site.studies:
            site.study_page(study)
        for document in site.documents:
            site.document_page(document)
        for chain in site.chains:
            site.chain_page(chain)
        for drug in site.drugs:
            site.drug_page(drug)
        for target_iri in site.targets:
            site.target_page(target_iri)
        site.files[DATA_FILE] = data_turtle(oxstore)
        site.findings_page()
        counts = {
            "findings": len(site.findings),
            "drugs": len(site.drugs),
            "targets": len(site.targets),
            "studies": len(site.studies),
            "knowledge gaps": len(site.gaps),
            "mechanism chains": len(site.chains),
        }
        site.index_page(matrix_figure, counts)
        site.search_page()

        for relative_path, text in site.pages.items():
            _write(staging / relative_path, text.encode("utf-8"))
        for relative_path, content in site.files.items():
            _write(staging / relative_path, content)
        assets = package_resources.files("retinoid_ld") / "report_assets"
        for name in ("style.css", "search.js"):
            _write(staging / name, (assets / name).read_bytes())
        (staging / REPORT_MARKER).write_text(
            "This directory is a retinoid-ld report; 'retinoid-ld report' may replace it.\n"
        )
        say(f"wrote {len(site.pages)} pages and {len(site.files)} Turtle files")
        _swap_in(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target / "index.html"


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def _check_output_dir(target: Path) -> None:
    if target.exists() and not target.is_dir():
        raise InputError(f"{target} exists and is not a directory", hint="choose another -o DIR")
    if target.is_dir() and any(target.iterdir()) and not (target / REPORT_MARKER).is_file():
        raise InputError(
            f"{target} is not empty and is not a previous retinoid-ld report; not overwriting it",
            hint="choose a new or empty directory with -o DIR",
        )


def _swap_in(staging: Path, target: Path) -> None:
    """Replace ``target`` by the finished ``staging`` directory."""
    _check_output_dir(target)
    os.chmod(staging, 0o755)
    if not target.exists():
        os.replace(staging, target)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    os.rmdir(retired)
    os.replace(target, retired)
    try:
        os.replace(staging, target)
    except OSError:
        os.replace(retired, target)  # put the previous report back
        raise
    with contextlib.suppress(OSError):
        shutil.rmtree(retired)
