"""Options and output helpers shared by the commands."""

from __future__ import annotations

import argparse
import sys

from retinoid_ld.formatting import RESULT_FORMATS


def add_common(parser: argparse.ArgumentParser) -> None:
    """Options every command takes, after the verb."""
    parser.add_argument("--debug", action="store_true", help="show a traceback on error")


def add_store(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        metavar="DIR",
        help="store directory (default: $RETINOID_LD_STORE or ~/.local/share/retinoid-ld/store)",
    )


def add_result_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=RESULT_FORMATS,
        default="table",
        help="output format (default: table, with labels instead of IRIs)",
    )


def add_limits(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--limit", type=int, metavar="N", help="return at most N rows and say if cut"
    )
    parser.add_argument(
        "--timeout", type=float, metavar="SECONDS", help="stop the query after SECONDS"
    )


def log(message: str) -> None:
    """Progress and logs go to stderr; stdout carries results only."""
    print(message, file=sys.stderr)


def new_command(
    subparsers: argparse._SubParsersAction,
    name: str,
    help_text: str,
    description: str | None = None,
) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        name,
        help=help_text,
        description=description or help_text,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common(parser)
    return parser
