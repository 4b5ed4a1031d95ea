"""talentkit.core.privacy: the small-group rule, the nesting it derives, and the one check of
min_group. Expected cells are worked out by hand."""

import pandas as pd
import pytest

from talentkit.core import privacy
from talentkit.core.errors import ParameterError, PrivacyError

# 3 regions; team t3 (2 people) is the only small team of region EU
PEOPLE = pd.DataFrame({"employee_id": [f"E{i}" for i in range(32)],
                       "region": ["US"] * 12 + ["EU"] * 12 + ["SG"] * 8,
                       "team": ["t1"] * 6 + ["t2"] * 6 + ["t3"] * 2 + ["t4"] * 10 + ["t5"] * 8})


def by(column: str) -> pd.DataFrame:
    return PEOPLE.groupby(column).size().rename("n").reset_index()


def test_suppress_derives_the_nesting_from_the_people_it_is_given():
    teams = privacy.suppress(by("team"), ["team"], 5, people=PEOPLE)
    hidden = set(teams.loc[teams[privacy.SUPPRESSED], "team"])
    # by hand: t3 (2) < 5; one hidden team in the table, so its smallest other, t1 (6), goes too;
    # then each region holding one hidden team loses its next: EU's t4 (else EU's 12, shown by
    # region, minus t4's 10 gives t3's 2 back) and US's t2 (else US's 12 minus t2 gives t1)
    assert hidden == {"t1", "t2", "t3", "t4"}
    alone = privacy.suppress(by("team"), ["team"], 5, not_nested="a test without the region table")
    assert set(alone.loc[alone[privacy.SUPPRESSED], "team"]) == {"t3", "t1"}  # one block: the smallest other
    assert privacy.nested_in(PEOPLE, "team")["region"].to_dict() == {"t1": "US", "t2": "US", "t3": "EU", "t4": "EU",
                                                                     "t5": "SG"}


def test_no_caller_can_forget_the_nesting():
    with pytest.raises(PrivacyError, match="people=...|not_nested"):
        privacy.suppress(by("team"), ["team"], 5)
    with pytest.raises(PrivacyError, match="not both"):
        privacy.suppress(by("team"), ["team"], 5, people=PEOPLE, not_nested="why")


@pytest.mark.parametrize("value", [0, -1, 2.5, True, "5"])
def test_min_group_is_one_rule_everywhere(value):
    with pytest.raises(ParameterError):
        privacy.check_min_group(value)
    with pytest.raises(ParameterError, match="allow_small_groups"):
        privacy.check_min_group(2)
    assert privacy.check_min_group(2, allow_small_groups=True) == 2 and privacy.check_min_group(5) == 5
