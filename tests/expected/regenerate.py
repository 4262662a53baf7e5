"""Write a saved query's current answer on the shipped data into its expected-answer file.

    python tests/expected/regenerate.py [FILE_STEM ...] [--store DIR]

Keeps each file's comment lines (its parameters and the notes on how its rows were
checked) and its columns; replaces the rows. This only saves typing: review the diff
against the source documents (../shared/sources) before committing, because the
point of these files is that they say what the sources say, not what the query prints.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from tests.test_queries import on_store, read_expected, rows_of  # noqa: E402

import retinoid_ld  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stems", nargs="*", help="file stems (default: every file)")
    parser.add_argument("--store", help="a built store (default: build one in a temp dir)")
    args = parser.parse_args()
    store = args.store
    if store is None:
        import tempfile

        store = str(Path(tempfile.mkdtemp()) / "store")
        retinoid_ld.build_store(store)
    paths = [HERE / f"{stem}.tsv" for stem in args.stems] or sorted(HERE.glob("*.tsv"))
    for path in paths:
        query, params, columns, _ = read_expected(path)
        comments = [line for line in path.read_text().splitlines() if line.startswith("#")]
        rows = rows_of(on_store(Path(store), query, params), columns)
        lines = [*comments, "\t".join(columns)]
        lines += ["\t".join("" if cell is None else cell for cell in row) for row in rows]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{path.name}: {len(rows)} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
