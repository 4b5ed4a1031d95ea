"""The ``talentkit`` command line: datasets, batch runs, parameters and reports."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from .schema import DataError


def _read_columns(path: str | None) -> tuple[dict | None, dict | None]:
    """A mapping file: either flat ``{foreign: contract}`` or with ``columns:`` and ``files:`` keys."""
    if not path:
        return None, None
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SystemExit(f"error: cannot read the column mapping {path}: {exc}")
    if not isinstance(doc, dict):
        raise SystemExit(f"error: {path} must be a mapping such as {{'Employee Number': employee_id}}")
    return doc, None  # load() takes a flat mapping or one with columns: and files:


def cmd_data_make(args) -> int:
    from . import synth

    out = synth.write(synth.generate(size=args.size, seed=args.seed), args.out)
    print(f"wrote the {args.size} synthetic dataset (seed {args.seed}) to {out}")
    return 0


def cmd_data_check(args) -> int:
    from . import datasets

    columns, files = _read_columns(args.columns)
    try:
        ds = datasets.load(args.source, columns=columns, files=files, encoding=args.encoding)
    except DataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    s = ds.summary()
    print(f"{s['source']}: valid")
    for name, n in s["rows"].items():
        print(f"  {name:<11} {n:>8} rows")
    print(f"  dates       {s['first_hire']} .. {s['as_of']}")
    print("  regions     " + ", ".join(f"{k} ({v})" for k, v in s["regions"].items()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="talentkit", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    data = sub.add_parser("data", help="make or check a dataset folder")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    make = data_sub.add_parser("make", help="write the built-in synthetic dataset as CSV files")
    make.add_argument("--out", required=True, help="folder to write")
    make.add_argument("--size", choices=["small", "default", "large"], default="default")
    make.add_argument("--seed", type=int, default=0)
    make.set_defaults(func=cmd_data_make)
    check = data_sub.add_parser("check", help="validate a dataset folder and summarize it")
    check.add_argument("source", help="a folder of CSV/Parquet files, or a built-in name such as synthetic:small")
    check.add_argument("--columns", help="YAML mapping of your column names to the contract's")
    check.add_argument("--encoding", help="the files' encoding when not UTF-8, e.g. cp1252")
    check.set_defaults(func=cmd_data_check)

    from . import runner  # noqa: F401  (adds run, params, render)

    runner.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
