"""One look for every report and figure, applied once: the renderer puts :func:`css` in every
page (reports and the index), and ``import talentkit.plots`` calls :func:`apply` for the
figures. A new notebook gets both without code of its own.

- Colours: seaborn's ``deep`` palette for categories, ``crest`` for ordered values; the same
  accent in pages and figures.
- Fonts: the system's sans-serif in pages; in figures DejaVu Sans for Latin text with Noto
  Sans CJK (the ``noto-cjk-sans-otc`` package, SIL Open Font License) registered as a
  fallback, so a team or region named in Chinese, Japanese or Korean draws its glyphs
  instead of empty boxes, and Latin text keeps its usual face.
- Figures carry a text alternative (:func:`figure_alt`) that the report writes as the
  image's ``alt``.
- A figure is drawn as PNG once while it is unchanged (:func:`figure_png`): the report shows
  the bytes that ``record_figure`` saved.
- Pages: a readable measure for text, wide tables that scroll inside their box, a dark
  scheme that follows the reader's system setting, and print rules (no figure or table
  row split across pages).
"""

from __future__ import annotations

import io
import weakref
from pathlib import Path

PALETTE = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c", "#ccb974",
           "#64b5cd"]  # seaborn "deep"
SEQUENTIAL = "crest"
ACCENT = PALETTE[0]
WARN = "#b00020"
LATIN_FONT = "DejaVu Sans"
FIGURE_WIDTH = 7.0  # inches: the common width of a one-panel figure
FIGURE_DPI = 110
CSS_FILE = Path(__file__).parents[1] / "templates" / "theme.css"

_applied = False
_DRAWN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # figure -> its PNG, while unchanged


def css() -> str:
    """The pages' style sheet: the palette as CSS variables, then ``templates/theme.css``."""
    variables = "".join(f"--tk-c{i}: {c}; " for i, c in enumerate(PALETTE))
    return f":root {{ {variables}--tk-accent: {ACCENT}; --tk-warn: {WARN}; }}\n" + CSS_FILE.read_text(encoding="utf-8")


def cjk_font_path() -> Path | None:
    """The Noto Sans CJK collection shipped by ``noto-cjk-sans-otc``; ``None`` when it is not installed."""
    try:
        from noto_cjk import otc_path

        path = Path(otc_path("sans"))
    except Exception:  # noqa: BLE001 -- not installed, or the package moved its file: figures fall back to boxes
        return None
    return path if path.is_file() else None


def cjk_font_name() -> str | None:
    """The family name registered for CJK glyphs (after :func:`apply`), else ``None``."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return "Noto Sans CJK SC" if "Noto Sans CJK SC" in names else None


def register_cjk_font() -> str | None:
    """Add the CJK collection to matplotlib's fonts (once); its family name, or ``None``."""
    name = cjk_font_name()
    if name is None and (path := cjk_font_path()) is not None:
        from matplotlib import font_manager

        font_manager.fontManager.addfont(str(path))
        name = cjk_font_name()
    return name


def apply() -> None:
    """Set the figures' look for this process, once: seaborn's ``whitegrid`` theme with the
    kit's palette and sizes, DejaVu Sans with the CJK fallback, and alt text on every figure a
    notebook shows."""
    global _applied
    if _applied:
        return
    import logging

    import matplotlib as mpl
    import seaborn as sns

    # the CJK collection has no bold face: a bold title falls back to its regular weight, which
    # matplotlib would log as a warning into every report
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    sns.set_theme(style="whitegrid", context="notebook", palette=PALETTE)
    cjk = register_cjk_font()
    mpl.rcParams.update({
        "font.family": [LATIN_FONT] + ([cjk] if cjk else []),  # per-glyph fallback (matplotlib >= 3.6)
        "figure.figsize": (FIGURE_WIDTH, 3.8), "figure.dpi": FIGURE_DPI, "savefig.dpi": FIGURE_DPI,
        "axes.titlesize": 12, "axes.labelsize": 10.5, "xtick.labelsize": 9.5, "ytick.labelsize": 9.5,
        "legend.fontsize": 9, "axes.titleweight": "bold", "axes.titlelocation": "left",
        "figure.facecolor": "white", "savefig.facecolor": "white",
        # plain numbers on axes: no "1e6" offset or scientific notation for a reader to decode
        "axes.formatter.useoffset": False, "axes.formatter.limits": (-6, 9),
    })
    _show_figures_with_alt_text()
    _applied = True


def figure_alt(fig) -> str:
    """A text alternative for ``fig``: its titles, then what each panel shows (axis labels,
    and the series or categories it names), at most 400 characters."""
    parts = []
    if getattr(fig, "_suptitle", None) is not None and fig._suptitle.get_text():
        parts.append(fig._suptitle.get_text())
    for ax in fig.get_axes():
        if not ax.get_visible() or ax.get_label() == "<colorbar>":
            continue
        title = " ".join(t for t in (ax.get_title("left"), ax.get_title(), ax.get_title("right")) if t)
        axes = [f"{name}: {label}" for name, label in (("x", ax.get_xlabel()), ("y", ax.get_ylabel())) if label]
        legend = ax.get_legend()
        series = [t.get_text() for t in legend.get_texts()] if legend is not None else []
        if not series:  # categories on the x axis (numbers on it say nothing a title does not)
            ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
            series = [] if all(_is_number(t) for t in ticks) else ticks[:12]
        panel = "; ".join(x for x in (title, ", ".join(axes), ("shows " + ", ".join(series)) if series else "") if x)
        if panel:
            parts.append(panel)
    text = ". ".join(p.rstrip(".") for p in parts) or "A figure"
    return text if len(text) <= 400 else text[:399] + "…"


def figure_png(fig) -> bytes:
    """``fig`` as PNG at :data:`FIGURE_DPI`, cropped to what it draws (``bbox_inches="tight"``)
    on its own background: what a report shows and what ``record_figure`` saves, the bytes
    IPython's ``print_figure`` gives a figure of this dpi. Drawn once while the figure is
    unchanged: a figure saved and then shown was drawn twice, 0.1 to 0.5 s each on the kit's
    figures. matplotlib marks a figure stale when one of its artists changes, so a figure
    changed after it was drawn is drawn again. Restoring the figure's box after a tight
    crop marks it stale although nothing it draws changed; it is marked fresh again here."""
    kept = _DRAWN.get(fig)
    if kept is not None and not fig.stale:
        return kept
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=FIGURE_DPI, bbox_inches="tight", facecolor=fig.get_facecolor(),
                edgecolor=fig.get_edgecolor())
    fig.stale = False
    _DRAWN[fig] = buffer.getvalue()
    return _DRAWN[fig]


def _is_number(text: str) -> bool:
    try:
        float(text.replace("\u2212", "-").replace("%", "").replace(",", ""))
    except ValueError:
        return False
    return True


def _show_figures_with_alt_text() -> None:
    """In an IPython kernel, show each matplotlib figure as PNG with ``alt`` in its metadata
    (the report's ``<img alt>``). Outside a kernel, nothing to do."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    plt.close(plt.figure())  # loads the backend now: the inline backend registers its formatter on first use
    def png_with_alt(fig):
        from IPython.core.pylabtools import print_figure

        if fig.dpi == FIGURE_DPI:  # as print_figure draws it; a figure of its own dpi is drawn at that dpi
            return figure_png(fig), {"alt": figure_alt(fig)}
        return print_figure(fig, "png", bbox_inches="tight"), {"alt": figure_alt(fig)}

    shell.display_formatter.formatters["image/png"].for_type(Figure, png_with_alt)
