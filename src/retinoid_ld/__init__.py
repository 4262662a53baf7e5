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
from retinoid_ld.imports import refresh_imports
from retinoid_ld.plot_matrix import plot_matrix
from retinoid_ld.plot_mechanism import plot_mechanism
from retinoid_ld.query import QueryResult, run_sparql
from retinoid_ld.reason import reason
from retinoid_ld.report import build_report
from retinoid_ld.saved_queries import SavedQuery, list_saved_queries, run_saved_query
from retinoid_ld.store import BuildResult, build_store, default_store_path, open_store, store_info
from retinoid_ld.validation import ValidationReport, validate, validate_store

__version__ = "0.1.0"

# Note: plot_matrix, plot_mechanism and reason name both a submodule and its function;
# the from-imports above run first, so the package attribute is the function.

# The remote backend loads SPARQLWrapper, so it is imported only when first used.
_REMOTE = ("RemoteEndpoint", "push_store", "run_saved_query_remote", "run_sparql_remote")


def __getattr__(name: str) -> object:
    if name in _REMOTE:
        from retinoid_ld import remote

        return getattr(remote, name)
    raise AttributeError(f"module 'retinoid_ld' has no attribute {name!r}")


__all__ = [
    "EXPORT_FORMATS",
    "BuildResult",
    "InputError",
    "NonConformingError",
    "QueryResult",
    "RemoteEndpoint",
    "RetinoidError",
    "SavedQuery",
    "ValidationReport",
    "__version__",
    "build_report",
    "build_store",
    "default_store_path",
    "export_store",
    "list_saved_queries",
    "open_store",
    "plot_matrix",
    "plot_mechanism",
    "push_store",
    "reason",
    "refresh_imports",
    "run_saved_query",
    "run_saved_query_remote",
    "run_sparql",
    "run_sparql_remote",
    "store_info",
    "validate",
    "validate_store",
]
