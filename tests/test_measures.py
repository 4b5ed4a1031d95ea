"""talentkit.core.measures: what a recorded measure is made of, and what it means."""

from talentkit.core.measures import COUNT, MEASURES, PERSON_YEARS, PROPORTION, RATE, definitions, parts_of


def test_the_parts_of_measures_are_each_counted_once_in_order():
    assert parts_of(["turnover_annual", "voluntary_turnover_annual"]) == ["separations", PERSON_YEARS, "voluntary"]
    assert parts_of(["period_retention", "not_a_measure"]) == ["stayers", "headcount_start"]
    assert parts_of(["avg_headcount"]) == []  # a count is its own part


def test_every_measure_has_the_parts_its_kind_needs_and_a_definition():
    need = {RATE: 2, PROPORTION: 2, COUNT: 1}
    for name, measure in MEASURES.items():
        assert len(measure.parts) == need[measure.kind], name
        assert measure.definition and "/" in measure.definition or measure.kind == COUNT, name
    assert definitions(["turnover_annual", "headcount"]) == {"turnover_annual": MEASURES["turnover_annual"].definition}
