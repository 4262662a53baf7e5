"""Locate the ontology, shapes, data and queries, in a checkout or an installed wheel.

The files are first-class at the top of the repository; the wheel carries a copy
under ``retinoid_ld/_resources`` so that an installed package works anywhere.
"""

from __future__ import annotations

from pathlib import Path

from retinoid_ld.errors import InputError

RDF_SUFFIXES = (".ttl", ".nt", ".jsonld", ".json", ".rdf", ".owl", ".xml", ".nq", ".trig")


def resource_root() -> Path:
    """The directory holding ``ontology/``, ``shapes/``, ``data/`` and ``queries/``."""
    packaged = Path(__file__).parent / "_resources"
    if (packaged / "ontology").is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "ontology").is_dir():
        return checkout
    raise InputError(
        "cannot find the retinoid-ld ontology, shapes, data and queries",
        hint="reinstall the package (pip install retinoid-ld) or run from a checkout",
    )


def ontology_dir() -> Path:
    return resource_root() / "ontology"


def shapes_dir() -> Path:
    return resource_root() / "shapes"


def data_dir() -> Path:
    return resource_root() / "data"


def queries_dir() -> Path:
    return resource_root() / "queries"


def edit_file() -> Path:
    return ontology_dir() / "retinoid-ld-edit.ttl"


def import_files() -> list[Path]:
    """The generated import modules, in a stable order."""
    return sorted((ontology_dir() / "imports").glob("*_import.ttl"))


def ontology_files() -> list[Path]:
    """The edit file followed by the import modules."""
    return [edit_file(), *import_files()]


def data_files() -> list[Path]:
    """The curated data files, in a stable order."""
    return sorted(p for p in data_dir().rglob("*.ttl") if p.is_file())


def shapes_files() -> list[Path]:
    return sorted(shapes_dir().glob("*.ttl"))
