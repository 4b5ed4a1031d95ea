"""HTML reports that open offline, and the index page of a run.

``report`` style hides code (nbconvert's ``exclude_input``); ``teaching`` keeps it. Jupyter
Book tags are honoured: ``remove-cell``, ``remove-input``, ``remove-output``. The cell
papermill injects is shown as a small table of parameters. The formulas nbconvert's
markdown parser finds become MathML at render time (latex2mathml), which browsers display
natively, so no MathJax (or any script) is fetched from a CDN.
"""

from __future__ import annotations

import html
import json
import sys
from pathlib import Path
from urllib.parse import quote

# jsonschema (under nbformat) probes the optional rfc3987_syntax at import, which builds a
# grammar: about 2.5 s per process. nbformat never validates IRI formats; skip the probe.
sys.modules.setdefault("rfc3987_syntax", None)

import nbformat  # noqa: E402
from jinja2 import pass_context  # noqa: E402
from latex2mathml.converter import convert as latex_to_mathml  # noqa: E402
from nbconvert import HTMLExporter  # noqa: E402
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath  # noqa: E402
from nbconvert.preprocessors import TagRemovePreprocessor  # noqa: E402

from .markup import escape_html_text  # noqa: E402

TEMPLATES = Path(__file__).parent / "templates"
STYLES = ("report", "teaching")

def latex_mathml(latex: str, display: str) -> str:
    """LaTeX as MathML (``display``: ``block`` or ``inline``); a formula that latex2mathml cannot
    parse stays visible as its source rather than failing the report."""
    try:
        return latex_to_mathml(latex.strip(), display=display)
    except Exception:  # latex2mathml raises several kinds
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
    """The injected parameters as a table (with a warning when small groups were allowed);
    widget views dropped (their scripts cannot run offline; the text fallback stays)."""
    params = nb.metadata.get("papermill", {}).get("parameters", {})
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags:
            cell.cell_type = "markdown"
            note = ""
            if params.get("allow_small_groups") is True:
                note = SMALL_GROUPS_NOTE.format(min_group=escape_html_text(params.get("min_group", "?"))) + "\n\n"
            cell.source = note + "**Parameters of this run**\n\n" + parameters_table(params)
            for key in ("outputs", "execution_count"):
                cell.pop(key, None)
        if "outputs" in cell:
            for output in cell.outputs:
                output.get("data", {}).pop(WIDGET_VIEW, None)
            cell.outputs = [o for o in cell.outputs if "data" not in o or o["data"]]
    nb.metadata.pop("widgets", None)
    return nb


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def render_notebook(notebook: str | Path, html_path: str | Path, style: str = "report") -> Path:
    """Write ``notebook`` (executed) as a single-file HTML report."""
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}, not {style!r}")
    nb = prepare(nbformat.read(str(notebook), as_version=4))
    exporter = OfflineHTMLExporter(template_name="talentkit", extra_template_basedirs=[str(TEMPLATES)],
                            exclude_input=(style == "report"), exclude_input_prompt=True,
                            exclude_output_prompt=True, embed_images=True)
    exporter.register_preprocessor(TagRemovePreprocessor(
        remove_cell_tags={"remove-cell"}, remove_input_tags={"remove-input"},
        remove_all_outputs_tags={"remove-output"}, enabled=True), enabled=True)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": Path(notebook).stem}})
    html_path = Path(html_path)
    html_path.write_text(body, encoding="utf-8")
    return html_path


def _headline(results: dict, limit: int = 8) -> list[tuple[str, str]]:
    """Up to ``limit`` scalar results as (name, shown value) pairs for the index."""
    items = []
    for name, value in results.items():
        if isinstance(value, dict) and "value" in value and "caption" in value:
            value = value["value"]
        if isinstance(value, bool) or not isinstance(value, (int, float, str)) or value is None:
            continue
        if isinstance(value, float):
            shown = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"
        else:
            shown = str(value)
        items.append((str(name)[:60], shown[:40]))
        if len(items) == limit:
            break
    return items


def _read_json(path: Path) -> dict:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def render_index(run_dir: str | Path) -> Path:
    """``index.html``: every job with status, time, headline results and links.

    Built from a Jinja2 template with autoescaping: every value from run.json and the
    results passes through one escaping path, none is pasted into HTML by string formatting.
    """
    run_dir = Path(run_dir)
    info = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    jobs = []
    for job in info["jobs"]:
        name = job["name"]
        links = [(label, rel) for label, rel in (("report", f"{name}/report.html"),
                                                  ("notebook", f"{name}/{job['output_notebook']}"),
                                                  ("results", f"{name}/results.json"))
                 if (run_dir / rel).is_file()]
        status = job.get("status", "pending")
        jobs.append({"name": name, "notebook": job["notebook"], "status": status,
                     "css": status if status in ("ok", "failed", "interrupted", "running", "pending", "not run")
                     else "other",
                     "error": job.get("error"), "render_error": job.get("render_error"),
                     "duration": f"{job['duration_s']:.1f} s" if job.get("duration_s") is not None else "",
                     "headline": _headline(_read_json(run_dir / name / "results.json")), "links": links})
    page = _index_template().render(info=info, jobs=jobs)
    out = run_dir / "index.html"
    out.write_text(page, encoding="utf-8")
    return out


def _index_template():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(default=True))
    env.filters["url"] = lambda v: quote(str(v), safe="/")
    return env.get_template("run_index.html.j2")
