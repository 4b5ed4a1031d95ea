"""The article's case as data, the movers split, and the sample-size formula by hand."""

import math

import pytest

from talentkit import casestudy, metrics
from talentkit.core import stats


def test_article_case_exact():
    case = casestudy.article_case()
    t = metrics.article_metrics(case, casestudy.CASE_START, casestudy.CASE_END, "US", 12)
    assert t["value"].to_dict() == {"A": 1.0, "R": 0.5, "F": 0.5, "S": 0.9}
    assert len(case.people) == 100 and (case.people["origin"] == "international").sum() == 50


@pytest.mark.parametrize("internal", [0, 10, 50])
def test_split_of_movers_follows_the_assumption(internal):
    case = casestudy.article_case(moved_internally=internal)
    split = casestudy.movers_and_leavers(case, casestudy.CASE_START, casestudy.CASE_END, "US", 12)
    counts = dict(zip(split["outcome"], split["people"]))
    assert counts["stayed where they joined"] == 50
    assert counts["moved internally, still here"] == internal
    assert counts["left without moving"] == 50 - internal
    t = metrics.article_metrics(case, casestudy.CASE_START, casestudy.CASE_END, "US", 12)
    assert (t.loc["R", "value"], t.loc["F", "value"]) == (0.5, 0.5)  # the article cannot tell them apart


def test_sample_size_by_hand():
    za, zb = 1.959963984540054, 0.8416212335729143
    pbar = 0.55
    n = (za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(0.25 + 0.24)) ** 2 / 0.01
    assert stats.sample_size_two_proportions(0.5, 0.6) == math.ceil(n) == 388
    with pytest.raises(ValueError):
        stats.sample_size_two_proportions(0.5, 0.5)


def test_destinations_suppressed():
    case = casestudy.article_case(moved_internally=30)
    went = casestudy.destinations(case, casestudy.CASE_START, casestudy.CASE_END, "US", min_group=5)
    assert went.loc[~went["suppressed"], "moves"].sum() + went.loc[went["suppressed"]].shape[0] >= 1
    assert (went.loc[~went["suppressed"], "n"] >= 5).all()
