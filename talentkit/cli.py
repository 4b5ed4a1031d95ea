"""The ``talentkit`` command line: datasets, batch runs, parameters and reports."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .schema import DataError, Problem
from .yamlfile import YAMLFileError, read_yaml


def _read_mapping(path: str | None) -> dict | None:
    """A mapping file's content (flat ``{foreign: contract}``, or ``columns:`` and ``files:``),
    read with the kit's bounded YAML reader; ``load()`` checks its shape."""
    if not path:
        return None
    try:
        doc = read_yaml(path, "column mapping")
    except YAMLFileError as err:
        raise DataError([Problem(str(path), str(err).removeprefix(f"{path}: "), "fix the mapping file")]) from None
    if doc is not None and not isinstance(doc, dict):
        raise DataError([Problem(str(path), f"the mapping is a {type(doc).__name__}",
                                 "write it as 'Your column: contract_column' lines, or with columns: and files: keys")])
    return doc


def cmd_data_make(args) -> int:
    from . import synth

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        print(f"error: {out} is a file; give a folder to write the dataset into", file=sys.stderr)
        return 2
    if out.is_dir() and any(out.iterdir()) and not args.force:
        print(f"error: {out} is not empty; its files would be overwritten. Give a new or empty folder, "
              "or pass --force to overwrite the dataset's files in it", file=sys.stderr)
        return 2
    synth.write(synth.generate(size=args.size, seed=args.seed), out)
    print(f"wrote the {args.size} synthetic dataset (seed {args.seed}) to {out}")
    return 0


def cmd_data_check(args) -> int:
    from . import datasets

    try:
        ds = datasets.load(args.source, columns=_read_mapping(args.columns), encoding=args.encoding)
    except DataError as err:
        print(f"error: {err.console_message()}", file=sys.stderr)  # the console may show ids
        return 1
    s = ds.summary()
    n_warn = len(ds.warnings)
    print(f"{s['source']}: valid" + (f", with {n_warn} warning{'s' if n_warn != 1 else ''}" if n_warn else ""))
    for name, n in s["rows"].items():
        print(f"  {name:<11} {n:>8} rows")
    print(f"  dates       {s['first_hire']} .. {s['as_of']}")
    print("  regions     " + ", ".join(f"{k} ({v})" for k, v in s["regions"].items()))
    for w in ds.warnings:
        print(f"  warning: {w.describe(show_private=True)}")
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
    make.add_argument("--force", action="store_true", help="write into a folder that is not empty")
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
