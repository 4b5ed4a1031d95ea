"""What a recorded measure is: its kind, the counts it is computed from, and its definition.

A run records, beside each measure's value, the counts it came from (``measure_parts``, or
columns of a recorded table) and its definition (``definitions``, written by
:func:`talentkit.core.results.record`). Comparing two runs (:mod:`talentkit.runs.compare`) reads both:
the kind picks the test of a difference (:mod:`talentkit.core.stats`), and a definition that is
not the same in both runs means the two numbers do not measure the same thing, so they
are not compared.

Kinds:

* ``rate``: events over exposure in person-years (turnover: separations / (average
  headcount × months / 12)); a difference is tested as two Poisson rates;
* ``proportion``: successes over trials (retention: stayers / headcount at the start); a
  difference is tested as two proportions;
* ``count``: a number of people (average headcount); a difference is tested as two
  Poisson counts of equal weight.

A recorded number outside this table is compared by its recorded 95 % interval
(``<name>_lo``, ``<name>_hi``) when it has one, and otherwise only shown.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Measure:
    kind: str  # rate, proportion or count
    parts: tuple[str, ...]  # rate: (events, exposure); proportion: (successes, trials); count: (count,)
    definition: str


RATE, PROPORTION, COUNT = "rate", "proportion", "count"
PERSON_YEARS = "exposure_years"  # average headcount × months / 12: the time at risk of a period

MEASURES: dict[str, Measure] = {
    "turnover_annual": Measure(RATE, ("separations", PERSON_YEARS),
                               "separations / (average headcount × months / 12), per year (SHRM)"),
    "voluntary_turnover_annual": Measure(RATE, ("voluntary", PERSON_YEARS),
                                         "voluntary separations / (average headcount × months / 12), per year"),
    "mobility_annual": Measure(RATE, ("moves", PERSON_YEARS),
                               "internal moves / (average headcount × months / 12), per year"),
    "period_retention": Measure(PROPORTION, ("stayers", "headcount_start"),
                                "employed on the first and the last day, in the same unit / headcount on the first day"),
    "internal_fill_share": Measure(PROPORTION, ("moves_in", "fills"),
                                   "moves in / (moves in + hires) (ISO 30414)"),
    "international_share": Measure(PROPORTION, ("international_hires", "hires"),
                                   "international hires / hires"),
    "avg_headcount": Measure(COUNT, ("avg_headcount",),
                             "(headcount on the first day + headcount on the last day) / 2"),
}


def parts_of(names) -> list[str]:
    """The counts the measures ``names`` are computed from, each once, in order."""
    out: list[str] = []
    for name in names:
        for part in MEASURES[name].parts if name in MEASURES else ():
            if part not in out and part != name:
                out.append(part)
    return out


def definitions(names) -> dict[str, str]:
    """The definition of each of ``names`` that is a known measure."""
    return {n: MEASURES[n].definition for n in names if n in MEASURES}
