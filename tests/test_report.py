"""The static HTML report: valid pages, links that resolve, full context and provenance."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import html5lib
import pyoxigraph
import pytest
import rdflib

from retinoid_ld.errors import InputError
from retinoid_ld.report import REPORT_MARKER, build_report, slug

from .visuals import ISOTRETINOIN, OBO, RLD, TLR2, build_visuals_store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_visuals_store(tmp_path_factory.mktemp("visuals") / "store")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, store: Path) -> Path:
    index = build_report(store=store, output_dir=tmp_path_factory.mktemp("out") / "report")
    return index.parent


class Page(HTMLParser):
    """Links, ids and visible text of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.text: list[str] = []
        self.scripts: list[str] = []
        self.meta: list[dict[str, str | None]] = []
        self._skip = 0

    BLOCKS = frozenset(
        ("p", "li", "dt", "dd", "td", "th", "h1", "h2", "h3", "div", "br", "tr", "figcaption")
    )

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS:
            self.text.append(" ")  # block boundaries separate words, as on screen
        values = dict(attrs)
        if "id" in values:
            self.ids.add(values["id"] or "")
        for name in ("href", "src", "action"):
            if values.get(name):
                self.links.append(values[name] or "")
        if tag == "script":
            self.scripts.append(values.get("src") or "")
        if tag == "meta":
            self.meta.append(values)
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in self.BLOCKS:
            self.text.append(" ")
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)

    @property
    def visible(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.text))


def read(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def internal(link: str) -> bool:
    return not re.match(r"^[a-z][a-z0-9+.-]*:", link)


def crawl(root: Path) -> dict[Path, Page]:
    """Every page reachable from index.html, failing on a link that does not resolve."""
    seen: dict[Path, Page] = {}
    queue = [root / "index.html"]
    broken = []
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen[path] = page = read(path)
        for link in page.links:
            if not internal(link):
                continue
            parts = urlsplit(link)
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if not target.is_file() or root.resolve() not in target.parents:
                broken.append(f"{path.relative_to(root)} -> {link}")
                continue
            if (
                parts.fragment
                and target.suffix == ".html"
                and parts.fragment not in read(target).ids
            ):
                broken.append(f"{path.relative_to(root)} -> {link} (no such id)")
            if target.suffix == ".html" and target not in seen:
                queue.append(target)
    assert not broken, broken
    return seen


def test_every_page_is_valid_html(report):
    pages = sorted(report.rglob("*.html"))
    assert len(pages) == 35
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    for page in pages:
        parser.parse(page.read_bytes())  # raises on any parse error
        text = page.read_text(encoding="utf-8")
        assert text.startswith('<!DOCTYPE html>\n<html lang="en">')
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in text


def test_every_internal_link_resolves_and_every_page_is_reachable(report):
    reached = crawl(report)
    resolved = {p.resolve() for p in reached}
    assert resolved == {p.resolve() for p in report.rglob("*.html")}


def test_file_names_are_safe_slugs(report):
    names = sorted(p.relative_to(report).as_posix() for p in report.rglob("*") if p.is_file())
    for name in names:
        assert re.fullmatch(r"[A-Za-z0-9_./-]+", name), name
    for expected in [
        "index.html",
        "search.html",
        "findings.html",
        "style.css",
        "search.js",
        REPORT_MARKER,
        "figures/drug-effect-matrix.svg",
        "figures/mechanism-CHEBI_6067.svg",
        "figures/mechanism-acitretin.svg",
        "findings/finding-900-tlr2.html",
        "findings/finding-900-tlr2.ttl",
        "studies/study-fixture-2012.html",
        "studies/study-fixture-2012.ttl",
        "gaps/gap-900-acitretin-il6.html",
        "mechanisms/chain-900-isotretinoin-tlr2.html",
        "documents/doc-900.html",
        "drugs/CHEBI_6067.html",
        "drugs/acitretin.html",
        "targets/PR_000001153.html",
        "targets/GO_0032635.html",
    ]:
        assert expected in names, expected
    assert len([n for n in names if n.startswith("findings/") and n.endswith(".html")]) == 12


def test_slug_is_safe_and_unique():
    assert slug(RLD + "finding-000-x") == "finding-000-x"
    assert slug(OBO + "CHEBI_6067") == "CHEBI_6067"
    weird = slug("https://example.org/a b/../<c>")
    assert re.fullmatch(r"[A-Za-z0-9_-]+", weird)
    assert slug(RLD + "a/b") != slug(RLD + "a-b")
    assert slug(RLD + "a/b").startswith("a-b-")


def test_finding_page_shows_full_context_and_provenance(report):
    page = read(report / "findings" / "finding-900-tlr2.html")
    text = page.visible
    for expected in [
        "isotretinoin decreases TLR-2 expression on monocytes (fixture)",
        "Drug isotretinoin CHEBI:6067",
        "Target Toll-like receptor 2 PR:000001153",
        "Aspect expression",
        "Direction ↓ decreased",
        "Significance significant",
        "Status reported",
        "Comparison during or after treatment versus before treatment",
        "Experimental system ex vivo",
        "Evidence experimental evidence used in manual assertion ECO:0000269",
        "Cell type monocyte CL:0000576",
        "Species Homo sapiens NCBITaxon:9606",
        "Condition acne MONDO:0011438",
        "n = 37",
        "Regimen 0.5–1 mg/kg/day, daily, oral for 20 weeks",
        "Time points 20 weeks from start of treatment",
        "Persists after treatment yes, for at least 6 months",
        "type: flow cytometry assay OBI:0000916",
        "Study Fixture et al. 2012",
        "Source document Fixture review of retinoid immunology",
        "Section Fixture section on TLR-2",
        "[3] A fixture trial of isotretinoin in acne",
    ]:
        assert expected in text, expected
    # Ontology terms link to their OBO PURLs; the drug and target to their pages.
    for purl in ["CHEBI_6067", "PR_000001153", "CL_0000576", "NCBITaxon_9606", "ECO_0000269"]:
        assert f"http://purl.obolibrary.org/obo/{purl}" in page.links
    assert "../drugs/CHEBI_6067.html" in page.links
    assert "../targets/PR_000001153.html" in page.links
    assert "../studies/study-fixture-2012.html" in page.links
    assert "finding-900-tlr2.ttl" in " ".join(page.links)


def test_finding_page_table_location_and_stimulus(report):
    text = read(report / "findings" / "finding-900-il6-monocyte.html").visible
    for expected in [
        "Table Table 1",
        "Row IL-6",
        "Column Post-treatment Levels",
        "Stimulus bacterial sonicate (fixture)",
    ]:
        assert expected in text, expected


def test_conflicting_findings_link_each_other(report):
    down = read(report / "findings" / "finding-900-il17-serum-acitretin-down.html")
    unchanged = read(report / "findings" / "finding-900-il17-serum-acitretin-unchanged.html")
    assert "../findings/finding-900-il17-serum-acitretin-unchanged.html" in down.links
    assert "../findings/finding-900-il17-serum-acitretin-down.html" in unchanged.links
    assert "Conflicts with" in unchanged.visible


def test_disease_baseline_page_names_no_drug(report):
    text = read(report / "findings" / "finding-900-tlr2-baseline.html").visible
    assert "Drug none: a disease baseline" in text
    assert "untreated patients versus healthy controls" in text


def test_project_terms_are_marked(report):
    text = read(report / "targets" / "FoxO1.html").visible
    assert "forkhead box protein O1 rld:FoxO1 project term" in text


def test_study_page(report):
    page = read(report / "studies" / "study-fixture-2012.html")
    text = page.visible
    for expected in [
        "Authors Fixture et al.",
        "Year 2012",
        "Design prospective study of acne patients on oral isotretinoin",
        "acne patients on isotretinoin (fixture); n = 37",
        "Findings from this study (6)",
        "Reported by [3] A fixture trial of isotretinoin in acne",
    ]:
        assert expected in text, expected
    assert "../findings/finding-900-tlr2.html" in page.links
    assert "../findings/finding-900-tlr2-baseline.html" in page.links


def test_drug_page_with_mechanism_gaps_and_relations(report):
    page = read(report / "drugs" / "acitretin.html")
    text = page.visible
    assert "../figures/mechanism-acitretin.svg" in page.links
    assert "Not studied (2)" in text
    assert "../gaps/gap-900-acitretin-il6.html" in page.links
    assert "../mechanisms/chain-900-acitretin-mdsc.html" in page.links
    assert "Related drugs is the active metabolite of etretinate" in text
    iso = read(report / "drugs" / "CHEBI_6067.html")
    assert "is converted to all-trans-retinoic acid CHEBI:15367" in iso.visible


def test_index_lists_drugs_targets_studies_and_embeds_the_heatmap(report):
    page = read(report / "index.html")
    text = page.visible
    assert "figures/drug-effect-matrix.svg" in page.links
    for expected in [
        "12 findings",
        "4 drugs",
        "isotretinoin 6 findings",
        "Toll-like receptor 2 2 findings",
        "Fixture et al. 2012 Fixture et al., 2012",
        "Psoriasis fixture trial 2016",
    ]:
        assert expected in text, expected
    assert page.scripts == []  # no JavaScript needed


def test_search_page_lists_every_entry_without_javascript(report):
    page = read(report / "search.html")
    entries = [link for link in page.links if link.startswith(("findings/", "studies/"))]
    assert len([e for e in entries if e.startswith("findings/")]) == 12
    assert len([e for e in entries if e.startswith("studies/")]) == 2
    assert page.scripts == ["search.js"]
    assert 'id="filter" type="search"' in (report / "search.html").read_text()


def test_turtle_of_a_finding_is_its_data(report, store):
    from retinoid_ld import open_store

    graph = rdflib.Graph().parse(report / "findings" / "finding-900-tlr2.ttl", format="turtle")
    finding = rdflib.URIRef(RLD + "finding-900-tlr2")
    oxstore = open_store(store)
    in_store = {
        (q.predicate.value, q.object.value)
        for q in oxstore.quads_for_pattern(pyoxigraph.NamedNode(str(finding)), None, None)
        if not isinstance(q.object, pyoxigraph.BlankNode)
    }
    in_file = {
        (str(p), str(o))
        for p, o in graph.predicate_objects(finding)
        if not isinstance(o, rdflib.BNode)
    }
    assert in_file == in_store  # every statement about the finding (blank nodes below)
    assert len(in_store) == 22
    # Owned nodes come with it: the time point, the regimen's dose, the population.
    time_point = graph.value(finding, rdflib.URIRef(RLD + "timePoint"))
    assert graph.value(time_point, rdflib.URIRef(RLD + "quantityValue")).toPython() == 20
    population = rdflib.URIRef(RLD + "population-fixture-acne")
    assert graph.value(population, rdflib.URIRef(RLD + "cohortSize")).toPython() == 37
    regimen = rdflib.URIRef(RLD + "regimen-fixture-iso")
    dose = graph.value(regimen, rdflib.URIRef(RLD + "dose"))
    assert graph.value(dose, rdflib.URIRef(RLD + "minValue")).toPython() == 0.5
    # Terms it uses come with their labels; the study is referenced, not copied.
    assert str(graph.value(rdflib.URIRef(TLR2), rdflib.RDFS.label)) == "Toll-like receptor 2"
    assert str(graph.value(rdflib.URIRef(ISOTRETINOIN), rdflib.RDFS.label)) == "isotretinoin"
    study = rdflib.URIRef(RLD + "study-fixture-2012")
    assert graph.value(study, rdflib.URIRef(RLD + "authors")) is None


def test_turtle_of_a_study(report):
    graph = rdflib.Graph().parse(report / "studies" / "study-fixture-2012.ttl", format="turtle")
    study = rdflib.URIRef(RLD + "study-fixture-2012")
    assert str(graph.value(study, rdflib.URIRef(RLD + "authors"))) == "Fixture et al."
    population = graph.value(study, rdflib.URIRef(RLD + "hasPopulation"))
    assert graph.value(population, rdflib.URIRef(RLD + "cohortSize")).toPython() == 37


def test_turtle_of_a_drug_lists_what_its_page_lists(report):
    graph = rdflib.Graph().parse(report / "drugs" / "acitretin.ttl", format="turtle")
    acitretin = rdflib.URIRef(RLD + "acitretin")
    drug = rdflib.URIRef(RLD + "drug")
    assert sorted(str(s).rsplit("/", 1)[1] for s in graph.subjects(drug, acitretin)) == [
        "chain-900-acitretin-mdsc",
        "finding-900-il17-serum-acitretin-down",
        "finding-900-il17-serum-acitretin-unchanged",
        "finding-900-mdsc",
        "gap-900-acitretin-il6",
        "gap-900-acitretin-tnf",
    ]
    etretinate = rdflib.URIRef(RLD + "etretinate")
    assert (etretinate, rdflib.URIRef(RLD + "hasActiveMetabolite"), acitretin) in graph


def test_every_page_links_turtle_and_the_whole_data_is_there(report, store):
    from retinoid_ld import open_store
    from retinoid_ld.namespaces import GRAPH_DATA

    for page in report.rglob("*.html"):
        links = read(page).links
        assert any(link.endswith(".ttl") for link in links), page
    graph = rdflib.Graph().parse(report / "retinoid-ld-data.ttl", format="turtle")
    in_store = list(
        open_store(store).quads_for_pattern(None, None, None, pyoxigraph.NamedNode(GRAPH_DATA))
    )
    assert len(graph) == len(in_store)
    assert "retinoid-ld-data.ttl" in read(report / "index.html").links


def test_report_replaces_a_previous_report_but_never_other_directories(tmp_path, store):
    target = tmp_path / "site"
    build_report(store=store, output_dir=target)
    (target / "stale.html").write_text("old")
    build_report(store=store, output_dir=target)
    assert not (target / "stale.html").exists()
    assert (target / "index.html").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no leftovers

    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    with pytest.raises(InputError, match="not a previous retinoid-ld report"):
        build_report(store=store, output_dir=precious)
    assert sorted(p.name for p in precious.iterdir()) == ["notes.txt"]


def test_report_command(tmp_path, store, run_cli):
    output = tmp_path / "out"
    code, out, err = run_cli("report", "--store", store, "-o", output, "--engine", "matplotlib")
    assert code == 0, err
    assert out.strip() == str(output / "index.html")
    assert "wrote 35 pages and 33 Turtle files" in err
    assert "matplotlib layout" in err
    code, _, err = run_cli("report", "--store", tmp_path / "none", "-o", tmp_path / "x")
    assert code == 2
    assert "no store has been built" in err
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
def test_report_of_the_shipped_data(tmp_path, built_store):
    index = build_report(store=built_store, output_dir=tmp_path / "report")
    root = index.parent
    crawl(root)
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    for page in root.rglob("*.html"):
        parser.parse(page.read_bytes())
    text = read(index).visible
    for expected in ["isotretinoin", "acitretin", "etretinate", "Dispenza et al. 2012"]:
        assert expected in text, expected
    targets = read(root / "index.html")
    for label in [
        "interleukin-6 production",
        "natural killer cell",
        "Toll-like receptor 2",
        "glutathione",
        "depression behavior",
    ]:
        assert label in targets.visible, label
    tlr2 = read(root / "findings" / "finding-000-tlr2-monocyte-treatment.html").visible
    for expected in [
        "Drug isotretinoin CHEBI:6067",
        "Target Toll-like receptor 2 PR:000001153",
        "Direction ↓ decreased",
        "Cell type monocyte CL:0000576",
        "Study Dispenza et al. 2012",
    ]:
        assert expected in tlr2, expected
    assert (root / "figures" / "mechanism-CHEBI_6067.svg").is_file()
    assert (root / "figures" / "mechanism-acitretin.svg").is_file()
