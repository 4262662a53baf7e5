"""Errors a user can act on, each with the exit code the command line returns for it.

Exit codes follow pySHACL's command: 0 ok, 1 the data does not conform (or a check
failed), 2 a usage or input error. A traceback is shown only with ``--debug``.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_NONCONFORMING = 1
EXIT_USAGE = 2


class RetinoidError(Exception):
    """Base class: a problem with a clear message and an exit code, never a traceback."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  how to fix: {self.hint}" if self.hint else self.message


class InputError(RetinoidError):
    """A file, argument or query that cannot be read or used (exit 2)."""


class StoreError(RetinoidError):
    """The store is missing, locked or unreadable (exit 2)."""


class RemoteError(RetinoidError):
    """A remote SPARQL endpoint failed or refused (exit 2)."""


class NonConformingError(RetinoidError):
    """The data does not conform to the shapes, or a quality check failed (exit 1)."""

    exit_code = EXIT_NONCONFORMING

    def __init__(self, message: str, *, report: object | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.report = report
