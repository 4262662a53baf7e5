"""The ``retinoid-ld`` command: a thin layer over the library API.

Each command lives in ``retinoid_ld.commands.<name>`` and registers itself with a
``register(subparsers)`` function; this module only dispatches and turns errors
into messages and exit codes (0 ok, 1 does not conform, 2 usage or input error).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence

from retinoid_ld.errors import EXIT_USAGE, RetinoidError

# Order here is the order in --help.
COMMAND_MODULES = (
    "build",
    "validate",
    "query",
    "sparql",
    "export",
    "info",
    "serve",
    "push",
    "imports",
    "reason",
    "plot",
    "report",
)

EPILOG = """exit codes:
  0  success (for validate: the data conforms; warnings may be shown)
  1  the data does not conform to the shapes, or a check failed
  2  usage or input error (bad arguments, unreadable file, store missing)

environment:
  RETINOID_LD_STORE  default store directory (else $XDG_DATA_HOME/retinoid-ld/store)

Add --debug to any command to see a traceback on error."""


class ArgumentParser(argparse.ArgumentParser):
    """argparse that exits 2 with a one-line hint rather than dumping usage twice."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="retinoid-ld",
        description="Curated findings on how the retinoid drugs act on the immune system and "
        "the brain, as RDF in an embedded Oxigraph store.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from retinoid_ld import __version__

    parser.add_argument("--version", action="version", version=f"retinoid-ld {__version__}")
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=ArgumentParser
    )
    for name in COMMAND_MODULES:
        importlib.import_module(f"retinoid_ld.commands.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args_list
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.handler(args) or 0)
    except RetinoidError as error:
        if debug:
            traceback.print_exc()
        print(f"retinoid-ld {args.command}: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(f"retinoid-ld {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as error:  # a bug, not user error: say so plainly
        if debug:
            traceback.print_exc()
        print(
            f"retinoid-ld {args.command}: internal error: {type(error).__name__}: {error}\n"
            "  rerun with --debug for a traceback and report it",
            file=sys.stderr,
        )
        return 3
