"""HTML reports that open offline, and the index page of a run.

``report`` style hides code (nbconvert's ``exclude_input``) and the cells tagged
``exercise``; ``teaching`` keeps both. Jupyter Book tags are honoured: ``remove-cell``,
``remove-input``, ``remove-output``. Each report
opens with its title, a header block (what was run, on which data, when, with which kit
version and parameters; never ids) and a table of contents built from its headings. The
formulas nbconvert's markdown parser finds become MathML at render time (latex2mathml),
which browsers display natively, so no MathJax (or any script) is fetched from a CDN. The
look is :mod:`talentkit.core.theme`'s, for every page.

``python -m talentkit.runs.render --screenshots outputs/<run>`` saves a PNG of the index and of
each report at 1280 px (:mod:`talentkit.runs.browser`).
"""

from __future__ import annotations

import argparse
import html
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

# jsonschema (under nbformat) probes the optional rfc3987_syntax at import, which builds a
# grammar: about 2.5 s per process. nbformat never validates IRI formats; skip the probe.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # None: "not installed", by design

import nbformat  # noqa: E402
from jinja2 import pass_context  # noqa: E402
from latex2mathml.converter import convert as latex_to_mathml  # noqa: E402
from nbconvert import HTMLExporter  # noqa: E402
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath  # noqa: E402
from nbconvert.preprocessors import TagRemovePreprocessor  # noqa: E402

from ..core import theme  # noqa: E402
from ..core.errors import ParameterError  # noqa: E402
from ..core.files import DATA_FILE, RESULTS_FILE, read_json, write_atomic  # noqa: E402
from ..core.labels import (  # noqa: E402
    format_interval,
    format_number,
    headline_number,
    interval_columns,
    result_label,
    value_label,
)
from ..core.markup import escape_html_text  # noqa: E402

if TYPE_CHECKING:
    from .runrecord import JobRecord

TEMPLATES = Path(__file__).parents[1] / "templates"  # talentkit/templates, beside the rooms
STYLES = ("report", "teaching")
EXERCISE_TAG = "exercise"  # cells of a workshop's exercises: the teaching style keeps them, the report style not


def latex_mathml(latex: str, display: str) -> str:
    """LaTeX as MathML (``display``: ``block`` or ``inline``); a formula that latex2mathml cannot
    parse stays visible as its source rather than failing the report."""
    try:
        return latex_to_mathml(latex.strip(), display=display)
    except Exception:  # noqa: BLE001 -- latex2mathml raises several kinds
        return f"<code>{html.escape(latex)}</code>"


class MathMLRenderer(IPythonRenderer):
    """nbconvert's markdown renderer, with the formulas its parser finds written as MathML."""

    def block_math(self, body: str) -> str:
        return latex_mathml(body, "block")

    def inline_math(self, body: str) -> str:
        return latex_mathml(body, "inline")


class OfflineHTMLExporter(HTMLExporter):
    """HTMLExporter whose markdown (cells and Markdown outputs) carries MathML, not MathJax input."""

    @pass_context
    def markdown2html(self, context, source):
        cell = context.get("cell", {})
        # Markdown cells are the notebook's own text and may hold HTML; Markdown *outputs*
        # carry values from data and parameters, so raw HTML in them is shown as text.
        renderer = MathMLRenderer(
            escape=cell.get("cell_type") != "markdown", attachments=cell.get("attachments", {}), embed_images=self.embed_images,
            path=context.get("resources", {}).get("metadata", {}).get("path", ""),
            anchor_link_text=self.anchor_link_text, exclude_anchor_links=self.exclude_anchor_links,
            **self.lexer_options)
        return MarkdownWithMath(renderer=renderer).render(source)


def parameters_table(params: dict) -> str:
    rows = "".join(f"<tr><td><code>{escape_html_text(k)}</code></td><td>{escape_html_text(repr(v))}</td></tr>"
                   for k, v in params.items())
    return f'<table class="tk-params"><tr><th>parameter</th><th>value</th></tr>{rows}</table>'


SMALL_GROUPS_NOTE = ("<p class=\"tk-warn\"><strong>Small groups allowed:</strong> this report was run with "
                     "<code>allow_small_groups</code>, so groups of as few as {min_group} people may be shown. "
                     "Do not share it beyond the people entitled to see individual-level data.</p>")


def prepare(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The cell papermill injected removed (its parameters go to the header block); widget
    views dropped (their scripts cannot run offline; the text fallback stays)."""
    nb.cells = [c for c in nb.cells if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
    for cell in nb.cells:
        if "outputs" in cell:
            for output in cell.outputs:
                output.get("data", {}).pop(WIDGET_VIEW, None)
            cell.outputs = [o for o in cell.outputs if "data" not in o or o["data"]]
    nb.metadata.pop("widgets", None)
    return nb


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def exporter(style: str) -> OfflineHTMLExporter:
    """The report exporter of ``style``, made once per thread: nbconvert parses and compiles
    its templates once per exporter (0.15 s), and the runner renders each job's report in the
    thread that ran it; one exporter converts many notebooks, as ``jupyter nbconvert`` does."""
    if style not in STYLES:
        raise ParameterError(f"style must be one of {STYLES}, not {style!r}")
    made = getattr(_EXPORTERS, style, None)
    if made is None:
        made = OfflineHTMLExporter(template_name="talentkit", extra_template_basedirs=[str(TEMPLATES)],
                                   exclude_input=(style == "report"), exclude_input_prompt=True,
                                   exclude_output_prompt=True, embed_images=True)
        made.register_preprocessor(TagRemovePreprocessor(
            remove_cell_tags={"remove-cell"} | ({EXERCISE_TAG} if style == "report" else set()),
            remove_input_tags={"remove-input"},
            remove_all_outputs_tags={"remove-output"}, enabled=True), enabled=True)
        setattr(_EXPORTERS, style, made)
    return made


_EXPORTERS = threading.local()  # style -> this thread's exporter


def render_notebook(notebook: str | Path, html_path: str | Path, style: str = "report") -> Path:
    """Write ``notebook`` (executed) as a single-file HTML report: header block, table of
    contents, the kit's theme."""
    export = exporter(style)  # an unknown style is refused before anything is read
    raw = nbformat.read(str(notebook), as_version=4)
    header = header_block(raw, Path(notebook))
    nb = prepare(raw)
    body, _ = export.from_notebook_node(nb, resources={"metadata": {"name": Path(notebook).stem},
                                                       "talentkit_css": theme.css()})
    html_path = Path(html_path)
    write_atomic(html_path, with_header_and_contents(body, header))  # a full disk leaves the old report whole
    return html_path


def header_block(nb: nbformat.NotebookNode, notebook: Path) -> str:
    """The report's header: notebook, run, data (its name and row counts, from ``data.json``),
    when, kit version and commit, and the parameters given; escaped HTML."""
    pm = nb.metadata.get("papermill", {})
    params = pm.get("parameters", {}) or {}
    from .runrecord import RunRecord  # pydantic on first use: a kernel importing render stays quick

    run = RunRecord.peek(notebook.parent.parent)  # None: a notebook rendered outside a run
    data = read_json(notebook.parent / DATA_FILE)
    version = (run.versions if run else {}).get("talentkit") or _kit_version()
    rows = [("Notebook", Path(pm.get("input_path") or notebook.name).name)]
    if run is not None:
        rows.append(("Run", f"{run.run} ({run.run_file or ''}), job {notebook.parent.name}"))
    if data.get("name"):
        counts = ", ".join(f"{name} {n:,}" for name, n in (data.get("rows") or {}).items() if isinstance(n, int))
        rows.append(("Data", data["name"] + (f" ({data['form']} form)" if data.get("form") else "")
                     + (f": {counts} rows" if counts else "") + (f"; as of {data['as_of']}" if data.get("as_of") else "")))
    when = " to ".join(t[:19].replace("T", " ") for t in (pm.get("start_time"), pm.get("end_time")) if t)
    if when:
        rows.append(("Run at", f"{when} UTC" + (f" ({pm['duration']:.0f} s)" if pm.get("duration") else "")))
    rows.append(("Kit", f"talentkit {version}" + (f", commit {run.git_commit[:10]}" if run and run.git_commit else "")))
    items = "".join(f"<dt>{escape_html_text(k)}</dt><dd>{escape_html_text(v)}</dd>" for k, v in rows)
    note = ""
    if params.get("allow_small_groups") is True:
        note = SMALL_GROUPS_NOTE.format(min_group=escape_html_text(params.get("min_group", "?")))
    shown = (f"<p><strong>Parameters of this run</strong></p>{parameters_table(params)}" if params
             else "<p>Run with the notebook's default parameters.</p>")
    return f'<section class="tk-header" aria-label="About this report">{note}<dl>{items}</dl>{shown}</section>'


def _kit_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("talentkit")
    except PackageNotFoundError:
        return "unknown"


def with_header_and_contents(page: str, header: str) -> str:
    """``page`` with the header block and a table of contents (links to its h2 and h3
    headings) placed after its title (the first h1), or at the top when it has none."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page, "html.parser")
    main = soup.find("main") or soup.body
    if main is None:
        return page
    headings = [h for h in main.find_all(["h2", "h3"]) if h.get("id")]
    links = []
    for h in headings:
        text = h.get_text(" ", strip=True).rstrip("¶").strip()
        if text:
            css = "" if h.name == "h2" else ' class="tk-toc-sub"'
            links.append(f'<li{css}><a href="#{escape_html_text(h["id"], 500)}">{escape_html_text(text, 120)}</a></li>')
    nav = (f'<nav class="tk-toc" aria-label="Contents"><strong>Contents</strong><ul>{"".join(links)}</ul></nav>'
           if links else "")
    block = BeautifulSoup(header + nav, "html.parser")
    title = main.find("h1")
    anchor = title.find_parent(class_="jp-Cell") if title is not None else None
    if anchor is not None:
        # after the title's own paragraph(s): the block follows the cell that holds the h1
        anchor.insert_after(block)
    else:
        main.insert(0, block)
    return str(soup)


def scalar_results(results: dict) -> dict:
    """A job's recorded numbers and words (a captioned entry as its value); tables, lists and
    booleans left out."""
    out = {}
    for name, value in results.items():
        if isinstance(value, dict) and "value" in value and "caption" in value:
            value = value["value"]
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            out[name] = value
    return out


def _shown(value, scale: str) -> str:
    """A recorded value as the index shows it: a kit key in words, a number by its scale."""
    return value_label(value) if isinstance(value, str) else format_number(value, scale)


def headline(results: dict, limit: int = 6) -> list[tuple[str, str]]:
    """Up to ``limit`` scalar results as (label with scale, shown value) for the index: labels
    from :func:`talentkit.core.labels.result_label`, an estimate with its ``_lo``/``_hi`` as one
    interval, timings and verdicts left to the report."""
    values = scalar_results(results)
    pairs = interval_columns(values)
    bounds = {b for pair in pairs.values() for b in pair}
    items = []
    for name, value in values.items():
        if name in bounds or not headline_number(name):
            continue
        label, scale = result_label(name)
        if name in pairs and not isinstance(value, str):
            lo, hi = pairs[name]
            shown = format_interval(value, _number(values[lo]), _number(values[hi]), scale)
        else:
            shown = _shown(value, scale)
        items.append((label[:60], shown[:60]))
        if len(items) == limit:
            break
    return items


def _number(value) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else float("nan")


def matrix_comparisons(run_dir: Path, jobs: list[JobRecord], limit: int = 8) -> list[dict]:
    """For each run-file job with a matrix (``regions.yaml``: the case study for each region),
    the headline numbers side by side: rows are results, columns the matrix values; and a
    small chart of the numeric ones as a data URI (``chart``, with its ``alt``)."""
    groups: dict[str, list[JobRecord]] = {}
    for job in jobs:
        if job.matrix:
            groups.setdefault(job.group or job.name, []).append(job)
    out = []
    for group, members in groups.items():
        if len(members) < 2:
            continue
        columns = [", ".join(f"{v}" for v in m.matrix.values()) for m in members]
        results = [scalar_results(read_json(run_dir / m.name / RESULTS_FILE)) for m in members]
        names = []
        for r in results:
            names += [n for n in r if n not in names]
        bounds = {b for pair in interval_columns(names).values() for b in pair}
        ranked: list[tuple[bool, str, list[str]]] = []
        numeric = {}
        for name in names:
            if name in bounds or name in members[0].matrix:
                continue
            label, scale = result_label(name)
            cells = [r.get(name) for r in results]
            varies = len({c for c in cells if c is not None}) > 1
            ranked.append((not varies, label, ["" if c is None else _shown(c, scale) for c in cells]))
            if varies and scale in ("%", "score", "ratio") and not any(isinstance(c, str) for c in cells):
                numeric[label] = (cells, scale)
        # results that differ across the matrix first: a number the same everywhere says little side by side
        rows = [(label, cells) for _, label, cells in sorted(ranked, key=lambda r: r[0])][:limit]
        matrix_keys = ", ".join(members[0].matrix)
        out.append({"group": group, "by": matrix_keys, "columns": columns, "rows": rows,
                    "chart": _comparison_chart(group, matrix_keys, columns, dict(list(numeric.items())[:4]))})
    return out


def _comparison_chart(group: str, keys: str, columns: list[str], measures: dict) -> dict | None:
    """Small multiples: one bar chart per headline measure, a bar per matrix value, as a PNG
    data URI with its text alternative; ``None`` when nothing numeric to draw."""
    if not measures:
        return None
    import base64
    import io

    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.ticker import PercentFormatter

    theme.apply()
    fig, axes = plt.subplots(1, len(measures), figsize=(2.9 * len(measures) + 0.6, 2.4), squeeze=False)
    for ax, (label, (values, scale)) in zip(axes[0], measures.items()):
        heights = [v if isinstance(v, (int, float)) else 0 for v in values]
        ax.barh(columns, heights, color=theme.PALETTE[: len(columns)] * (len(columns) // len(theme.PALETTE) + 1))
        ax.set_title(label, fontsize=10)
        ax.invert_yaxis()
        if scale == "%":
            ax.xaxis.set_major_formatter(PercentFormatter(1.0))
            ax.set_xlim(0, max(1.0, max(heights, default=0)))
    fig.suptitle(f"{group}: headline numbers by {keys}", fontsize=11, x=0.01, ha="left")
    fig.tight_layout()
    alt = theme.figure_alt(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=96)
    plt.close(fig)
    return {"src": "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode(), "alt": alt}


def render_index(run_dir: str | Path, changes: dict | None = None) -> Path:
    """``index.html``: every job with status, time, headline results and links; ``changes``
    (:func:`talentkit.runs.series.index_changes`): what changed since the run before it.

    Built from a Jinja2 template with autoescaping: every value from run.json and the
    results passes through one escaping path, none is pasted into HTML by string formatting.
    """
    from .runrecord import RunRecord  # pydantic on first use: a kernel importing render stays quick

    run_dir = Path(run_dir)
    info = RunRecord.load(run_dir)
    jobs = []
    for job in info.jobs:
        name = job.name
        links = [(label, rel) for label, rel in (("report", f"{name}/report.html"),
                                                  ("notebook", f"{name}/{job.output_notebook}"),
                                                  ("results", f"{name}/{RESULTS_FILE}"))
                 if (run_dir / rel).is_file()]
        status = job.status
        jobs.append({"name": name, "notebook": job.notebook, "status": status,
                     "css": status if status in ("ok", "failed", "interrupted", "running", "pending", "not run")
                     else "other",
                     "error": job.error, "render_error": job.render_error,
                     "duration": f"{job.duration_s:.1f} s" if job.duration_s is not None else "",
                     "headline": headline(read_json(run_dir / name / RESULTS_FILE)), "links": links})
    comparisons = matrix_comparisons(run_dir, info.jobs)
    page = page_template().render(info=info, jobs=jobs, comparisons=comparisons, css=theme.css(),
                                 versions=info.versions, changes=changes)
    out = run_dir / "index.html"
    write_atomic(out, page)
    return out


def page_template(name: str = "run_index.html.j2"):
    """A page of :data:`TEMPLATES` (the run's index by default), autoescaped."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(default=True))
    env.filters["url"] = lambda v: quote(str(v), safe="/")
    return env.get_template(name)


def main(argv: list[str] | None = None) -> int:
    """``python -m talentkit.runs.render --screenshots outputs/<run> [--width 1280] [--out DIR]``:
    a PNG of the index and of each report, to look at what a change did to them."""
    parser = argparse.ArgumentParser(prog="python -m talentkit.runs.render", description=main.__doc__)
    parser.add_argument("--screenshots", metavar="RUN", required=True, help="a run folder (outputs/<run>)")
    parser.add_argument("--width", type=int, default=1280, help="page width in px (default 1280)")
    parser.add_argument("--out", help="where the PNGs go (default <run>/screenshots)")
    args = parser.parse_args(argv)
    from ..core.errors import TalentkitError
    from .browser import screenshots

    try:
        saved = screenshots(args.screenshots, args.out, args.width)
    except TalentkitError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for path in saved:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
