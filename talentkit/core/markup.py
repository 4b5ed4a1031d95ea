"""Text from data on its way into a report: one escaping path for Markdown, HTML tables and figures.

Reports are opened by managers in a browser. A region, team or parameter value such as
``<img src=x onerror=...>``, ``**x**``, ``[x](javascript:...)`` or ``$\\alpha$`` must show as
those characters, never become markup, a link or a formula. So:

* :func:`md` builds a notebook's narrative from a template: every value is formatted
  (``{rate:.1%}``, ``{n:,}``) and then escaped, so no value is pasted into Markdown raw;
* :func:`escape_markdown` backslash-escapes ASCII punctuation (CommonMark's escape, which
  nbconvert, JupyterLab and GitHub honour), and flattens line breaks and control characters;
* :func:`short` shortens long labels for tables and figures (the full value stays in the data);
* :func:`plot_label` also escapes matplotlib's mathtext ``$``.

The renderer adds a second line: raw HTML in Markdown outputs is shown as text, and the
report's Content-Security-Policy lets no script run.
"""

from __future__ import annotations

import re
import string

from .errors import ParameterError

MAX_LABEL = 60  # characters of a label shown in a table or figure

_PUNCTUATION = set(string.punctuation)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def short(value, limit: int = MAX_LABEL) -> str:
    """``value`` as one line of at most ``limit`` characters (an ellipsis marks a cut)."""
    text = _CONTROL.sub(" ", str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape_markdown(value, limit: int | None = 300) -> str:
    """``value`` as Markdown text that renders as exactly its characters: every ASCII punctuation
    character backslash-escaped (so ``< * _ [ ] ( ) $ ` #`` and friends are literal), line
    breaks and control characters as spaces, and shortened to ``limit`` characters."""
    text = _CONTROL.sub(" ", str(value))
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return "".join("\\" + c if c in _PUNCTUATION else c for c in text)


class _EscapingFormatter(string.Formatter):
    """``str.format`` whose every replacement field is escaped after formatting."""

    def format_field(self, value, format_spec):
        return escape_markdown(super().format_field(value, format_spec))

    def get_field(self, field_name, args, kwargs):
        if not field_name.isidentifier():  # no attribute or index look-ups: compute values first
            raise ParameterError(f"md(): use plain names in the template, not '{field_name}'")
        return super().get_field(field_name, args, kwargs)


_FORMATTER = _EscapingFormatter()


def md_text(template: str, /, **values) -> str:
    """The Markdown of :func:`md`, as a string."""
    return _FORMATTER.format(template, **values)


def md(template: str, /, **values):
    """A Markdown display object from ``template`` (the notebook's own Markdown) with its
    ``{name}`` / ``{name:spec}`` fields filled from ``values`` and escaped:

    >>> md("**{region}**: turnover {rate:.1%}", region="<b>US</b>", rate=0.15)  # doctest: +SKIP
    """
    from IPython.display import Markdown

    return Markdown(md_text(template, **values))


_ENTITIES = set("&<>\"'`*_[](){}#+!|$\\~=^:")


def escape_html_text(value, limit: int = 300) -> str:
    """``value`` for HTML that the kit writes into its own Markdown (the parameters table):
    shortened, and HTML, Markdown and LaTeX control characters as numeric references, since
    backslash escapes do not apply inside an HTML block."""
    text = short(value, limit)
    return "".join(f"&#{ord(c)};" if c in _ENTITIES else c for c in text)


def plot_label(value, limit: int = 40) -> str:
    """A label for a matplotlib figure: shortened, one line, ``$`` escaped (mathtext)."""
    return short(value, limit).replace("$", r"\$")


def plot_labels(values, limit: int = 40) -> list[str]:
    """:func:`plot_label` for each value, kept distinct where shortening made two the same."""
    out: list = []
    seen: dict = {}
    for v in values:
        label = plot_label(v, limit)
        if label in seen and seen[label] != v:
            label = plot_label(v, limit - 4) + f" #{len(seen)}"
        seen.setdefault(label, v)
        out.append(label)
    return out


def percent(value, digits: int = 1) -> str:
    """``value`` as a percentage for a sentence (``12.3%``); ``n/a`` when missing."""
    try:
        missing = value is None or value != value  # NaN is the one value unequal to itself
    except (TypeError, ValueError):
        missing = True
    return "n/a" if missing else f"{float(value):.{digits}%}"
