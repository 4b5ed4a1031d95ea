"""Exercises that check themselves, for workshops.

A notebook's exercise is a pair of cells tagged ``exercise`` (the teaching style keeps them,
the report style removes them): the question in Markdown, then

.. code-block:: python

    answer = None  # your answer: a share, e.g. 0.12 for 12 %
    tk.exercises.check("01.turnover", answer, solve=solutions, ds=ds, start=start_day, end=end_day)

:func:`check` computes the expected answer with the package (the same function the
notebook's tables come from), compares, and says what is wrong without giving the answer
away: too high or too low, a percentage where a share was asked for, the step most often
missed. With ``solve=True`` (the notebooks' ``solutions`` parameter, set by
``params/solutions.yaml``) and no answer, it shows the solution and how it is found: the
instructor's copy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from IPython.display import Markdown, display

from .casestudy import article_case, case_metrics
from .core.errors import ParameterError
from .core.labels import format_number
from .core.markup import md_text
from .metrics import workforce
from .network import cross_unit_share, key_person_risk
from .scenarios import Scenario, compare, pay_raise
from .textclf import scores

DIRECTIONS = ("up", "down", "unchanged")


@dataclass(frozen=True)
class Exercise:
    """The question lives in the notebook's Markdown cell; here: ``expected(**context)`` gives
    the answer; ``kind``: ``share`` (0–1), ``number``, ``direction`` (up / down / unchanged)
    or ``threshold`` (a decision threshold);
    ``tolerance``: how far a number may be; ``how``: the way to it, shown with the solution;
    ``hint``: the step most often missed, shown with a wrong answer."""

    kind: str
    expected: Callable[..., object]
    how: str
    hint: str
    tolerance: float = 0.005
    unit: str = ""


@dataclass(frozen=True)
class Feedback:
    """What :func:`check` found: ``ok`` and the message shown (never the answer, unless solved)."""

    ok: bool
    message: str


def _turnover(ds, start, end) -> float:
    return float(workforce(ds, start, end, None).iloc[0]["turnover_annual"])


def _retention(ds, start, end) -> float:
    return float(workforce(ds, start, end, None).iloc[0]["period_retention"])


def _best_threshold(result, target: float = 0.8) -> float:
    """The highest threshold (on a 0.01 grid) whose held-out recall reaches ``target``."""
    y, p = result.oof["y"].to_numpy(), result.oof[f"p_{result.winner}"].to_numpy()
    ok = [t / 100 for t in range(1, 100) if scores(y, p, t / 100)["recall"] >= target]
    return max(ok) if ok else 0.01


def _case_r_direction() -> str:
    before = case_metrics(article_case(30, 25)).loc["R", "value"]
    after = case_metrics(article_case(40, 25)).loc["R", "value"]
    return _direction(before, after)


def _raise_exits_direction(model, base, years, growth=0.0) -> str:
    result = compare(model, [Scenario("raise", [pay_raise(base, 0.8)])], base, years, growth).table.set_index("scenario")
    return _direction(result.loc["baseline", "exits"], result.loc["raise", "exits"])


def _top_k_direction(g, f, top_k) -> str:
    return _direction(key_person_risk(g, f, top_k).top_k_share, key_person_risk(g, f, 2 * top_k).top_k_share)


def _hazard_change(hazards) -> float:
    return float(hazards.top(1).iloc[0]["hazard_ratio"]) - 1.0


def _direction(before: float, after: float) -> str:
    if math.isclose(before, after, rel_tol=1e-9, abs_tol=1e-12):
        return "unchanged"
    return "up" if after > before else "down"


EXERCISES: dict[str, Exercise] = {
    "01.turnover": Exercise("share", _turnover,
        "separations ÷ ((headcount at start + headcount at end) ÷ 2) × 12 ÷ months in the period",
        "divide by the average of the two headcounts, then annualize: × 12 ÷ the period's months"),
    "01.retention": Exercise("share", _retention,
        "people employed at both the start and the end ÷ headcount at the start",
        "count only people employed on the first day; hires during the period do not count"),
    "02.threshold": Exercise("threshold", _best_threshold,
        "the highest threshold whose recall on the held-out texts is at least 0.8",
        "a lower threshold flags more texts and raises recall; a higher one flags fewer", tolerance=0.03),
    "02.all_yes": Exercise("share", lambda result: result.all_yes_f1,
        "precision = the positive share s, recall = 1, so F1 = 2s ÷ (1 + s)",
        "flagging everyone gives recall 1 and precision equal to the positive share", unit="score"),
    "03.R": Exercise("share", lambda: float(case_metrics(article_case()).loc["R", "value"]),
        "people still in the unit they joined after 12 months ÷ hires",
        "R counts only people who stayed where they joined: movers and leavers both fall out"),
    "03.direction": Exercise("direction", _case_r_direction,
        "R = stayed ÷ hires, and the 50 who did not stay count against it whether they moved or left: "
            "R is unchanged, which is what it hides",
        "think about what R counts as retained, and who the 10 were before"),
    "04.direction": Exercise("direction", _raise_exits_direction,
        "fewer exits a year compound over the years: total exits go down",
        "the lever multiplies each year's exit rate"),
    "04.replacement": Exercise("number", lambda base: base.replacement_share * base.salary,
        "replacement_share × salary", "the replacement share is a share of one year's salary",
        tolerance=0.5, unit="money"),
    "05.cross_share": Exercise("share", lambda f: cross_unit_share(f),
        "attendances off the diagonal ÷ all attendances",
        "the diagonal of the matrix is flow within a unit; everything else crosses"),
    "05.top_k": Exercise("direction", _top_k_direction,
        "more presenters in the top group can only add flow to its share",
        "the share is the flow of the top k ÷ all flow"),
    "06.hazard": Exercise("share", _hazard_change,
        "hazard ratio − 1", "a hazard ratio of 1 means no difference", tolerance=0.01),
}


def check(exercise: str, answer=None, solve: bool = False, **context) -> Feedback:
    """Check ``answer`` to ``exercise`` (an id of :data:`EXERCISES`) against the package's own
    computation with ``context`` (the notebook's objects); display and return the feedback."""
    if exercise not in EXERCISES:
        raise ParameterError(f"no exercise {exercise!r}; the exercises are {', '.join(EXERCISES)}")
    ex = EXERCISES[exercise]
    if answer is None and not solve:
        feedback = Feedback(False, "write your answer in the variable answer, then run the cell again.")
    else:
        feedback = _judge(ex, answer, ex.expected(**context), solve)
    display(Markdown(md_text("**{exercise}:** {message}", exercise=exercise, message=feedback.message)))
    return feedback


def _shown(ex: Exercise, value) -> str:
    """The solution as the instructor reads it: a share to a tenth of a percent, a score to
    three decimals, money whole."""
    if ex.kind == "direction":
        return str(value)
    unit = ex.unit or ("%" if ex.kind == "share" else "ratio")
    return format_number(value, unit, digits=1) if unit == "%" else format_number(value, unit)


def _judge(ex: Exercise, answer, expected, solve: bool) -> Feedback:
    if answer is None:  # solve: the instructor's copy
        return Feedback(False, f"solution {_shown(ex, expected)}. How: {ex.how}.")
    if ex.kind == "direction":
        given = str(answer).strip().lower()
        if given not in DIRECTIONS:
            return Feedback(False, "answer 'up', 'down' or 'unchanged'.")
        return Feedback(True, "right.") if given == expected else Feedback(False, f"not quite. Hint: {ex.hint}.")
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return Feedback(False, "give a number.")
    if abs(value - float(expected)) <= ex.tolerance:
        return Feedback(True, "right" + (" (within the tolerance)." if value != expected else "."))
    if ex.kind == "share" and abs(value / 100 - float(expected)) <= ex.tolerance:
        return Feedback(False, "that looks like a percentage: give a share (0.12 for 12 %).")
    side = "high" if value > float(expected) else "low"
    if ex.kind == "threshold":
        advice = "lower it: recall is under the target there" if side == "high" else \
            "you can raise it and flag fewer texts while recall stays on target"
        return Feedback(False, f"not quite: {advice}.")
    return Feedback(False, f"too {side}. Hint: {ex.hint}.")
