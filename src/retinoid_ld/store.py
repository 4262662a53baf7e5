"""The embedded store: an on-disk Oxigraph store built atomically.

Layout of a store directory::

    STORE/current           symlink to the version readers use
    STORE/versions/<id>/    one complete Oxigraph store per build, with build.json
    STORE/.build.lock       held while a build runs

A build is written into a fresh version directory and published by atomically
replacing the ``current`` symlink, only once it is complete and valid. A failed or
killed build therefore never touches what readers see; the previous version is
kept (readers may still hold it open) and older ones are pruned.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox

from retinoid_ld import resources
from retinoid_ld.errors import InputError, NonConformingError, StoreError
from retinoid_ld.namespaces import (
    GRAPH_DATA,
    GRAPH_IMPORTS,
    GRAPH_METADATA,
    GRAPH_ONTOLOGY,
    ONTOLOGY_IRI,
    PREFIXES,
    RLD,
)
from retinoid_ld.rdfio import bulk_load_file, load_quads, rdf_format

ENV_STORE = "RETINOID_LD_STORE"
CURRENT = "current"
VERSIONS = "versions"
BUILD_INFO = "build.json"
KEEP_VERSIONS = 2
PRUNE_GRACE_SECONDS = 300.0

Progress = Callable[[str], None]


def default_store_path() -> Path:
    """``$RETINOID_LD_STORE``, else ``$XDG_DATA_HOME/retinoid-ld/store`` (``~/.local/share``)."""
    configured = os.environ.get(ENV_STORE)
    if configured:
        return Path(configured).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "retinoid-ld" / "store"


def resolve_store_path(path: str | os.PathLike[str] | None) -> Path:
    return Path(path).expanduser() if path is not None else default_store_path()


@dataclass(frozen=True)
class BuildResult:
    """What a build produced."""

    store: Path
    version: Path
    triples: int
    graphs: dict[str, int]
    findings: int
    built_at: str
    source_files: list[dict[str, str]] = field(default_factory=list)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _source_name(path: Path) -> str:
    """A machine-independent name for a source file: relative to the resources, else its name."""
    try:
        return path.resolve().relative_to(resources.resource_root().resolve()).as_posix()
    except ValueError:
        return path.name


def _ontology_version() -> str:
    """The ontology's owl:versionIRI, read from the edit file."""
    for quad in load_quads([resources.edit_file()]):
        if quad.subject.value == ONTOLOGY_IRI and quad.predicate.value.endswith("#versionIRI"):
            return quad.object.value
    return ""


@contextlib.contextmanager
def _build_lock(root: Path) -> Iterator[None]:
    """Hold an exclusive lock so two builds never race on one store."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".build.lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(
                f"{root}: another build is running on this store",
                hint="wait for it to finish, or build into another --store",
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _metadata_quads(
    built_at: str,
    version_iri: str,
    files: list[dict[str, str]],
    store: ox.Store | None = None,
) -> list[ox.Quad]:
    """Release metadata of the build (exported with every RDF export).

    ``rld:build`` is a dcat/void dataset: its build date, the ontology version it
    conforms to, its license (the ontology's) and the source documents of the data,
    read from the loaded ``store``, plus the files it was built from with checksums.
    """
    graph = ox.NamedNode(GRAPH_METADATA)
    build = ox.NamedNode(RLD + "build")
    dcterms = PREFIXES["dcterms"]
    prov = PREFIXES["prov"]
    rdf_type = ox.NamedNode(PREFIXES["rdf"] + "type")
    quads = [
        ox.Quad(build, rdf_type, ox.NamedNode(prov + "Entity"), graph),
        ox.Quad(build, rdf_type, ox.NamedNode("http://www.w3.org/ns/dcat#Dataset"), graph),
        ox.Quad(build, rdf_type, ox.NamedNode("http://rdfs.org/ns/void#Dataset"), graph),
        ox.Quad(
            build, ox.NamedNode(dcterms + "title"), ox.Literal("retinoid-ld knowledge graph"), graph
        ),
        ox.Quad(
            build,
            ox.NamedNode(prov + "generatedAtTime"),
            ox.Literal(built_at, datatype=ox.NamedNode(PREFIXES["xsd"] + "dateTime")),
            graph,
        ),
    ]
    if version_iri:
        quads.append(
            ox.Quad(build, ox.NamedNode(dcterms + "conformsTo"), ox.NamedNode(version_iri), graph)
        )
    if store is not None:
        facts = f"""SELECT ?p ?o WHERE {{
          {{ GRAPH <{GRAPH_ONTOLOGY}> {{ <{ONTOLOGY_IRI}> <{dcterms}license> ?o }}
             BIND(<{dcterms}license> AS ?p) }}
          UNION {{ GRAPH <{GRAPH_DATA}> {{ ?o a <{RLD}SourceDocument> }}
             BIND(<{dcterms}source> AS ?p) }} }}"""
        for row in store.query(facts):
            if isinstance(row["o"], ox.NamedNode):
                quads.append(ox.Quad(build, row["p"], row["o"], graph))
    for entry in files:
        source = ox.NamedNode(RLD + "source/" + entry["name"])
        quads.append(ox.Quad(build, ox.NamedNode(prov + "used"), source, graph))
        quads.append(
            ox.Quad(
                source, ox.NamedNode(dcterms + "identifier"), ox.Literal(entry["sha256"]), graph
            )
        )
    return quads


def build_store(
    path: str | os.PathLike[str] | None = None,
    *,
    data_files: Iterable[str | os.PathLike[str]] | None = None,
    validate: bool = True,
    progress: Progress | None = None,
) -> BuildResult:
    """Compile ontology, import modules and data into the store at ``path``.

    The shipped data is used unless ``data_files`` is given. With ``validate`` (the
    default) the data must conform to the shapes; otherwise NonConformingError is
    raised and the previous store is left untouched.
    """
    root = resolve_store_path(path)
    say = progress or (lambda message: None)
    ontology = [resources.edit_file()]
    imports = resources.import_files()
    data = [Path(p) for p in data_files] if data_files is not None else resources.data_files()
    if not data:
        raise InputError("no data files to build from", hint="pass data files or restore data/")

    with _build_lock(root):
        say(f"reading {len(ontology) + len(imports) + len(data)} files")
        graphs = {GRAPH_ONTOLOGY: ontology, GRAPH_IMPORTS: imports, GRAPH_DATA: data}
        for paths in graphs.values():
            for source in paths:
                _check_source(source)

        built_at = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
        files = [
            {"path": str(p), "name": _source_name(p), "sha256": _sha256(p), "graph": g}
            for g, paths in (
                (GRAPH_ONTOLOGY, ontology),
                (GRAPH_IMPORTS, imports),
                (GRAPH_DATA, data),
            )
            for p in paths
        ]
        versions = root / VERSIONS
        versions.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{os.getpid()}-{time.time_ns()}"
        staging = versions / f".staging-{stamp}"
        final = versions / stamp
        try:
            say(f"loading into {staging}")
            store = ox.Store(str(staging))
            # Streamed file by file: no copy of the data in memory. Bad input fails here,
            # inside the staging directory that the except clause removes, so it never
            # creates a version.
            for graph, paths in graphs.items():
                for source in paths:
                    bulk_load_file(store, source, graph=graph)
            restated = _drop_restated_triples(store)
            if restated:
                say(
                    f"{restated} data triples restate the ontology or its imports; "
                    "each is kept once, in the ontology's graph"
                )
            if validate:
                say("validating against the shapes")
                _gate(store, data)
            store.bulk_extend(_metadata_quads(built_at, _ontology_version(), files, store))
            store.flush()
            counts = _count_graphs(store, (*graphs, GRAPH_METADATA))
            findings = _count_findings(store)
            del store
            result = BuildResult(
                store=root,
                version=final,
                triples=sum(counts.values()),
                graphs=counts,
                findings=findings,
                built_at=built_at,
                source_files=files,
            )
            info = {
                "built_at": built_at,
                "ontology_version": _ontology_version(),
                "triples": result.triples,
                "graphs": counts,
                "findings": findings,
                "source_files": files,
            }
            (staging / BUILD_INFO).write_text(json.dumps(info, indent=2) + "\n")
            _fsync_dir(staging)
            os.rename(staging, final)
            _publish(root, final)
        except BaseException as error:
            # Close the database first: RocksDB writes its files when the store is dropped,
            # which recreated the staging directory after a failed load or gate. The
            # frames the error passed through (the loader's, the gate's) hold the store too.
            store = None  # noqa: F841
            traceback.clear_frames(error.__traceback__)
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _prune(root)
        say(f"built {result.triples} triples, {findings} findings")
        return result


def _check_source(path: Path) -> None:
    """Fail early, before any work, on a file that is missing or of an unknown type."""
    rdf_format(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file", hint="check the path")


def _gate(store: ox.Store, data: list[Path]) -> None:
    """Refuse data that breaks the shapes, validating the staging store itself.

    Why in the store: validating the files first needed the whole data in memory
    beside the build (over 9 GiB at a million findings); the staging store already
    holds the same graphs on disk, and a refused build is discarded with it. Results
    are located in the data files as ``retinoid-ld validate`` locates them.
    """
    from retinoid_ld.validation import validate_store

    report = validate_store(store, located_in=data)
    if not report.conforms:
        raise NonConformingError(
            f"the data does not conform to the shapes ({report.violation_count} "
            "violations); the store was not changed",
            report=report,
            hint="run 'retinoid-ld validate' on the data files and fix what it lists",
        )


def _drop_restated_triples(store: ox.Store) -> int:
    """Remove the data graph's copies of triples the ontology or imports graphs hold.

    Why: the saved queries read the union of the graphs, and Oxigraph's union (as of
    pyoxigraph 0.5; oxigraph issue 1919) yields a triple once per graph that holds it,
    not once. A restated label or subclass axiom then doubles every row through it:
    counts inflate, and joins over several restated triples multiply (restating the
    whole ontology in a data file took conflicting-findings from 0.2 s to minutes).
    Keeping each triple in one graph makes the union a set, as SPARQL means it.
    """
    query = (
        "SELECT ?s ?p ?o WHERE { "
        f"VALUES ?g {{ <{GRAPH_ONTOLOGY}> <{GRAPH_IMPORTS}> }} "
        f"GRAPH ?g {{ ?s ?p ?o }} GRAPH <{GRAPH_DATA}> {{ ?s ?p ?o }} }}"
    )
    data = ox.NamedNode(GRAPH_DATA)
    # Collected first: removing while the query still reads the store is not safe.
    copies = {ox.Quad(row["s"], row["p"], row["o"], data) for row in store.query(query)}
    for quad in copies:
        store.remove(quad)
    return len(copies)


def _count_graphs(store: ox.Store, graphs: Iterable[str]) -> dict[str, int]:
    """Triples per named graph, counted by the engine (iterating quads in Python is slow)."""
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    found = {row["g"].value: int(row["n"].value) for row in store.query(query)}
    return {graph: found.get(graph, 0) for graph in graphs}


def _count_findings(store: ox.Store) -> int:
    query = (
        "SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE { GRAPH ?g { ?f a ?c } "
        f"GRAPH <{GRAPH_ONTOLOGY}> {{ ?c <{PREFIXES['rdfs']}subClassOf>* <{RLD}Finding> }} }}"
    )
    for row in store.query(query):
        return int(row["n"].value)
    return 0


def _fsync_dir(directory: Path) -> None:
    for entry in directory.iterdir():
        if entry.is_file():
            with entry.open("rb") as handle:
                os.fsync(handle.fileno())
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _publish(root: Path, version: Path) -> None:
    """Atomically point ``current`` at ``version`` (rename of a symlink is atomic)."""
    link = root / CURRENT
    temporary = root / f".{CURRENT}.{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    os.symlink(Path(VERSIONS) / version.name, temporary)
    os.replace(temporary, link)
    _fsync_dir_only(root)


def _fsync_dir_only(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _prune(root: Path, *, grace_seconds: float = PRUNE_GRACE_SECONDS) -> None:
    """Remove leftovers of killed builds, and old versions no reader can still be using.

    A version is removed only when it is neither current nor among the newest
    KEEP_VERSIONS, was superseded more than ``grace_seconds`` ago (a reader that opened
    it just before the swap has finished by then) and no live process pinned it
    (see ``version_in_use``, for long-running readers such as ``serve``).
    """
    versions = root / VERSIONS
    current = current_version(root)
    for entry in versions.iterdir():
        if entry.name.startswith(".staging-") and not _pid_alive_in_name(entry.name, index=2):
            shutil.rmtree(entry, ignore_errors=True)
    complete = sorted(
        (e for e in versions.iterdir() if not e.name.startswith(".")), key=lambda e: e.name
    )
    now = time.time()
    for index, older in enumerate(complete[:-KEEP_VERSIONS]):
        newer = complete[index + 1]
        if current is not None and older.resolve() == current.resolve():
            continue
        if now - newer.stat().st_mtime < grace_seconds or _in_use(older):
            continue
        shutil.rmtree(older, ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _pid_alive_in_name(name: str, *, index: int) -> bool:
    """Whether the pid at ``index`` of a dash-separated name is another live process."""
    try:
        pid = int(name.split("-")[index])
    except (IndexError, ValueError):
        return False
    return pid != os.getpid() and _pid_alive(pid)


def _in_use(version: Path) -> bool:
    """Whether a live process pinned this version with ``version_in_use``."""
    for marker in version.glob(".in-use-*"):
        pid = marker.name.rsplit("-", 1)[1]
        if pid.isdigit() and _pid_alive(int(pid)):
            return True
    return False


@contextlib.contextmanager
def version_in_use(path: str | os.PathLike[str] | None = None) -> Iterator[Path]:
    """Pin the current version for a long-running reader; it is not pruned while pinned."""
    root = resolve_store_path(path)
    version = require_current_version(root)
    marker = version / f".in-use-{os.getpid()}"
    marker.touch()
    try:
        yield version
    finally:
        with contextlib.suppress(FileNotFoundError):
            marker.unlink()


def require_current_version(root: Path) -> Path:
    """The current version, or a StoreError saying how to build one."""
    version = current_version(root)
    if version is None:
        raise StoreError(
            f"{root}: no store has been built here",
            hint=f"run 'retinoid-ld build --store {root}' first",
        )
    return version


def current_version(root: Path) -> Path | None:
    """The version directory readers use, or None if the store was never built."""
    link = root / CURRENT
    if not link.is_symlink() and not link.exists():
        return None
    target = link.resolve()
    return target if (target / BUILD_INFO).is_file() else None


def open_store(path: str | os.PathLike[str] | None = None) -> ox.Store:
    """Open the current version of a built store read-only."""
    root = resolve_store_path(path)
    version = require_current_version(root)
    try:
        return ox.Store.read_only(str(version))
    except OSError as error:
        raise StoreError(f"{version}: cannot open the store: {error}") from error


def store_info(path: str | os.PathLike[str] | None = None) -> dict[str, object]:
    """What is in the store: triples, findings, studies, drugs, build time and source version."""
    root = resolve_store_path(path)
    version = require_current_version(root)
    info = json.loads((version / BUILD_INFO).read_text())
    store = ox.Store.read_only(str(version))
    counts_query = f"""
        PREFIX rld: <{RLD}>
        PREFIX rdfs: <{PREFIXES["rdfs"]}>
        SELECT
          (COUNT(DISTINCT ?gap) AS ?gaps) (COUNT(DISTINCT ?study) AS ?studies)
          (COUNT(DISTINCT ?drug) AS ?drugs) (COUNT(DISTINCT ?doc) AS ?documents)
        WHERE {{
          {{ ?gap a rld:KnowledgeGap }} UNION {{ ?study a rld:Study }}
          UNION {{ ?x rld:drug ?drug }} UNION {{ ?doc a rld:SourceDocument }}
        }}"""
    row = next(iter(store.query(counts_query, use_default_graph_as_union=True)))
    return {
        "store": str(root),
        "version": version.name,
        "built_at": info["built_at"],
        "ontology_version": info.get("ontology_version", ""),
        "triples": info["triples"],
        "findings": info["findings"],
        "knowledge_gaps": int(row["gaps"].value),
        "studies": int(row["studies"].value),
        "drugs": int(row["drugs"].value),
        "source_documents": int(row["documents"].value),
        "source_files": len(info.get("source_files", [])),
    }
