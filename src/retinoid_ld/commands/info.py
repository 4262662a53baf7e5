"""``retinoid-ld info``: what is in the store."""

from __future__ import annotations

import argparse
import json

from retinoid_ld.commands.common import add_store, new_command
from retinoid_ld.store import store_info


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = new_command(
        subparsers, "info", "show what is in the store (triples, findings, studies, drugs, build)"
    )
    add_store(parser)
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    info = store_info(args.store)
    if args.json:
        print(json.dumps(info, indent=1))
    else:
        width = max(len(k) for k in info)
        for key, value in info.items():
            print(f"{key.replace('_', ' '):<{width}}  {value}")
    return 0
