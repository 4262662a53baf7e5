"""Add the on-disk against in-memory comparison to the results of an earlier run.

    python -m benchmarks.diagnose --store STORE [--results benchmarks/results.json]

``python -m benchmarks`` measures this itself at each size below a million (the
``diagnose`` step); this adds it for a store built later from the same generated data
(same size, seed and generator), e.g. after a run whose stores were not kept, and
rewrites ``results.md`` beside the results file.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from benchmarks.run import REPO, Config, measure_diagnostics, render_markdown, say


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.diagnose", description=__doc__)
    parser.add_argument("--store", required=True, help="a store built from the run's data")
    parser.add_argument("--results", type=Path, default=REPO / "benchmarks" / "results.json")
    parser.add_argument("--time-bound", type=float, default=None, help="default: the run's")
    args = parser.parse_args(argv)

    from retinoid_ld.store import store_info

    report = json.loads(args.results.read_text())
    findings = int(store_info(args.store)["findings"])
    matching = [r for r in report["sizes"] if _built_findings(r) == findings]
    if not matching:
        parser.error(
            f"{args.results}: no size of the run built {findings:,} findings; build the store "
            "from the run's own data file (see the data path in results.json)"
        )
    size = matching[0]
    config = Config(
        sizes=[size["findings"]],
        time_bound=args.time_bound or report["config"]["time_bound"],
        diagnose_large=True,
    )
    size["diagnostics"] = measure_diagnostics(config, size["findings"], args.store)
    args.results.write_text(json.dumps(report, indent=1, default=str) + "\n")
    markdown = args.results.with_suffix(".md")
    markdown.write_text(render_markdown(report))
    say(f"wrote {args.results} and {markdown}")
    return 0 if size["diagnostics"].get("status") == "ok" else 1


def _built_findings(size: dict) -> int | None:
    build = size.get("build", {})
    for key in ("without_gate", "with_gate"):
        if isinstance(build.get(key), dict) and build[key].get("findings") is not None:
            return int(build[key]["findings"])
    return None


if __name__ == "__main__":
    raise SystemExit(main())
