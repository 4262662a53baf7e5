"""retinoid-ld: curated findings on how the retinoid drugs act on the immune system and the brain.

The command line (``retinoid-ld``) is a thin layer over this API, so everything it
does can be done from Python::

    import retinoid_ld
    result = retinoid_ld.build_store()                     # compile the embedded store
    table = retinoid_ld.run_saved_query("drug-effect-matrix",
                                        params={"drug_a": "isotretinoin"})
    text = retinoid_ld.export_store(format="turtle")
"""

from retinoid_ld.errors import InputError, NonConformingError, RetinoidError
from retinoid_ld.export import EXPORT_FORMATS, export_store
from retinoid_ld.query import QueryResult, run_sparql
from retinoid_ld.saved_queries import SavedQuery, list_saved_queries, run_saved_query
from retinoid_ld.store import BuildResult, build_store, default_store_path, open_store, store_info
from retinoid_ld.validation import ValidationReport, validate

__version__ = "0.1.0"

__all__ = [
    "EXPORT_FORMATS",
    "BuildResult",
    "InputError",
    "NonConformingError",
    "QueryResult",
    "RetinoidError",
    "SavedQuery",
    "ValidationReport",
    "__version__",
    "build_store",
    "default_store_path",
    "export_store",
    "list_saved_queries",
    "open_store",
    "run_saved_query",
    "run_sparql",
    "store_info",
    "validate",
]
