"""talentkit.core.pooling: many levels pooled by one rule that counts people, never outcomes."""

import pandas as pd
import pytest

from talentkit.core.errors import ParameterError
from talentkit.core.pooling import check_hierarchy, is_pooled, other_last, pool_levels


def test_the_largest_levels_are_kept_ties_by_name_and_the_rest_pooled():
    values = pd.Series(["a"] * 5 + ["b"] * 3 + ["c"] * 3 + ["d"] * 2 + ["e"] + [None], name="team")
    pooled, rule = pool_levels(values, max_levels=2)
    assert rule.kept == ["a", "b"] and rule.pooled == ["c", "d", "e"] and rule.people == 6  # b before c: a tie, by name
    assert rule.label == "Other (3 levels)" and pooled.tolist()[-2:] == ["Other (3 levels)", None]
    assert is_pooled(rule.label) and not is_pooled("Other")
    assert rule.sentence(5) == ("team has 5 levels: the 2 largest are shown and the other 3 (6 people) are pooled into "
                                "\u201cOther (3 levels)\u201d (raise max_levels to show more)")
    assert "fewer than 10 people" in rule.sentence(10)  # a hidden pooled row's count is not said beside it
    assert sorted(["Other (3 levels)", "b", "a"], key=other_last) == ["a", "b", "Other (3 levels)"]


def test_few_levels_are_kept_as_they_are():
    values = pd.Series(["x", "y", "x"])
    pooled, rule = pool_levels(values, max_levels=5)
    assert not rule.applied and pooled is values and rule.sentence() == ""
    with pytest.raises(ParameterError, match="at least 2"):
        pool_levels(values, max_levels=1)


def test_a_hierarchy_whose_child_has_two_parents_is_named_by_row():
    people = pd.DataFrame({"team": ["t1", "t1", "t2"], "department": ["d1", "d2", "d1"]}, index=[2, 3, 4])
    problems = check_hierarchy(people, {"team": "department"}, "people.csv")
    assert len(problems) == 1 and problems[0].column == "department" and problems[0].row in (2, 3)
    assert check_hierarchy(people.assign(department=["d1", "d1", "d2"]), {"team": "department"}) == []
