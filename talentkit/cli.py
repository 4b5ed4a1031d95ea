"""The ``talentkit`` command line: datasets, batch runs, parameters, reports and fine-tuning.

Each command is a thin shell over the package: it parses arguments, calls one function,
and turns the kit's errors into a message and an exit status (2: bad input).
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from .core.errors import (
    DataError,
    ModelLoadError,
    ParameterError,
    RunError,
    TextDataError,
    YAMLFileError,
)
from .core.yamlfile import read_yaml


def cmd_data_make(args) -> int:
    from .data import synth

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        print(f"error: {out} is a file; give a folder to write the dataset into", file=sys.stderr)
        return 2
    if out.is_dir() and any(out.iterdir()) and not args.force:
        print(f"error: {out} is not empty; its files would be overwritten. Give a new or empty folder, "
              "or pass --force to overwrite the dataset's files in it", file=sys.stderr)
        return 2
    tables = synth.generate(size=args.size, seed=args.seed)
    if args.form != "events":
        import yaml

        from .data import datasets, rewrite

        ds = datasets.load(f"synthetic:{args.size}:{args.seed}")
        if args.form == "history":
            tables = {**{k: v for k, v in tables.items() if k not in ("people", "moves")}, **rewrite.as_history(ds)}
            mapping = rewrite.HISTORY_MAPPING
        else:
            tables, mapping = rewrite.as_snapshots(ds), rewrite.SNAPSHOTS_MAPPING
        out.mkdir(parents=True, exist_ok=True)
        (out / "mapping.yaml").write_text(yaml.safe_dump({**mapping, "as_of": f"{ds.as_of:%Y-%m-%d}"}, sort_keys=False),
                                          encoding="utf-8")
    synth.write(tables, out)
    extra = f" as {args.form} (read it with --mapping {out / 'mapping.yaml'})" if args.form != "events" else ""
    print(f"wrote the {args.size} synthetic dataset (seed {args.seed}) to {out}{extra}")
    return 0


def cmd_data_check(args) -> int:
    from .data import datasets

    try:
        ds = datasets.load(args.source, mapping=args.mapping, encoding=args.encoding, as_of=args.as_of)
    except DataError as err:
        print(f"error: {err.console_message()}", file=sys.stderr)  # the console may show ids
        return 1
    s = ds.summary()
    n_warn = len(ds.warnings)
    print(f"{s['source']}: valid ({ds.form} form)" + (f", with {n_warn} warning{'s' if n_warn != 1 else ''}"
                                                       if n_warn else ""))
    for name, n in s["rows"].items():
        print(f"  {name:<11} {n:>8} rows")
    print(f"  dates       {s['first_hire']} .. {s['as_of']}" if s["first_hire"] or s["as_of"] else
          "  dates       none (a people list without dates)")
    if s["regions"]:
        print("  regions     " + ", ".join(f"{k} ({v})" for k, v in s["regions"].items()))
    if s["attributes"]:
        print("  attributes  " + ", ".join(f"{k} ({v})" for k, v in s["attributes"].items()))
    for a in ds.assumptions:
        print(f"  read as:    {a}")
    if getattr(args, "set_aside_to", None):
        target = Path(args.set_aside_to)
        if target.exists() and not getattr(args, "force", False):
            print(f"error: {target} exists; name a new file for the rows set aside", file=sys.stderr)
            return 2
        rows = ds.set_aside.frame() if ds.set_aside is not None else None
        if rows is None or rows.empty:
            print("  set aside:  no rows; nothing written")
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            rows.to_csv(target, index=False, lineterminator="\n")
            print(f"  set aside:  {len(rows):,} rows written to {target}")
    for w in ds.warnings:
        print(f"  warning: {w.describe(show_private=True)}")
    return 0


PROFILE_NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "00_data_profile.ipynb"


def cmd_data_profile(args) -> int:
    """The data profile report: notebooks/00_data_profile.ipynb run as a one-job batch."""
    import tempfile

    import yaml

    from .runs.runner import execute_run

    if not PROFILE_NOTEBOOK.is_file():
        print(f"error: {PROFILE_NOTEBOOK} not found; run the command from a checkout of the project", file=sys.stderr)
        return 2
    params = {"data": str(Path(args.source).resolve()) if Path(args.source).exists() else args.source,
              "min_group": args.min_group, "group_by": args.group_by}
    for key in ("mapping", "encoding", "as_of"):
        value = getattr(args, key)
        if value:
            params[key] = str(Path(value).resolve()) if key == "mapping" else value
    name = "profile-" + "".join(c if c.isalnum() or c in "-_." else "-" for c in Path(args.source).stem)[:60]
    run = {"run": name, "style": "report", "jobs": [{"notebook": str(PROFILE_NOTEBOOK), "params": params}]}
    with tempfile.TemporaryDirectory() as tmp:
        run_file = Path(tmp) / "profile.yaml"
        run_file.write_text(yaml.safe_dump(run), encoding="utf-8")
        try:
            code, run_dir = execute_run(run_file, out_root=args.out, new=True, progress=False)
        except RunError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
    from .runs.runrecord import RunRecord

    job = RunRecord.load(run_dir).jobs[0]
    if job.status != "ok":
        print(f"error: {job.error}", file=sys.stderr)
    print(f"report: {(run_dir / job.name / 'report.html').resolve()}")
    return code


def whole_number(text: str) -> int:
    """An argparse type: a whole number, or a message saying so (the range is the command's to
    check: ``--jobs`` by the run file's rule, :func:`talentkit.runs.runfile.check_jobs_at_once`)."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number; give 1 or more") from None


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1, or a message saying so."""
    value = whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not allowed; give 1 or more")
    return value


def min_group_arg(text: str) -> int:
    """An argparse type: ``min_group`` by the one rule every entry point applies
    (:func:`talentkit.core.privacy.check_min_group`), said in the command's own terms."""
    from .core.privacy import SMALLEST_WITHOUT_CONSENT, check_min_group

    value = whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} would turn suppression off; give {SMALLEST_WITHOUT_CONSENT} or more")
    try:
        return check_min_group(value)
    except ParameterError:
        raise argparse.ArgumentTypeError(
            f"{value} would show groups of {value} {'person' if value == 1 else 'people'}, which can identify them; "
            f"give {SMALLEST_WITHOUT_CONSENT} or more (a smaller min_group needs allow_small_groups: true in a run "
            "file's params, and the report then says so at the top)") from None


CHANGE_EXIT = 3  # --fail-on-change: a watched measure changed beyond noise since the run before


def cmd_run(args) -> int:
    from .runs.runfile import check_jobs, expand_jobs, load_run_file, parse_overrides
    from .runs.runner import backfill_days, execute_run

    try:
        overrides = parse_overrides(args.p)
        if args.check:
            for rf in args.run_files:
                run = load_run_file(rf)
                for day in backfill_days(rf, args.as_of):
                    given = overrides if day is None else {**overrides, "as_of": day}
                    jobs = check_jobs(expand_jobs(run, Path(rf), given), Path(rf))
                    print(f"{rf}{f' as of {day}' if day else ''}: {len(jobs)} job(s) check out: "
                          f"{', '.join(j.name for j in jobs)}")
            return 0
        status = 0
        for rf in args.run_files:
            for day in backfill_days(rf, args.as_of):
                code, run_dir = execute_run(rf, out_root=args.out, overrides=overrides, jobs_at_once=args.jobs,
                                            timeout=args.timeout, force=args.force, new=args.new,
                                            progress=not args.quiet, style=args.style, cluster=args.cluster, as_of=day)
                status = max(status, code, _said_run(run_dir, args.fail_on_change))
        return status
    except RunError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # --out is a file, a disk is full, a folder is not writable
        print(f"error: {getattr(err, 'filename', '') or ''}: {err.strerror or err}; check --out and its permissions",
              file=sys.stderr)
        return 2


def _said_run(run_dir: Path, watched: list[str] | None) -> int:
    """Print how a run's jobs ended and where its index is; :data:`CHANGE_EXIT` when a measure
    in ``watched`` (``any``: every measure) changed beyond noise since the run before it."""
    from .runs.runrecord import RunRecord

    info = RunRecord.load(run_dir)
    for j in info.jobs:
        extra = f"  {j.error}" if j.error else ""
        print(f"  {j.status:<11} {j.name}{extra}")
    print(f"index: {(run_dir / 'index.html').resolve()}")
    if info.replaced_run_kept:
        print(f"the run --force replaced is kept at {info.replaced_run_kept}, since this one did not "
              "end well; remove it when you no longer need it")
    since = info.changes_since or {}
    asked = [m.strip() for w in watched or [] for m in w.split(",")]
    names = {m for m in asked if m}
    unknown = _unknown_measures(run_dir, names) if names else []
    if (asked and not names) or unknown:  # a monitoring job must never be silently off
        known = sorted(_recorded_measures(run_dir))
        hint = {m: difflib.get_close_matches(m, known, n=1) for m in unknown}
        said = "; ".join(f"'{m}'" + (f" (did you mean '{hint[m][0]}'?)" if hint[m] else "") for m in unknown)
        print(f"error: --fail-on-change: {said or 'an empty name'} is not a measure this run records; name one of "
              f"{', '.join(known[:30])}{' ...' if len(known) > 30 else ''}, or 'any'", file=sys.stderr)
        return 2
    hits = [c for c in since.get("changed", []) if "any" in names or c["measure"] in names]
    for c in hits:
        where = f" ({c['group']})" if c.get("group") else ""
        print(f"change beyond noise since {since['run']}: {c['job']}: {c['measure']}{where} {c['verdict']} "
              f"(p {c['p']:.3g})", file=sys.stderr)
    if names and not since:
        print("--fail-on-change: no earlier run of this run file to compare with", file=sys.stderr)
    return CHANGE_EXIT if hits else 0


def _recorded_measures(run_dir: Path) -> set[str]:
    """Every name a run's jobs recorded: scalars and the columns of recorded tables."""
    from .core.files import read_json

    names: set[str] = set()
    for path in Path(run_dir).glob("*/results.json"):
        for key, value in read_json(path).items():
            names.add(str(key))
            if isinstance(value, dict) and isinstance(value.get("columns"), list):
                names.update(map(str, value["columns"]))
    return names


def _unknown_measures(run_dir: Path, watched: set[str]) -> list[str]:
    recorded = _recorded_measures(run_dir)
    return sorted(m for m in watched if m != "any" and m not in recorded)


def cmd_compare(args) -> int:
    from .runs.compare import compare_runs
    from .runs.series import render_comparison

    comparison = compare_runs(args.then, args.now, args.alpha)
    out = Path(args.out) if args.out else Path(args.now) / f"compare-{Path(args.then).name}.html"
    page = render_comparison(comparison, out)
    for row in comparison.changes:
        where = f" ({row.group})" if row.group else ""
        print(f"  {row.verdict:<5} {row.job}: {row.measure}{where}: {row.then:.4g} -> {row.now:.4g} (p {row.p:.3g})")
    print(f"{len(comparison.changes)} change(s) beyond noise, {len(comparison.rows)} number(s) compared, "
          f"{len(comparison.left_out)} left out as not comparable")
    print(f"comparison: {page.resolve()}")
    return 0


def cmd_params(args) -> int:
    from .runs.runfile import notebook_parameters

    path = Path(args.notebook)
    if not path.is_file():
        print(f"error: {path}: notebook not found", file=sys.stderr)
        return 2
    try:
        params = notebook_parameters(path)
    except Exception as exc:  # noqa: BLE001 -- nbformat and papermill raise many kinds for a file that is not a notebook
        print(f"error: {path}: cannot read the notebook ({type(exc).__name__}); give a .ipynb file", file=sys.stderr)
        return 2
    if not params:
        print(f"{path}: no cell tagged 'parameters'")
        return 0
    width = max(len(n) for n in params)
    for name, p in params.items():
        allowed = f"  [allowed: {' | '.join(p['allowed'])}]" if p["allowed"] else ""
        print(f"{name:<{width}}  {p['type']:<6} = {p['default']:<24}  {p['help']}{allowed}")
    return 0


def cmd_render(args) -> int:
    from .runs.runner import rerender

    try:
        index = rerender(args.run_dir, args.style)
    except RunError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # a full disk, a folder that is not writable: the reports there are left whole
        print(f"error: {getattr(err, 'filename', '') or args.run_dir}: {err.strerror or err}; the reports already "
              "there are unchanged. Free space or check permissions, then render again", file=sys.stderr)
        return 2
    print(f"index: {index.resolve()}")
    return 0


def add_run_commands(sub) -> None:
    run = sub.add_parser("run", help="run the notebooks of one or more run files")
    run.add_argument("run_files", nargs="+", help="YAML run files, e.g. params/default.yaml")
    run.add_argument("--check", action="store_true", help="only check parameters against the notebooks")
    run.add_argument("-p", action="append", metavar="KEY=VALUE", help="override a parameter in every job")
    run.add_argument("--jobs", type=whole_number, help="jobs at once, 1 to 64 (overrides the run file's jobs_at_once)")
    run.add_argument("--timeout", type=positive_int, help="seconds a cell may run before the job fails")
    run.add_argument("--out", default="outputs", help="where runs are written (default: outputs)")
    run.add_argument("--style", choices=["report", "teaching"], help="override the run file's style")
    run.add_argument("--force", action="store_true", help="replace an existing run folder")
    run.add_argument("--new", action="store_true", help="write <run>-2 (-3, ...) when the run folder exists")
    run.add_argument("--quiet", action="store_true", help="no progress bars")
    run.add_argument("--cluster", metavar="ADDRESS", help="run the jobs on Dask: local:N (a LocalCluster of N worker "
                     "processes) or a scheduler address such as tcp://host:8786")
    run.add_argument("--as-of", dest="as_of", metavar="DAYS", help="run on the data as it stood on each day "
                     "(YYYY-MM-DD, comma-separated: a backfill), one run folder <run>-<day> each")
    run.add_argument("--fail-on-change", dest="fail_on_change", action="append", metavar="MEASURE",
                     help="exit with status 3 when MEASURE (e.g. turnover_annual; 'any': every measure) changed "
                     "beyond noise since the run before of the same run file")
    run.set_defaults(func=cmd_run)
    compare = sub.add_parser("compare", help="compare two runs: each number then and now, the difference, and "
                             "whether it is beyond noise (an offline HTML page)")
    compare.add_argument("then", help="the earlier run folder (outputs/<run>), or one job's folder in it")
    compare.add_argument("now", help="the later run folder, or one job's folder")
    compare.add_argument("--out", help="where the page goes (default: <now>/compare-<then>.html)")
    compare.add_argument("--alpha", type=float, default=0.05, help="a difference is a change when its p-value is "
                         "under this (default 0.05)")
    compare.set_defaults(func=cmd_compare)
    params = sub.add_parser("params", help="list a notebook's parameters with defaults and help")
    params.add_argument("notebook")
    params.set_defaults(func=cmd_params)
    render = sub.add_parser("render", help="re-render the reports and index of an executed run; for the folder of "
                            "runs (outputs): the history page and each run's index")
    render.add_argument("run_dir", help="a run folder (outputs/<run>), or the folder of runs (outputs)")
    render.add_argument("--style", choices=["report", "teaching"])
    render.set_defaults(func=cmd_render)


def cmd_finetune(args) -> int:
    from .textclf import FinetuneConfig, finetune

    try:
        cfg = FinetuneConfig.model_validate(read_yaml(args.config, "fine-tuning config") or {})
    except (YAMLFileError, ValueError) as exc:
        print(f"error: {args.config}: {exc}", file=sys.stderr)
        return 2
    try:
        result = finetune(cfg, args.out)
    except (TextDataError, ModelLoadError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    t, b = result["test"], result["baseline"]["test"]
    print(f"test F1 {t['f1']:.3f} (baseline {b['f1']:.3f}), ROC-AUC {t['roc_auc']:.3f}, "
          f"threshold {result['threshold']:.3f} from dev; saved to {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="talentkit", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    data = sub.add_parser("data", help="make or check a dataset folder")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    make = data_sub.add_parser("make", help="write the built-in synthetic dataset as CSV files")
    make.add_argument("--out", required=True, help="folder to write")
    make.add_argument("--size", default="default",
                      help="small, default, large, or a people count (30k, 100000): the default company scaled")
    make.add_argument("--seed", type=int, default=0)
    make.add_argument("--force", action="store_true", help="write into a folder that is not empty")
    make.add_argument("--form", choices=["events", "history", "snapshots"], default="events",
                      help="events (people, moves...), an assignment history, or monthly snapshots; the last two "
                      "with the mapping.yaml that reads them")
    make.set_defaults(func=cmd_data_make)
    for command, func, what in (("check", cmd_data_check, "validate a dataset and summarize it"),
                                ("profile", cmd_data_profile, "an HTML report on a dataset: tables, empty cells, "
                                 "categories, numbers, repeats, and which analyses it supports")):
        sub_cmd = data_sub.add_parser(command, help=what)
        sub_cmd.add_argument("source", help="a folder of CSV/Parquet files, one export file, or a built-in name "
                             "such as synthetic:small")
        sub_cmd.add_argument("--mapping", "--columns", dest="mapping",
                             help="mapping file (YAML): your column names, files, form: snapshot, as_of, attributes")
        sub_cmd.add_argument("--encoding", help="the files' encoding when not UTF-8, e.g. cp1252")
        sub_cmd.add_argument("--as-of", dest="as_of", help="the day the data describes (YYYY-MM-DD)")
        sub_cmd.set_defaults(func=func)
        if command == "check":
            sub_cmd.add_argument("--set-aside-to", dest="set_aside_to", metavar="FILE",
                                 help="write the rows set aside (bad_rows: set_aside), with file, line and raw values, "
                                 "to this CSV (it holds raw values: keep it out of reports)")
        if command == "profile":
            sub_cmd.add_argument("--out", default="outputs", help="where the report is written (default: outputs)")
            sub_cmd.add_argument("--min-group", dest="min_group", type=min_group_arg, default=5,
                                 help="smallest group whose count is shown (default 5)")
            sub_cmd.add_argument("--group-by", dest="group_by", default="region",
                                 help="the grouping the notebooks would use (default region)")

    add_run_commands(sub)
    tune = sub.add_parser("finetune", help="fine-tune a text classifier from a YAML config (outside a notebook)")
    tune.add_argument("--config", required=True, help="YAML file with FinetuneConfig fields")
    tune.add_argument("--out", default="outputs/finetune", help="folder for model, tokenizer, metrics")
    tune.set_defaults(func=cmd_finetune)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; what the kit raises on purpose, and a file or folder that cannot be
    written or read (a read-only --out, a full disk), end in one line and exit status 2."""
    from .core.errors import TalentkitError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except TalentkitError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        where = getattr(err, "filename", None) or getattr(args, "out", None) or ""
        print(f"error: {where}: {err.strerror or err}; check that the folder exists, that you may write there "
              "(--out) and that the disk has room", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
