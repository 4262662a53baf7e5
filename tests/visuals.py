"""Shared by the plot and report tests: a store built from the hand-made visuals fixture."""

from __future__ import annotations

from pathlib import Path

from retinoid_ld import build_store

FIXTURE = Path(__file__).parent / "fixtures" / "visuals.ttl"

OBO = "http://purl.obolibrary.org/obo/"
RLD = "https://w3id.org/retinoid-ld/"
ISOTRETINOIN = OBO + "CHEBI_6067"
ATRA = OBO + "CHEBI_15367"
ACITRETIN = RLD + "acitretin"
ETRETINATE = RLD + "etretinate"
TLR2 = OBO + "PR_000001153"
NFKB = OBO + "PR_000001753"
CYTOKINE_PRODUCTION = OBO + "GO_0001816"
FOXO1 = RLD + "FoxO1"
ERK = OBO + "GO_0070371"
GLUTATHIONE = OBO + "CHEBI_16856"
MDSC = RLD + "myeloid-derived-suppressor-cell"


def build_visuals_store(directory: Path) -> Path:
    """Build the fixture into a store at ``directory`` (the shapes gate is off: a fixture)."""
    build_store(directory, data_files=[FIXTURE], validate=False)
    return directory
