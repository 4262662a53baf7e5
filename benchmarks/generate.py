"""Synthetic but realistic findings for benchmarks, valid against the project's shapes.

The data has the real ontology's structure: drug-effect and condition findings as
n-ary nodes with aspect, direction, significance, status, comparison, context (cell
type, sample context, species, condition, experimental system), studies with
populations, regimens (dose, duration), time points, assays and cited references,
source documents with a location for every statement, knowledge gaps and a few
mechanism chains. The terms are the project's real ones: the four drugs, and targets,
cell types, sample contexts, species, conditions and evidence types read from the
committed import modules (``ontology/imports/<prefix>_terms.txt``), so a run always
uses exactly the vocabulary the store can verify; past one target per
``FINDINGS_PER_TARGET`` findings, synthetic targets are minted as project terms under
real ones, as a real corpus names more targets as it grows.

Two invariants keep the data valid at any size, without holding it in memory:

* the direction of a finding is a function of its (drug, target, aspect, cell type,
  sample context) key, so findings in the same context never disagree unless they
  are a deliberate conflict pair, which gets a key reserved for it and is linked with
  ``rld:conflictsWith`` both ways;
* knowledge gaps use (drug, target) pairs reserved for gaps, which no finding uses.

Everything is drawn from one seeded ``random.Random``: the same seed and size give the
same bytes. Output is streamed (Turtle or N-Triples), so a million findings need no
more memory than ten.

With ``faults`` a share of findings gets exactly one defect each, and a TSV lists the
ground truth (focus node, path, SHACL constraint component) for equivalence checks
between validation engines.

Command line::

    python -m benchmarks.generate 10000 /tmp/bench-10k.ttl [--seed 1] [--format nt]
    python -m benchmarks.generate 2000 /tmp/faulty.ttl --faults 0.02 --faults-tsv /tmp/faults.tsv
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import random
import sys
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TextIO

import pyoxigraph as ox

from retinoid_ld import resources
from retinoid_ld.namespaces import OBO, PREFIXES, RLD, expand

RDF_TYPE = PREFIXES["rdf"] + "type"
RDFS_LABEL = PREFIXES["rdfs"] + "label"
RDFS_SUBCLASS_OF = PREFIXES["rdfs"] + "subClassOf"
OWL_CLASS = PREFIXES["owl"] + "Class"
XSD = PREFIXES["xsd"]
DCTERMS = PREFIXES["dcterms"]
SH = PREFIXES["sh"]

# The drugs of the sources, by the identifiers the ontology uses for them.
DRUG_CURIES = ("CHEBI:6067", "CHEBI:15367", "rld:acitretin", "rld:etretinate")

# Which aspects make sense for a target, by the ontology its term comes from.
TARGET_ASPECTS: dict[str, tuple[str, ...]] = {
    "PR": ("Expression", "Secretion", "SerumLevel", "NuclearLocalization"),
    "GO": ("Occurrence", "Activity"),
    "CL": ("CellNumber", "Activity", "Differentiation"),
    "CHEBI": ("SerumLevel", "TissueLevel"),
    "NBO": ("Behaviour",),
    "MP": ("Behaviour",),
    "UBERON": ("Size", "Production"),
}

# Direction of a non-conflicting finding, from its key's hash (weights of a real corpus).
DIRECTION_TABLE = (
    ("Decreased",) * 5 + ("Increased",) * 4 + ("NoSignificantChange",) * 2 + ("Altered",)
)
RESERVED_CONFLICT_MODULUS = 16  # 1 key in 16 is kept for deliberate conflict pairs
CONFLICT_GROUP_MAX = 6  # findings in one conflicting context, all linked pairwise
RESERVED_GAP_MODULUS = 10  # 1 (drug, target) pair in 10 is a knowledge gap, never a finding
# A drug's effect on a target mostly holds whatever the context; on 1 (drug, target, aspect
# group) in 8 it depends on the cell type or sample (as IL-6 may fall in serum and rise in
# culture). So disagreements between contexts are a controlled share, not a coin toss.
CONTEXT_DEPENDENT_MODULUS = 8
# A real corpus names more targets as it grows (the large chemical-effect databases hold a
# handful of findings per chemical and gene); the project's ~60 real targets would put
# thousands of findings on each (drug, target) at a million findings. Past one target per
# FINDINGS_PER_TARGET findings, synthetic targets are minted as project terms under a real
# target of the same ontology, so hierarchy walks (cytokine production, lymphocyte) see them.
FINDINGS_PER_TARGET = 50
SYNTHETIC_TARGET = "bench-target-"
# Aspects that give an amount measured somewhere: one group for conflicts (as the saved
# conflicting-findings query groups them).
AMOUNT_ASPECTS = frozenset(
    (
        "Expression",
        "Secretion",
        "SerumLevel",
        "TissueLevel",
        "Production",
        "Occurrence",
        "CellNumber",
    )
)

Literal = tuple[str, str | None]  # lexical form, datatype IRI (None: xsd:string)
Object = str | Literal  # an IRI (str) or a literal (tuple)
Pairs = list[tuple[str, Object]]


def rld(local: str) -> str:
    return RLD + local


def typed(value: object, datatype: str) -> Literal:
    return (str(value), XSD + datatype)


def text(value: str) -> Literal:
    return (value, None)


@dataclass(frozen=True)
class Term:
    """An ontology term used as a value: its IRI and real label."""

    iri: str
    label: str
    prefix: str


@dataclass(frozen=True)
class Vocabulary:
    """The real terms a generated finding may use, by slot."""

    drugs: tuple[Term, ...]
    targets: tuple[Term, ...]
    cell_types: tuple[Term, ...]
    sample_contexts: tuple[Term, ...]
    species: tuple[Term, ...]
    conditions: tuple[Term, ...]
    evidence: tuple[Term, ...]
    assay_types: tuple[Term, ...] = ()
    aspect_labels: dict[str, str] = field(default_factory=dict)
    # Synthetic targets (project terms) with the real target each is a subclass of.
    synthetic_parents: dict[str, Term] = field(default_factory=dict)

    def _evidence(self, *words: str) -> Term:
        for word in words:
            for term in self.evidence:
                if word in term.label:
                    return term
        return self.evidence[0]

    @property
    def result_evidence(self) -> Term:
        """Evidence for a reported result: experimental evidence, where the modules have it."""
        return self._evidence("experimental evidence")

    @property
    def hypothesis_evidence(self) -> Term:
        return self._evidence("author statement supported", "author statement")

    @property
    def gap_evidence(self) -> Term:
        return self._evidence("no evidence data", "author statement")

    def aspects_for(self, target: Term) -> tuple[str, ...]:
        return TARGET_ASPECTS.get(target.prefix, ("Expression",))


def _read_terms(paths: Sequence[Path]) -> tuple[dict[str, str], dict[str, set[str]]]:
    """Labels and direct superclasses of every term the files declare."""
    labels: dict[str, str] = {}
    parents: dict[str, set[str]] = {}
    subclass_of = PREFIXES["rdfs"] + "subClassOf"
    for path in paths:
        with path.open("rb") as handle:
            for triple in ox.parse(handle, format=ox.RdfFormat.TURTLE):
                predicate = triple.predicate.value
                if predicate == RDFS_LABEL and isinstance(triple.object, ox.Literal):
                    labels.setdefault(triple.subject.value, triple.object.value)
                elif predicate == subclass_of and isinstance(triple.object, ox.NamedNode):
                    parents.setdefault(triple.subject.value, set()).add(triple.object.value)
    return labels, parents


def _ancestors(iri: str, parents: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    stack = [iri]
    while stack:
        for parent in parents.get(stack.pop(), ()):
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


def _listed_terms(terms_file: Path) -> list[str]:
    """The CURIEs of an ODK ``<prefix>_terms.txt`` file (one per line, ``# label`` comments)."""
    if not terms_file.is_file():
        return []
    curies = []
    for line in terms_file.read_text(encoding="utf-8").splitlines():
        token = line.split("#", 1)[0].strip()
        if token:
            curies.append(token)
    return curies


OBI_ASSAY = OBO + "OBI_0000070"


def load_vocabulary(ontology_dir: Path | None = None) -> Vocabulary:
    """Read the project's real terms from the committed import modules and the edit file."""
    folder = ontology_dir or resources.ontology_dir()
    imports = folder / "imports"
    labels, parents = _read_terms(
        [folder / "retinoid-ld-edit.ttl", *sorted(imports.glob("*_import.ttl"))]
    )

    def terms(prefix: str) -> list[Term]:
        found = []
        for curie in _listed_terms(imports / f"{prefix.lower()}_terms.txt"):
            iri = expand(curie)
            if iri in labels:  # listed and present in the generated module: verified
                found.append(Term(iri, labels[iri], curie.split(":", 1)[0]))
        return found

    drugs = tuple(Term(expand(c), labels.get(expand(c), c), c.split(":")[0]) for c in DRUG_CURIES)
    # A drug's own superclasses (retinoid, ...) are not plausible targets of the drug.
    excluded = {d.iri for d in drugs}.union(*(_ancestors(d.iri, parents) for d in drugs))
    targets = [
        t
        for prefix in ("PR", "GO", "CL", "CHEBI", "NBO", "MP", "UBERON")
        for t in terms(prefix)
        if t.iri not in excluded
    ]
    species = terms("NCBITaxon")
    evidence = terms("ECO")
    if not targets or not species or not evidence:
        raise ValueError(
            f"{imports}: the import modules must list at least one target, species and "
            "evidence term to generate findings"
        )
    assay_types = [
        t for t in terms("OBI") if t.iri == OBI_ASSAY or OBI_ASSAY in _ancestors(t.iri, parents)
    ]
    return Vocabulary(
        drugs=drugs,
        targets=tuple(targets),
        cell_types=tuple(terms("CL")),
        sample_contexts=tuple(terms("UBERON")),
        species=tuple(species),
        conditions=tuple(terms("MONDO")),
        evidence=tuple(evidence),
        assay_types=tuple(assay_types),
        aspect_labels={
            local: labels.get(rld(local), local.lower())
            for aspects in TARGET_ASPECTS.values()
            for local in aspects
        },
    )


# ---------------------------------------------------------------------------
# Streaming writers
# ---------------------------------------------------------------------------


def with_synthetic_targets(
    vocabulary: Vocabulary, findings: int, *, per_target: int = FINDINGS_PER_TARGET
) -> Vocabulary:
    """The vocabulary with one target per ``per_target`` findings, minting what it lacks.

    Each synthetic target is a project term under a real target (taken in turn), with that
    target's ontology as its kind, so it takes the same aspects and sits in the same
    hierarchy. Below ``per_target`` x the real targets, the vocabulary is returned as it is.
    """
    real = [t for t in vocabulary.targets if t.iri not in vocabulary.synthetic_parents]
    wanted = findings // per_target - len(real)
    if wanted <= 0 or not real:
        return vocabulary
    synthetic, parents = [], {}
    for number in range(1, wanted + 1):
        parent = real[(number - 1) % len(real)]
        term = Term(
            rld(f"{SYNTHETIC_TARGET}{parent.prefix}-{number:06d}"),
            f"{parent.label}, synthetic variant {number}",
            parent.prefix,
        )
        synthetic.append(term)
        parents[term.iri] = parent
    return replace(vocabulary, targets=(*real, *synthetic), synthetic_parents=parents)


def target_kind(iri: str) -> str:
    """The ontology prefix of a target: ``GO`` for an OBO PURL or a synthetic GO target."""
    if iri.startswith(OBO):
        return iri[len(OBO) :].split("_", 1)[0]
    if iri.startswith(rld(SYNTHETIC_TARGET)):
        return iri[len(rld(SYNTHETIC_TARGET)) :].split("-", 1)[0]
    return ""


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


class _Writer:
    """Writes one subject with its predicate-object pairs at a time."""

    def __init__(self, handle: TextIO) -> None:
        self.handle = handle
        self.triples = 0

    def node(self, subject: str, pairs: Pairs) -> None:
        raise NotImplementedError


class NTriplesWriter(_Writer):
    def node(self, subject: str, pairs: Pairs) -> None:
        s = f"<{subject}> "
        lines = []
        for predicate, obj in pairs:
            if isinstance(obj, str):
                lines.append(f"{s}<{predicate}> <{obj}> .\n")
            elif obj[1] is None:
                lines.append(f'{s}<{predicate}> "{_escape(obj[0])}" .\n')
            else:
                lines.append(f'{s}<{predicate}> "{_escape(obj[0])}"^^<{obj[1]}> .\n')
        self.handle.write("".join(lines))
        self.triples += len(pairs)


TURTLE_PREFIXES = ("rld", "obo", "rdfs", "xsd", "dcterms")


class TurtleWriter(_Writer):
    def __init__(self, handle: TextIO) -> None:
        super().__init__(handle)
        self._short: dict[str, str] = {RDF_TYPE: "a"}
        handle.write("".join(f"@prefix {p}: <{PREFIXES[p]}> .\n" for p in TURTLE_PREFIXES) + "\n")

    def _iri(self, iri: str) -> str:
        short = self._short.get(iri)
        if short is None:
            short = f"<{iri}>"
            for prefix in TURTLE_PREFIXES:
                namespace = PREFIXES[prefix]
                local = iri[len(namespace) :]
                if (
                    iri.startswith(namespace)
                    and local
                    and all(c.isalnum() or c in "_-" for c in local)
                ):
                    short = f"{prefix}:{local}"
                    break
            if len(self._short) < 100_000:  # instance IRIs are not worth caching forever
                self._short[iri] = short
        return short

    def _object(self, obj: Object) -> str:
        if isinstance(obj, str):
            return self._iri(obj)
        lexical, datatype = obj
        if datatype is None:
            return f'"{_escape(lexical)}"'
        return f'"{_escape(lexical)}"^^{self._iri(datatype)}'

    def node(self, subject: str, pairs: Pairs) -> None:
        body = " ;\n    ".join(f"{self._iri(p)} {self._object(o)}" for p, o in pairs)
        self.handle.write(f"{self._iri(subject)} {body} .\n")
        self.triples += len(pairs)


WRITERS: dict[str, type[_Writer]] = {"turtle": TurtleWriter, "ntriples": NTriplesWriter}
SUFFIX_FORMATS = {".ttl": "turtle", ".nt": "ntriples"}


# ---------------------------------------------------------------------------
# Fault injection: one defect per chosen finding, with the violation it must cause
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    """A defect kind: how to apply it to a finding, and the violation it must produce."""

    name: str
    path: str
    constraint: str
    apply: Callable[[Pairs, Vocabulary, random.Random], Pairs]


def _without(predicate: str) -> Callable[[Pairs, Vocabulary, random.Random], Pairs]:
    return lambda pairs, _v, _r: [(p, o) for p, o in pairs if p != predicate]


def _replace(
    predicate: str, value: Callable[[Vocabulary, random.Random], Object]
) -> Callable[[Pairs, Vocabulary, random.Random], Pairs]:
    def apply(pairs: Pairs, vocabulary: Vocabulary, rng: random.Random) -> Pairs:
        new = value(vocabulary, rng)
        return [(p, new if p == predicate else o) for p, o in pairs]

    return apply


def _add(
    predicate: str, value: Callable[[Pairs], Object]
) -> Callable[[Pairs, Vocabulary, random.Random], Pairs]:
    return lambda pairs, _v, _r: [*pairs, (predicate, value(pairs))]


ALL_ASPECTS = (
    "Expression",
    "Secretion",
    "SerumLevel",
    "TissueLevel",
    "Activity",
    "CellNumber",
    "Differentiation",
    "NuclearLocalization",
    "Behaviour",
    "Size",
    "Production",
    "Occurrence",
)


def _other_aspect(pairs: Pairs) -> str:
    """A second aspect no other finding on this target uses, one per first aspect.

    So two faulty findings never come to share an aspect (and with it look like an
    unlinked conflict): the one defect stays the only violation.
    """
    current = next(o for p, o in pairs if p == rld("aspect"))
    target = next(o for p, o in pairs if p == rld("target"))
    used = TARGET_ASPECTS.get(target_kind(str(target)), ("Expression",))
    outside = [a for a in ALL_ASPECTS if a not in used]
    local = str(current)[len(RLD) :]
    return rld(outside[used.index(local) % len(outside)] if local in used else outside[0])


def _drug_as_text(pairs: Pairs, vocabulary: Vocabulary, _rng: random.Random) -> Pairs:
    """The drug written as its name: one literal per drug, so faulty findings never
    come to share a drug they did not share before."""
    labels = {d.iri: d.label for d in vocabulary.drugs}
    return [(p, text(labels.get(str(o), "a drug")) if p == rld("drug") else o) for p, o in pairs]


FAULTS: tuple[Fault, ...] = (
    Fault("missing drug", rld("drug"), SH + "MinCountConstraintComponent", _without(rld("drug"))),
    Fault(
        "missing evidence",
        rld("evidence"),
        SH + "MinCountConstraintComponent",
        _without(rld("evidence")),
    ),
    Fault(
        "missing source document",
        rld("sourceDocument"),
        SH + "MinCountConstraintComponent",
        _without(rld("sourceDocument")),
    ),
    Fault(
        "unknown direction",
        rld("direction"),
        SH + "InConstraintComponent",
        _replace(rld("direction"), lambda _v, _r: rld("Sideways")),
    ),
    Fault(
        "unknown significance",
        rld("significance"),
        SH + "InConstraintComponent",
        _replace(rld("significance"), lambda _v, _r: rld("Probably")),
    ),
    Fault(
        "second aspect",
        rld("aspect"),
        SH + "MaxCountConstraintComponent",
        _add(rld("aspect"), _other_aspect),
    ),
    Fault(
        "drug given as a literal",
        rld("drug"),
        SH + "NodeConstraintComponent",
        _drug_as_text,
    ),
    Fault(
        "species that is a drug",
        rld("species"),
        SH + "OrConstraintComponent",
        _replace(rld("species"), lambda v, _r: v.drugs[0].iri),
    ),
)


# ---------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------


@dataclass
class GenerationSummary:
    """What a generation run wrote."""

    findings: int = 0
    drug_effect_findings: int = 0
    condition_findings: int = 0
    hypotheses: int = 0
    conflict_pairs: int = 0
    conflicting_findings: int = 0
    knowledge_gaps: int = 0
    studies: int = 0
    documents: int = 0
    mechanism_chains: int = 0
    synthetic_targets: int = 0
    triples: int = 0
    faults: list[tuple[str, str, str, str]] = field(default_factory=list)
    seed: int = 0

    def as_dict(self) -> dict[str, object]:
        values = {k: v for k, v in self.__dict__.items() if k != "faults"}
        values["faults"] = len(self.faults)
        return values


def _hash(*parts: object) -> int:
    return zlib.crc32("|".join(map(str, parts)).encode())


@dataclass
class _Study:
    iri: str
    index: int
    drug: int
    document: str
    reference: str
    kind: str
    species: Term
    condition: Term | None
    system: str
    comparison: str
    treated: str
    control: str
    regimen: str
    duration: str
    time_points: list[str]
    assays: list[tuple[str, str]]  # (iri, label)


STUDY_DESIGNS = {
    "clinical": "prospective study of patients treated orally, sampled before and during treatment",
    "mouse": "controlled study of treated and vehicle-treated mice",
    "in vitro": "cultured cells exposed to the drug or to vehicle",
}
ASSAY_METHODS = (
    ("flow cytometry", "surface staining of isolated cells, gated on the cell type"),
    ("ELISA", "sandwich immunoassay of culture supernatant or serum"),
    ("quantitative PCR", "transcript levels normalised to a housekeeping gene"),
    ("western blot", "protein levels in cell lysates or nuclear extracts"),
    ("behavioural test", "scored by an observer blind to treatment"),
)


class _Generator:
    def __init__(
        self,
        vocabulary: Vocabulary,
        seed: int,
        writer: _Writer,
        *,
        conflict_share: float,
        gap_share: float,
        condition_share: float,
        hypothesis_share: float,
    ) -> None:
        self.conflict_share = conflict_share
        self.gap_share = gap_share
        self.condition_share = condition_share
        self.hypothesis_share = hypothesis_share
        self.v = vocabulary
        self.rng = random.Random(seed)
        self.w = writer
        self.summary = GenerationSummary(seed=seed)
        self.used_conflict_keys: set[str] = set()
        self.last_study_by_context: dict[tuple[str, ...], _Study] = {}
        self.conflict_groups: dict[tuple[str, ...], list[tuple[tuple, list[tuple[str, str]]]]] = {}
        self.finding_counter = 0
        # (drug index, target index) pairs reserved for knowledge gaps.
        pairs = [
            (d, t) for d in range(len(vocabulary.drugs)) for t in range(len(vocabulary.targets))
        ]
        reserved = {p for p in pairs if _hash("gap", *p) % RESERVED_GAP_MODULUS == 0}
        if not reserved and len(vocabulary.targets) > 1:
            reserved = {min(pairs, key=lambda p: _hash("gap", *p))}
        self.gap_pairs = sorted(reserved)
        self.allowed_targets = [
            [t for t in range(len(vocabulary.targets)) if (d, t) not in reserved]
            for d in range(len(vocabulary.drugs))
        ]
        human = [s for s in vocabulary.species if s.iri.endswith("NCBITaxon_9606")]
        mouse = [s for s in vocabulary.species if s.iri.endswith("NCBITaxon_10090")]
        self.human = human[0] if human else vocabulary.species[0]
        self.mouse = mouse[0] if mouse else None

    # -- shared nodes ---------------------------------------------------------

    def document(self, index: int) -> tuple[str, str]:
        doc = rld(f"doc-bench-{index:06d}")
        year = 2000 + self.rng.randrange(26)
        self.w.node(
            doc,
            [
                (RDF_TYPE, rld("SourceDocument")),
                (RDFS_LABEL, text(f"Synthetic review {index} of retinoid immunology")),
                (DCTERMS + "title", text(f"Synthetic review {index}: retinoids and immunity")),
                (rld("publisher"), text("retinoid-ld benchmark generator")),
                (rld("year"), typed(year, "gYear")),
                (rld("fileName"), text(f"bench_{index:06d}.txt")),
            ],
        )
        self.summary.documents += 1
        return doc, str(year)

    def study(self, index: int, document: str, reference_number: int) -> _Study:
        rng, v = self.rng, self.v
        drug = rng.randrange(len(v.drugs))
        kind = rng.choices(("clinical", "mouse", "in vitro"), weights=(6, 2, 2))[0]
        if kind == "mouse" and self.mouse is None:
            kind = "clinical"
        species = self.mouse if kind == "mouse" else self.human
        if kind == "in vitro" and self.mouse is not None and rng.random() < 0.5:
            species = self.mouse
        condition = rng.choice(v.conditions) if kind == "clinical" and v.conditions else None
        system = {"clinical": rng.choice(("InVivo", "InVivo", "ExVivo")), "mouse": "InVivo"}.get(
            kind, "InVitro"
        )
        comparison = {
            "clinical": rng.choice(("TreatedVersusBaseline",) * 4 + ("TreatedVersusHealthy",)),
        }.get(kind, "TreatedVersusUntreated")
        key = f"b{index:07d}"
        study = _Study(
            iri=rld(f"study-{key}"),
            index=index,
            drug=drug,
            document=document,
            reference=rld(f"ref-{key}"),
            kind=kind,
            species=species,
            condition=condition,
            system=system,
            comparison=comparison,
            treated=rld(f"population-{key}-treated"),
            control=rld(f"population-{key}-control"),
            regimen=rld(f"regimen-{key}"),
            duration=rld(f"duration-{key}"),
            time_points=[],
            assays=[],
        )
        authors = f"Author{index} et al."
        year = 2000 + rng.randrange(26)
        self.w.node(
            study.reference,
            [
                (RDF_TYPE, rld("CitedReference")),
                (RDFS_LABEL, text(f"reference {reference_number} of {document.rsplit('-', 1)[1]}")),
                (rld("referenceNumber"), typed(reference_number, "positiveInteger")),
                (DCTERMS + "title", text(f"Synthetic study {index} of {v.drugs[drug].label}")),
                (rld("describedIn"), document),
            ],
        )
        # Dose, duration and time points as the sources give them.
        if kind == "in vitro":
            low = rng.choice((1, 10, 100))
            dose = (low, low * 10, "NanogramPerMillilitre")
            duration = (rng.choice((1, 2, 3)), "Day")
            times = [(1, "Day")]
        elif kind == "mouse":
            low = rng.choice((1, 2, 5))
            dose = (low, low * 2, "MilligramPerKilogramPerDay")
            duration = (rng.choice((2, 4, 6)), "Week")
            times = [(duration[0], "Week")]
        else:
            is_acitretin = v.drugs[drug].iri.endswith(("acitretin", "etretinate"))
            dose = (
                (rng.choice((10, 25)), rng.choice((30, 50)), "MilligramPerDay")
                if is_acitretin
                else (0.5, rng.choice((0.75, 1.0)), "MilligramPerKilogramPerDay")
            )
            weeks = rng.choice((12, 16, 20, 24))
            duration = (weeks, "Week")
            times = [(6, "Week"), (weeks, "Week")] if rng.random() < 0.6 else [(weeks, "Week")]
        self.w.node(
            study.duration,
            [
                (RDF_TYPE, rld("Duration")),
                (rld("quantityValue"), typed(duration[0], "decimal")),
                (rld("unit"), rld(duration[1])),
            ],
        )
        dose_iri = rld(f"dose-{key}")
        self.w.node(
            dose_iri,
            [
                (RDF_TYPE, rld("Dose")),
                (rld("minValue"), typed(dose[0], "decimal")),
                (rld("maxValue"), typed(dose[1], "decimal")),
                (rld("unit"), rld(dose[2])),
            ],
        )
        self.w.node(
            study.regimen,
            [
                (RDF_TYPE, rld("Regimen")),
                (RDFS_LABEL, text(f"{v.drugs[drug].label} regimen of study {index}")),
                (rld("dose"), dose_iri),
                (rld("duration"), study.duration),
                (rld("frequency"), text("daily")),
                (rld("route"), text("in culture medium" if kind == "in vitro" else "oral")),
            ],
        )
        for number, (value, unit) in enumerate(times, start=1):
            point = rld(f"timepoint-{key}-{number}")
            self.w.node(
                point,
                [
                    (RDF_TYPE, rld("TimePoint")),
                    (rld("quantityValue"), typed(value, "decimal")),
                    (rld("unit"), rld(unit)),
                    (rld("timeReference"), rld("TreatmentStart")),
                    (rld("sequenceIndex"), typed(number, "positiveInteger")),
                ],
            )
            study.time_points.append(point)
        for number in range(1, rng.choice((2, 3)) + 1):
            label, method = ASSAY_METHODS[_hash(index, number) % len(ASSAY_METHODS)]
            assay = rld(f"assay-{key}-{number}")
            pairs: Pairs = [
                (RDF_TYPE, rld("Assay")),
                (RDFS_LABEL, text(f"{label} in study {index}")),
                (rld("method"), text(method)),
            ]
            if v.assay_types:
                pairs.append((rld("assayType"), rng.choice(v.assay_types).iri))
            self.w.node(assay, pairs)
            study.assays.append((assay, label))
        size = rng.randrange(8, 120)
        treated: Pairs = [
            (RDF_TYPE, rld("StudyPopulation")),
            (RDFS_LABEL, text(f"patient or treated arm of study {index}")),
            (rld("cohortSize"), typed(size, "positiveInteger")),
            (rld("species"), species.iri),
            (rld("regimen"), study.regimen),
            (rld("lifeStage"), text(rng.choice(("adolescent", "adult", "young adult")))),
            (rld("inclusionCriteria"), text("met the study's diagnostic criteria")),
        ]
        if condition is not None:
            treated.insert(4, (rld("condition"), condition.iri))
        self.w.node(study.treated, treated)
        self.w.node(
            study.control,
            [
                (RDF_TYPE, rld("StudyPopulation")),
                (RDFS_LABEL, text(f"control arm of study {index}")),
                (rld("cohortSize"), typed(rng.randrange(8, 80), "positiveInteger")),
                (rld("species"), species.iri),
            ],
        )
        self.w.node(
            study.iri,
            [
                (RDF_TYPE, rld("Study")),
                (RDFS_LABEL, text(f"{authors} {year}")),
                (rld("authors"), text(authors)),
                (rld("year"), typed(year, "gYear")),
                (rld("designDescription"), text(STUDY_DESIGNS[kind])),
                (rld("describedIn"), document),
                (rld("reportedBy"), study.reference),
                (rld("hasPopulation"), study.treated),
                (rld("hasPopulation"), study.control),
                *((rld("usesAssay"), a) for a, _ in study.assays),
            ],
        )
        self.summary.studies += 1
        return study

    # -- findings ---------------------------------------------------------------

    def _context(self, target: Term) -> tuple[Term | None, Term | None]:
        """Cell type (not when the target is a cell type) and sample context, or None."""
        v, rng = self.v, self.rng
        cell = None
        if v.cell_types and target.prefix != "CL" and rng.random() < 0.6:
            cell = rng.choice(v.cell_types)
        sample = None
        if v.sample_contexts and target.prefix != "UBERON" and (cell is None or rng.random() < 0.3):
            sample = rng.choice(v.sample_contexts)
        return cell, sample

    def _draw_key(self, drug: int, *, conflict: bool) -> tuple | None:
        """A (target, aspect, cell, sample) context for ``drug``; reserved keys only for conflicts."""
        v, rng = self.v, self.rng
        allowed = self.allowed_targets[drug]
        if not allowed:
            return None
        for _ in range(60):
            target = v.targets[rng.choice(allowed)]
            aspect = rng.choice(v.aspects_for(target))
            cell, sample = self._context(target)
            key = "|".join(
                (
                    v.drugs[drug].iri,
                    target.iri,
                    aspect,
                    cell.iri if cell else "",
                    sample.iri if sample else "",
                )
            )
            h = zlib.crc32(key.encode())
            reserved = (h >> 8) % RESERVED_CONFLICT_MODULUS == 0
            if conflict and reserved and key not in self.used_conflict_keys:
                self.used_conflict_keys.add(key)
                return target, aspect, cell, sample, h
            if not conflict and not reserved:
                return target, aspect, cell, sample, h
        return None

    def _direction(self, drug: int, target: Term, aspect: str, context_hash: int) -> str:
        """The direction of a drug's effect: the same in every context, except on a
        controlled share of (drug, target, aspect group) where it depends on the context."""
        group = "amount" if aspect in AMOUNT_ASPECTS else aspect
        h = _hash(drug, target.iri, group)
        if h % CONTEXT_DEPENDENT_MODULUS == 0:
            h = context_hash
        return DIRECTION_TABLE[h % len(DIRECTION_TABLE)]

    def _finding_pairs(
        self,
        study: _Study,
        *,
        drug: int | None,
        target: Term,
        aspect: str,
        cell: Term | None,
        sample: Term | None,
        direction: str,
        status: str = "Reported",
        with_time_point: bool = True,
    ) -> Pairs:
        v, rng = self.v, self.rng
        if direction == "NoSignificantChange":
            significance = "NotSignificant"
        elif direction == "Altered" or status == "Hypothesized":
            significance = "SignificanceNotStated"
        else:
            significance = rng.choice(
                ("Significant",) * 6 + ("NotAlwaysSignificant", "SignificanceNotStated")
            )
        where = f" in {cell.label}" if cell else (f" in {sample.label}" if sample else "")
        subject = (
            v.drugs[drug].label
            if drug is not None
            else (study.condition.label if study.condition else "the condition")
        )
        verb = {
            "Decreased": "decreases",
            "Increased": "increases",
            "NoSignificantChange": "does not change",
            "Altered": "alters",
        }.get(direction, "changes")
        pairs: Pairs = [
            (RDF_TYPE, rld("DrugEffectFinding" if drug is not None else "ConditionFinding")),
            (
                RDFS_LABEL,
                text(
                    f"{subject} {verb} {target.label} {v.aspect_labels.get(aspect, aspect)}{where}"
                ),
            ),
        ]
        if drug is not None:
            pairs.append((rld("drug"), v.drugs[drug].iri))
        pairs += [
            (rld("target"), target.iri),
            (rld("aspect"), rld(aspect)),
            (rld("direction"), rld(direction)),
            (rld("significance"), rld(significance)),
            (rld("status"), rld(status)),
        ]
        if status == "Hypothesized":
            pairs += [
                (rld("comparison"), rld("NoComparisonStated")),
                (rld("experimentalSystem"), rld(study.system)),
                (rld("species"), study.species.iri),
                (rld("study"), study.iri),
                (rld("evidence"), v.hypothesis_evidence.iri),
                (rld("sourceDocument"), study.document),
                (rld("sourceSection"), text(f"Proposed mechanisms, part {rng.randrange(1, 9)}")),
            ]
            return pairs
        comparison = study.comparison if drug is not None else "ConditionVersusHealthy"
        pairs += [
            (rld("comparison"), rld(comparison)),
            (rld("experimentalSystem"), rld(study.system)),
        ]
        if cell:
            pairs.append((rld("cellType"), cell.iri))
        if sample:
            pairs.append((rld("sampleContext"), sample.iri))
        pairs.append((rld("species"), study.species.iri))
        if study.condition is not None:
            pairs.append((rld("condition"), study.condition.iri))
        pairs += [
            (rld("study"), study.iri),
            (rld("population"), study.treated),
        ]
        if comparison in (
            "TreatedVersusHealthy",
            "ConditionVersusHealthy",
            "TreatedVersusUntreated",
        ):
            pairs.append((rld("comparatorPopulation"), study.control))
        if drug is not None:
            pairs.append((rld("regimen"), study.regimen))
            if with_time_point:
                pairs.append((rld("timePoint"), rng.choice(study.time_points)))
        assay, _label = rng.choice(study.assays)
        pairs += [
            (rld("assay"), assay),
            (rld("evidence"), v.result_evidence.iri),
            (rld("sourceDocument"), study.document),
            (rld("sourceTable"), text(f"Table {1 + study.index % 3}")),
            (rld("sourceRow"), text(target.label)),
            (rld("citedReference"), study.reference),
        ]
        if drug is not None and study.kind == "clinical" and rng.random() < 0.03:
            pairs.append((rld("persistsAfterTreatment"), typed("true", "boolean")))
            pairs.append((rld("persistsAfterTreatmentFor"), study.duration))
        if rng.random() < 0.3:
            pairs.append(
                (rld("interpretation"), text(f"{target.label} {direction.lower()} under treatment"))
            )
        return pairs

    def _next_finding_iri(self, study: _Study) -> str:
        self.finding_counter += 1
        return rld(f"finding-b{study.index:07d}-{self.finding_counter:08d}")

    def emit_finding(self, study: _Study, faults: float) -> int:
        """One finding (or a conflict pair); returns how many findings were written."""
        rng = self.rng
        roll = rng.random()
        if roll < self.conflict_share / 2:  # a pair is two findings
            written = self._emit_conflict(study)
            if written:
                return written
        is_condition = study.condition is not None and roll > 1 - self.condition_share
        drug = None if is_condition else study.drug
        key = self._draw_key(study.drug, conflict=False)
        if key is None:
            return 0
        target, aspect, cell, sample, h = key
        direction = self._direction(study.drug, target, aspect, h)
        hypothesis = drug is not None and rng.random() < self.hypothesis_share
        if hypothesis and direction in ("NoSignificantChange", "Altered"):
            hypothesis = False
        if is_condition:
            # Condition findings are keyed without the drug, so they never disagree either.
            direction = DIRECTION_TABLE[
                _hash("condition", target.iri, aspect) % len(DIRECTION_TABLE)
            ]
        iri = self._next_finding_iri(study)
        pairs = self._finding_pairs(
            study,
            drug=drug,
            target=target,
            aspect=aspect,
            cell=cell,
            sample=sample,
            direction=direction,
            status="Hypothesized" if hypothesis else "Reported",
        )
        if drug is not None and not hypothesis and faults and rng.random() < faults:
            fault = FAULTS[rng.randrange(len(FAULTS))]
            pairs = fault.apply(pairs, self.v, rng)
            self.summary.faults.append((iri, fault.path, fault.constraint, fault.name))
        self.w.node(iri, pairs)
        summary = self.summary
        summary.findings += 1
        if drug is None:
            summary.condition_findings += 1
        else:
            summary.drug_effect_findings += 1
        summary.hypotheses += hypothesis
        return 1

    @staticmethod
    def _study_context(study: _Study) -> tuple[str, ...]:
        condition = study.condition.iri if study.condition else ""
        return (str(study.drug), study.species.iri, condition, study.system, study.comparison)

    def _emit_conflict(self, study: _Study) -> int:
        """Findings in one reserved context whose directions disagree, all linked both ways.

        A new context starts as a pair (the second finding from an earlier study with the
        same drug, species, condition, system and comparison, when there is one); when no
        unused reserved context is left, a finding joins an existing group (at most
        CONFLICT_GROUP_MAX), linked to every member of the opposite direction.
        """
        context = self._study_context(study)
        key = self._draw_key(study.drug, conflict=True)
        if key is not None:
            other = self.last_study_by_context.get(context, study)
            group: list[tuple[str, str]] = []
            self.conflict_groups.setdefault(context, []).append((key, group))
            first = (
                ("Increased", "Decreased")
                if self.rng.random() < 0.5
                else ("Decreased", "Increased")
            )
            members = [(study, first[0]), (other, first[1])]
            self.summary.conflict_pairs += 1
        else:
            open_groups = [
                (k, g)
                for k, g in self.conflict_groups.get(context, [])
                if len(g) < CONFLICT_GROUP_MAX
            ]
            if not open_groups:
                return 0
            key, group = open_groups[self.rng.randrange(len(open_groups))]
            members = [(study, self.rng.choice(("Increased", "Decreased")))]
        target, aspect, cell, sample, _h = key
        for owner, direction in members:
            iri = self._next_finding_iri(owner)
            partners = [member for member, d in group if d != direction]
            pairs = self._finding_pairs(
                owner,
                drug=study.drug,
                target=target,
                aspect=aspect,
                cell=cell,
                sample=sample,
                direction=direction,
                with_time_point=False,
            )
            pairs += [(rld("conflictsWith"), partner) for partner in partners]
            self.w.node(iri, pairs)
            for partner in partners:  # the link is stated from both ends
                self.w.node(partner, [(rld("conflictsWith"), iri)])
            group.append((iri, direction))
            self.summary.conflicting_findings += 1
        self.summary.findings += len(members)
        self.summary.drug_effect_findings += len(members)
        return len(members)

    def emit_gap(self, number: int, document: str) -> None:
        v = self.v
        drug, target = self.gap_pairs[self.rng.randrange(len(self.gap_pairs))]
        self.w.node(
            rld(f"gap-bench-{number:07d}"),
            [
                (RDF_TYPE, rld("KnowledgeGap")),
                (
                    RDFS_LABEL,
                    text(
                        f"effect of {v.drugs[drug].label} on {v.targets[target].label} not studied"
                    ),
                ),
                (rld("drug"), v.drugs[drug].iri),
                (rld("target"), v.targets[target].iri),
                (rld("evidence"), v.gap_evidence.iri),
                (rld("sourceDocument"), document),
                (rld("sourceTable"), text("Table 2")),
                (rld("sourceRow"), text(v.targets[target].label)),
                (rld("sourceColumn"), text(v.drugs[drug].label)),
            ],
        )
        self.summary.knowledge_gaps += 1

    def emit_chain(self, number: int, study: _Study) -> None:
        v, rng = self.v, self.rng
        chain = rld(f"chain-bench-{number:06d}")
        entities = [v.drugs[study.drug].iri] + [
            t.iri for t in rng.sample(v.targets, min(3, len(v.targets)))
        ]
        steps = []
        for index in range(1, len(entities)):
            step = rld(f"step-bench-{number:06d}-{index}")
            relation = rng.choice(("RO_0002212", "RO_0002213", "RO_0002411"))
            self.w.node(
                step,
                [
                    (RDF_TYPE, rld("MechanismStep")),
                    (rld("upstream"), entities[index - 1]),
                    (rld("causalRelation"), OBO + relation),
                    (rld("downstream"), entities[index]),
                    (rld("sequenceIndex"), typed(index, "positiveInteger")),
                    (rld("status"), rld(rng.choice(("Reported", "Hypothesized")))),
                ],
            )
            steps.append(step)
        self.w.node(
            chain,
            [
                (RDF_TYPE, rld("MechanismChain")),
                (RDFS_LABEL, text(f"proposed mechanism {number} of {v.drugs[study.drug].label}")),
                (rld("drug"), v.drugs[study.drug].iri),
                (rld("describedIn"), study.document),
                *((rld("step"), s) for s in steps),
            ],
        )
        self.summary.mechanism_chains += 1

    def declare_synthetic_targets(self) -> None:
        """Each synthetic target as a project term under its real parent target."""
        for term in self.v.targets:
            parent = self.v.synthetic_parents.get(term.iri)
            if parent is None:
                continue
            self.w.node(
                term.iri,
                [
                    (RDF_TYPE, OWL_CLASS),
                    (RDF_TYPE, rld("ProjectTerm")),
                    (RDFS_LABEL, text(term.label)),
                    (RDFS_SUBCLASS_OF, parent.iri),
                    (rld("missingMapping"), text(parent.prefix)),
                ],
            )
        self.summary.synthetic_targets = len(self.v.synthetic_parents)

    def run(self, findings: int, *, faults: float) -> GenerationSummary:
        rng = self.rng
        self.declare_synthetic_targets()
        study_index = 0
        document, reference_number = "", 0
        gaps_due = 0.0
        while self.summary.findings < findings:
            if study_index % 50 == 0:
                document, _year = self.document(study_index // 50 + 1)
                reference_number = 0
            study_index += 1
            reference_number += 1
            study = self.study(study_index, document, reference_number)
            before = self.summary.findings
            for _ in range(rng.randrange(4, 17)):
                if self.summary.findings >= findings:
                    break
                if self.emit_finding(study, faults) == 0 and not self.allowed_targets[study.drug]:
                    break
            self.last_study_by_context[self._study_context(study)] = study
            gaps_due += self.gap_share * (self.summary.findings - before)
            while gaps_due >= 1 and self.gap_pairs:
                self.emit_gap(self.summary.knowledge_gaps + 1, document)
                gaps_due -= 1
            if study_index % 200 == 1:
                self.emit_chain(self.summary.mechanism_chains + 1, study)
        self.summary.triples = self.w.triples
        return self.summary


def generate(
    findings: int,
    output: str | Path | TextIO,
    *,
    seed: int = 0,
    format: str | None = None,
    faults: float = 0.0,
    faults_tsv: str | Path | None = None,
    conflict_share: float = 0.02,
    gap_share: float = 0.01,
    condition_share: float = 0.08,
    hypothesis_share: float = 0.04,
    findings_per_target: int = FINDINGS_PER_TARGET,
    vocabulary: Vocabulary | None = None,
) -> GenerationSummary:
    """Write ``findings`` synthetic findings to ``output``; the same seed gives the same bytes.

    ``format`` is ``turtle`` or ``ntriples`` (default: from the file suffix, else Turtle).
    With ``faults`` (a share, 0-1) that share of drug-effect findings gets one defect
    each; ``faults_tsv`` then receives focus, path, constraint component and kind.
    Past ``findings_per_target`` findings per real target, synthetic targets are minted
    (see :func:`with_synthetic_targets`).
    """
    if findings < 0:
        raise ValueError("findings must be >= 0")
    if not 0 <= faults <= 1:
        raise ValueError("faults is a share between 0 and 1")
    if format is None:
        suffix = Path(output).suffix.lower() if isinstance(output, (str, Path)) else ""
        format = SUFFIX_FORMATS.get(suffix, "turtle")
    if format not in WRITERS:
        raise ValueError(f"unknown format {format!r}: use one of {', '.join(WRITERS)}")
    vocabulary = with_synthetic_targets(
        vocabulary or load_vocabulary(), findings, per_target=findings_per_target
    )
    with contextlib.ExitStack() as stack:
        if isinstance(output, (str, Path)):
            handle: TextIO = stack.enter_context(
                open(output, "w", encoding="utf-8", newline="\n", buffering=1 << 20)
            )
        else:
            handle = output
        generator = _Generator(
            vocabulary,
            seed,
            WRITERS[format](handle),
            conflict_share=conflict_share,
            gap_share=gap_share,
            condition_share=condition_share,
            hypothesis_share=hypothesis_share,
        )
        summary = generator.run(findings, faults=faults)
    if faults_tsv is not None:
        with open(faults_tsv, "w", encoding="utf-8", newline="") as tsv:
            out = csv.writer(tsv, delimiter="\t", lineterminator="\n")
            out.writerow(("focus", "path", "constraint", "kind"))
            out.writerows(summary.faults)
    return summary


def read_faults(path: str | Path) -> set[tuple[str, str, str]]:
    """The ground truth a ``--faults-tsv`` file holds, as (focus, path, constraint) triples."""
    with open(path, encoding="utf-8", newline="") as tsv:
        return {
            (row["focus"], row["path"], row["constraint"])
            for row in csv.DictReader(tsv, delimiter="\t")
        }


def iter_sizes(text: str) -> Iterator[int]:
    for part in text.split(","):
        part = part.strip().lower().replace("_", "")
        if part:
            factor = 1_000_000 if part.endswith("m") else 1_000 if part.endswith("k") else 1
            yield int(float(part.rstrip("mk")) * factor)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.generate",
        description="Write synthetic retinoid-ld findings, valid against the shapes.",
    )
    parser.add_argument("findings", help="how many findings (10000, 100k, 1m)")
    parser.add_argument("output", help="output file (.ttl or .nt)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--format", choices=tuple(WRITERS))
    parser.add_argument(
        "--faults",
        type=float,
        default=0.0,
        metavar="RATE",
        help="share of findings given one defect each (e.g. 0.01)",
    )
    parser.add_argument("--faults-tsv", metavar="FILE", help="where to write the injected faults")
    args = parser.parse_args(argv)
    (size,) = iter_sizes(args.findings)
    faults_tsv = args.faults_tsv
    if args.faults and not faults_tsv:
        faults_tsv = str(Path(args.output).with_suffix(".faults.tsv"))
    summary = generate(
        size,
        args.output,
        seed=args.seed,
        format=args.format,
        faults=args.faults,
        faults_tsv=faults_tsv,
    )
    for key, value in summary.as_dict().items():
        print(f"{key}\t{value}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
