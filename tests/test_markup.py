"""talentkit.core.markup: text from data reaches a page as exactly its characters."""

import math

import pytest

from talentkit.core.errors import ParameterError
from talentkit.core.markup import escape_html_text, escape_markdown, md_text, percent, plot_labels, short


def test_markdown_from_data_renders_as_its_characters():
    assert escape_markdown("<b>*Ann*</b> [x](y)") == r"\<b\>\*Ann\*\<\/b\> \[x\]\(y\)"
    assert escape_markdown("a\nb\tc") == "a b c" and escape_markdown("x" * 10, limit=5) == "xxxx…"
    assert md_text("{name} left {share:.0%} of {team}", name="*Al*", share=0.25, team="A_B") == \
        r"\*Al\* left 25\% of A\_B"
    with pytest.raises(ParameterError, match="plain names"):
        md_text("{ds.people}", ds=None)


def test_html_labels_and_sentences():
    assert escape_html_text("<script>") == "&#60;script&#62;"  # numeric references: nothing a Markdown pass reads
    assert short("a" * 100, 10) == "a" * 9 + "…" and short("line\nbreak") == "line break"
    assert plot_labels(["a" * 50 + "1", "a" * 50 + "2"], limit=20) == ["a" * 19 + "…", "a" * 15 + "… #1"]
    assert percent(0.1234) == "12.3%" and percent(None) == percent(math.nan) == "n/a"
