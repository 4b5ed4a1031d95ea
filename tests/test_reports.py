"""Reports as their readers see them: every page of the smoke run and its index opened in
headless Chromium (Debian's chromium and chromium-driver, through Selenium) at 1280 px, on
screen, in print and in a dark scheme; tables labelled and formatted for people; figures with
a text alternative and Chinese glyphs; screenshots saved by the kit's own script.
"""

from __future__ import annotations

import json
import re
import struct
import subprocess
import sys
import warnings
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from talentkit import show
from talentkit.core import labels, privacy, theme
from talentkit.runs import browser, render

ROOT = Path(__file__).resolve().parents[1]
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")  # a key of the kit, as a header would show it
PSEUDONYM = re.compile(r"P-[0-9a-f]{10}")  # privacy.pseudonym's form
SCIENTIFIC = re.compile(r"(?<![\w.])[-+\u2212]?\d+(\.\d+)?[eE][-+]?\d+(?![\w.])")
NBSP = "\u00a0"


def luminance(css_colour: str) -> float:
    r, g, b = [int(x) for x in re.findall(r"\d+", css_colour)[:3]]
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


# --------------------------------------------------------------------------- tables for reading


def test_numbers_are_formatted_by_unit_never_in_scientific_notation():
    assert labels.format_number(0.784, "%") == f"78{NBSP}%"
    assert labels.format_number(0.0785, "%") == f"7.8{NBSP}%"
    assert labels.format_number(1234567.4, "money") == "1,234,567"
    assert labels.format_number(-1322609.2, "money") == "\u22121,322,609"
    assert labels.format_number(2400, "count") == "2,400"
    assert labels.format_number(5.178, "ratio") == "5.18"
    assert labels.format_number(0.0004, "p") == "<0.001"
    assert labels.format_number(0.0523, "p") == "0.052"
    assert labels.format_number(5e-05, "") == "0.00005"
    assert labels.format_number(1.13e8, "") == "113,000,000"
    assert labels.format_number(2025, "label") == "2025"
    assert labels.format_interval(0.78, 0.71, 0.84, "%") == f"78{NBSP}% (71–84{NBSP}%)"
    # whole percents would say 99 % (99–99 %): a tenth tells the value from its bounds
    assert labels.format_interval(0.9909, 0.9851, 0.9944, "%") == f"99.1{NBSP}% (98.5–99.4{NBSP}%)"
    assert labels.format_interval(0.98, 0.975, 0.99, "%") == f"98.0{NBSP}% (97.5–99.0{NBSP}%)"
    assert labels.format_interval(-0.033, -0.054, -0.012, "score") == "\u22120.033 (\u22120.054 to \u22120.012)"
    for value in (1e-9, 3.2e-7, 7.7e12, 123456789.123):
        for unit in ("", "%", "count", "ratio", "score", "money", "s"):
            assert not SCIENTIFIC.search(labels.format_number(value, unit)), (value, unit)


def test_a_readable_table_merges_intervals_labels_headers_and_hides_small_groups():
    t = privacy.suppress(pd.DataFrame({"region": ["US", "CN", "EU", "SG"], "n": [40, 3, 22, 2],
                                       "retention_12m": [0.78, 0.9, 0.5, 1.0], "retention_12m_lo": [0.71, 0.6, 0.3, 0.4],
                                       "retention_12m_hi": [0.84, 1.0, 0.7, 1.0], "median_tenure_months": [30.25, 20, 10, 5],
                                       "lever_cost": [1.13e8, 0, 5, 6]}), ["region"], 5, not_nested="a test's own table")
    shown = show.display_table(t, 5, currency="USD")
    assert list(shown.columns) == ["Region", "n", "Retention at 12 months (95 % CI)", "Median tenure (months)",
                                   "Lever cost (USD)"]
    us = shown.iloc[0]
    assert us["Retention at 12 months (95 % CI)"] == f"78{NBSP}% (71–84{NBSP}%)"
    assert us["Median tenure (months)"] == "30.2" or us["Median tenure (months)"] == "30.3"
    assert us["Lever cost (USD)"] == "113,000,000"
    hidden = shown[shown["Region"].isin(["CN", "SG"])]
    assert (hidden.drop(columns="Region") == "<5").all().all()
    # a user's own column keeps its name; a kit key never reaches a header
    own = show.display_table(privacy.not_personal(pd.DataFrame({"Job Family": ["a"], "turnover_annual": [0.1]}), "t"))
    assert list(own.columns) == ["Job Family", "Turnover, annualized"]


# --------------------------------------------------------------------------- the pages in Chromium


@pytest.mark.slow
def test_every_report_and_the_index_read_well_in_chromium(smoke):
    """At 1280 px: nothing sticks out of the page, the contents' links reach their headings,
    no header is a kit key, no number is in scientific notation, every figure has a text
    alternative, nothing is fetched from the network; print hides the contents and prints
    pages; a dark system setting darkens the page."""
    pages = [smoke / "index.html"] + sorted(smoke.glob("*/report.html"))
    assert len(pages) == 11  # the index and ten reports
    with browser.chromium() as driver:
        for page in pages:
            facts = browser.open_page(driver, page)
            where = page.parent.name if page.name == "report.html" else "index"
            assert facts["width"] == 1280 and facts["scrollWidth"] <= 1280, (where, facts["overflow"])
            assert not facts["overflow"], (where, facts["overflow"])
            assert not facts["broken"], (where, facts["broken"])
            assert not [h for h in facts["headers"] if SNAKE.match(h)], (where, facts["headers"])
            # a pseudonym's hex digits can read like a number (P-5e01616908): it is an id, not a number
            assert not [c for c in facts["cells"] if SCIENTIFIC.search(c) and not PSEUDONYM.fullmatch(c)], where
            assert all(a and not a.startswith("No description") for a in facts["images"]), (where, facts["images"])
            assert not facts["requests"], (where, facts["requests"])
            if where != "index":
                assert len(facts["toc"]) >= 3, where
            printed = browser.open_page(driver, page, media="print")
            assert printed["print"] and printed["tocDisplay"] in (None, "none"), where
            dark = browser.open_page(driver, page, scheme="dark")
            assert dark["dark"] and luminance(dark["background"]) < 0.3, (where, dark["background"])
            assert luminance(facts["background"]) > 0.9, (where, facts["background"])
        browser.open_page(driver, smoke / "01_metrics" / "report.html", media="print")
        assert browser.pdf_pages(driver) >= 3
    figures = sum(len(list((smoke / job / "figures").glob("*.png"))) for job in ("01_metrics", "06_drivers"))
    assert figures >= 8  # the alt-text check above met real figures


@pytest.mark.slow
def test_the_header_block_names_run_data_and_version_never_ids(smoke):
    from bs4 import BeautifulSoup

    import talentkit as tk

    soup = BeautifulSoup((smoke / "01_metrics" / "report.html").read_text(encoding="utf-8"), "html.parser")
    header = soup.select_one("section.tk-header")
    text = header.get_text(" ", strip=True)
    ds = tk.load("synthetic:small")
    assert "synthetic:small (events form)" in text and f"people {len(ds.people):,}" in text
    assert f"talentkit {tk.__version__}" in text and "smoke (" in text and "group_by" in text
    assert not re.search(r"\b[EC]\d{5,6}\b", text)
    # the contents follow the header, after the title
    title = soup.find("h1")
    assert title is not None and header.find_previous("h1") is title
    assert header.find_next("nav", class_="tk-toc") is not None
    ladder = BeautifulSoup((smoke / "02_finetune" / "report.html").read_text(encoding="utf-8"), "html.parser")
    assert "texts " in ladder.select_one("section.tk-header").get_text(" ", strip=True)


@pytest.mark.slow
def test_the_index_shows_labelled_headline_numbers(smoke):
    results = json.loads((smoke / "01_metrics" / "results.json").read_text())
    page = (smoke / "index.html").read_text(encoding="utf-8")
    turnover = round(results["turnover_annual"] * 100)  # >= 10 %: no decimals
    high = round(results["turnover_annual_hi"] * 100)
    shown = page.split("<dt>Turnover, annualized</dt><dd>")[1].split("</dd>")[0]  # with its 95 % interval
    assert shown.startswith(f"{turnover}{NBSP}% (") and shown.endswith(f"{high}{NBSP}%)"), shown
    assert "turnover_annual" not in page and "<code>" not in page


def test_a_wide_table_scrolls_inside_its_box(tmp_path):
    table = privacy.not_personal(pd.DataFrame({f"measure number {i}": [123456.5 + i] for i in range(45)}), "test")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Wide\n\n## One\n\ntext"), nbformat.v4.new_code_cell("x")]
    nb.cells[1].outputs = [nbformat.v4.new_output("display_data", data={
        "text/html": show.styled(table).to_html(), "text/plain": "table"})]
    nbformat.write(nb, str(tmp_path / "wide.ipynb"))
    page = render.render_notebook(tmp_path / "wide.ipynb", tmp_path / "wide.html")
    with browser.chromium() as driver:
        facts = browser.open_page(driver, page)
        box = driver.execute_script("const t = document.querySelector('table.tk-table').closest('.jp-OutputArea-output');"
                                    "return [t.scrollWidth, t.clientWidth, getComputedStyle(t).overflowX];")
    assert facts["scrollWidth"] <= 1280 and not facts["overflow"]
    assert box[0] > box[1] and box[2] == "auto"  # the table is wider than its box, which scrolls


# --------------------------------------------------------------------------- figures


def _draw(title: str, families: list[str]) -> tuple[bytes, list[str]]:
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with matplotlib.rc_context({"font.family": families}), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig, ax = plt.subplots(figsize=(4, 2.5))
        ax.bar(["北京", "上海", "US"], [3, 2, 1])
        ax.set_title(title)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        plt.close(fig)
    return buffer.getvalue(), [str(w.message) for w in caught if "missing from font" in str(w.message)]


def test_chinese_labels_draw_their_glyphs_with_the_registered_font():
    theme.apply()
    cjk = theme.cjk_font_name()
    assert cjk is not None, "noto-cjk-sans-otc is a requirement: its font must be registered"
    path = theme.cjk_font_path()
    assert path is not None and path.stat().st_size > 10_000_000
    import matplotlib as mpl

    assert mpl.rcParams["font.family"][0] == theme.LATIN_FONT  # Latin text keeps its face
    with_font, missing = _draw("团队留任率 team retention", list(mpl.rcParams["font.family"]))
    boxes, missing_without = _draw("团队留任率 team retention", [theme.LATIN_FONT])
    assert missing == [] and len(missing_without) >= 5
    assert with_font != boxes


def turnover_bars():
    """A bar figure of three teams' turnover with intervals, drawn by the kit's plots (Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    from talentkit import plots

    t = privacy.suppress(pd.DataFrame({"team": ["a", "b", "c"], "n": [9, 9, 9], "turnover_annual": [0.1, 0.2, 0.3],
                                       "turnover_annual_lo": [0.05, 0.1, 0.2], "turnover_annual_hi": [0.2, 0.3, 0.4]}),
                         ["team"], 5, not_nested="a test's own table")
    return plots.kpi_bars(t, "team", "turnover_annual", "Annualized turnover (95% interval)")


def test_every_figure_gets_a_text_alternative():
    fig = turnover_bars()
    alt = theme.figure_alt(fig)
    assert alt.startswith("Annualized turnover (95% interval)") and "y: Turnover, annualized" in alt
    assert "shows a, b, c" in alt


def test_a_figure_is_drawn_once_while_unchanged_and_again_once_changed(tmp_path, monkeypatch):
    """figure_png gives IPython's print_figure bytes (what a kernel shows); record_figure saves
    those bytes and a second call draws nothing; a change after the draw is drawn again."""
    from IPython.core.pylabtools import print_figure

    from talentkit.core import results

    fig = turnover_bars()
    draws = []
    fig.canvas.mpl_connect("draw_event", lambda event: draws.append(event))
    monkeypatch.setenv(results.ENV_JOB_DIR, str(tmp_path))
    assert results.record_figure("turnover", fig) is fig
    one = len(draws)  # the events of one drawing (a tight crop measures, then draws)
    saved = (tmp_path / "figures" / "turnover.png").read_bytes()
    assert one >= 1 and theme.figure_png(fig) == saved and len(draws) == one  # shown from the saved bytes
    assert print_figure(fig, "png", bbox_inches="tight") == saved and len(draws) == 2 * one
    fig.axes[0].set_title("Changed after it was saved")
    changed = theme.figure_png(fig)
    assert len(draws) == 3 * one and changed != saved and changed == print_figure(fig, "png", bbox_inches="tight")


@pytest.mark.slow
def test_each_saved_figure_is_the_image_its_report_shows(smoke):
    """In a kernel (the inline backend and the kit's alt-text formatter) a figure that
    record_figure saved is shown from the same bytes."""
    import base64

    for saved_dir in smoke.glob("*/figures"):
        notebook = nbformat.read(next(saved_dir.parent.glob("*.ipynb")), as_version=4)
        shown = {base64.b64decode(out["data"]["image/png"]) for cell in notebook.cells if cell.cell_type == "code"
                 for out in cell.get("outputs", []) if "image/png" in out.get("data", {})}
        for png in saved_dir.glob("*.png"):
            assert png.read_bytes() in shown, png


# --------------------------------------------------------------------------- screenshots


@pytest.mark.slow
def test_the_screenshot_script_saves_each_page_at_1280(smoke, tmp_path):
    out = subprocess.run([sys.executable, "-m", "talentkit.runs.render", "--screenshots", str(smoke), "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    names = sorted(p.name for p in tmp_path.glob("*.png"))
    assert names == sorted(["index.png"] + [f"{p.parent.name}.png" for p in smoke.glob("*/report.html")])
    for png in tmp_path.glob("*.png"):
        width, height = struct.unpack(">II", png.read_bytes()[16:24])
        assert width == 1280 and height > 600, (png.name, width, height)
    bad = subprocess.run([sys.executable, "-m", "talentkit.runs.render", "--screenshots", str(tmp_path)],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "no index.html" in bad.stderr
