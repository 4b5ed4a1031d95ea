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

# jsonschema (under nbformat) probes the optional rfc3987_syntax at import, which builds a
# grammar: about 2.5 s per process. nbformat never validates IRI formats; skip the probe.
sys.modules.setdefault("rfc3987_syntax", None)

import nbformat  # noqa: E402
from jinja2 import pass_context  # noqa: E402
from latex2mathml.converter import convert as latex_to_mathml  # noqa: E402
from nbconvert import HTMLExporter  # noqa: E402
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath  # noqa: E402
from nbconvert.preprocessors import TagRemovePreprocessor  # noqa: E402

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
        renderer = MathMLRenderer(
            escape=False, attachments=cell.get("attachments", {}), embed_images=self.embed_images,
            path=context.get("resources", {}).get("metadata", {}).get("path", ""),
            anchor_link_text=self.anchor_link_text, exclude_anchor_links=self.exclude_anchor_links,
            **self.lexer_options)
        return MarkdownWithMath(renderer=renderer).render(source)


def parameters_table(params: dict) -> str:
    rows = "".join(f"<tr><td><code>{html.escape(str(k))}</code></td><td>{html.escape(repr(v))}</td></tr>"
                   for k, v in params.items())
    return f'<table class="tk-params"><tr><th>parameter</th><th>value</th></tr>{rows}</table>'


def prepare(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The injected parameters as a table."""
    params = nb.metadata.get("papermill", {}).get("parameters", {})
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags:
            cell.cell_type = "markdown"
            cell.source = "**Parameters of this run**\n\n" + parameters_table(params)
            for key in ("outputs", "execution_count"):
                cell.pop(key, None)
    return nb


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


def _headline(results: dict, limit: int = 8) -> str:
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
        items.append(f"<code>{html.escape(name)}</code>&nbsp;{html.escape(shown[:40])}")
        if len(items) == limit:
            break
    return "<br>".join(items)


def render_index(run_dir: str | Path) -> Path:
    """``index.html``: every job with status, time, headline results and links."""
    run_dir = Path(run_dir)
    info = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    rows = []
    for job in info["jobs"]:
        name = job["name"]
        results_path = run_dir / name / "results.json"
        results = json.loads(results_path.read_text(encoding="utf-8")) if results_path.exists() else {}
        links = []
        for label, rel in (("report", f"{name}/report.html"), ("notebook", f"{name}/{job['output_notebook']}"),
                           ("results", f"{name}/results.json")):
            if (run_dir / rel).exists():
                links.append(f'<a href="{html.escape(rel)}">{label}</a>')
        status = job.get("status", "pending")
        error = f"<div class='err'>{html.escape(job['error'])}</div>" if job.get("error") else ""
        duration = f"{job['duration_s']:.1f} s" if job.get("duration_s") is not None else ""
        rows.append(f"<tr class='{status}'><td>{html.escape(name)}</td><td>{html.escape(job['notebook'])}</td>"
                    f"<td>{status}{error}</td><td>{duration}</td><td>{_headline(results)}</td>"
                    f"<td>{' · '.join(links)}</td></tr>")
    title = html.escape(info["run"])
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>talentkit run {title}</title>
<style>
 body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
 table {{ border-collapse: collapse; width: 100%; }}
 th, td {{ border-bottom: 1px solid #ddd; padding: 6px 10px; text-align: left; vertical-align: top; }}
 tr.failed td:nth-child(3), tr.interrupted td:nth-child(3) {{ color: #b00020; font-weight: bold; }}
 tr.ok td:nth-child(3) {{ color: #1b7f3b; }}
 .err {{ font-weight: normal; font-family: monospace; font-size: 0.85em; }}
 .meta {{ color: #666; font-size: 0.9em; }}
</style></head><body>
<h1>Run <code>{title}</code></h1>
<p class="meta">{html.escape(info.get('run_file', ''))} · started {html.escape(info.get('started', ''))}
 · {html.escape(info.get('status', ''))} · commit {html.escape(str(info.get('git_commit') or 'n/a'))}</p>
<table><tr><th>job</th><th>notebook</th><th>status</th><th>time</th><th>headline results</th><th>files</th></tr>
{''.join(rows)}
</table></body></html>
"""
    out = run_dir / "index.html"
    out.write_text(page, encoding="utf-8")
    return out
