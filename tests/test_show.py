"""talentkit.show: what a cell displays, through the privacy gate."""

import pandas as pd
import pytest

from talentkit import show
from talentkit.core import privacy
from talentkit.core.errors import PrivacyError


def gated() -> pd.DataFrame:
    table = pd.DataFrame({"region": ["US", "<b>EU</b>", "SG"], "n": [40, 3, 22], "turnover_annual": [0.1, 0.5, 0.2]})
    return privacy.suppress(table, ["region"], 5, not_nested="a test's own table")


def test_a_table_without_the_mark_is_refused():
    with pytest.raises(PrivacyError):
        show.styled(pd.DataFrame({"region": ["US"], "n": [40]}))


def test_hidden_cells_read_under_min_group_and_text_from_data_is_escaped():
    table = gated()
    shown = show.display_table(table)
    assert shown.iloc[1].tolist()[1:] == ["<5", "<5"] and shown.iloc[1].tolist()[0] == "<b>EU</b>"
    # the table's one small group is hidden with its complement, SG (22, the next smallest),
    # which is labelled hidden, not small
    assert shown.iloc[2].tolist()[1:] == ["hidden", "hidden"] and shown.iloc[0, 1] == "40"
    html = show.styled(table).to_html()
    assert "<b>EU</b>" not in html and "&lt;b&gt;EU&lt;/b&gt;" in html and "&lt;5" in html
