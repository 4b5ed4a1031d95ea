"""The long-history organisation: reproducible, read back through its own mapping with every
two-digit year in its century, and carrying the effects it was drawn with."""

from __future__ import annotations

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter

import talentkit as tk
from talentkit.data import longhistory


def test_the_export_reads_back_through_its_mapping_with_each_year_in_its_century(tmp_path):
    people = longhistory.generate_long_history(3000, seed=4)
    assert people.equals(longhistory.generate_long_history(3000, seed=4))
    assert people["level"].nunique() > 50 and people["team"].nunique() == 50 and people["department"].nunique() == 24
    mapping = longhistory.write_long_history(people, tmp_path)
    raw = pd.read_csv(tmp_path / "personnel.csv", dtype=str)
    assert raw["Hire Date"].str.fullmatch(r"\d\d-[A-Z]{3}-\d\d").all()  # two-digit years, as exported
    ds = tk.load(str(tmp_path), mapping=str(mapping))
    read = ds.people.set_index("employee_id").sort_index()
    drawn = people.set_index("employee_id").sort_index()
    assert (read["hire_date"] == drawn["hire_date"]).all()
    assert read["hire_date"].min() < pd.Timestamp("1950-01-01") and read["hire_date"].max() <= longhistory.AS_OF
    assert read["exit_date"].equals(drawn["exit_date"])
    assert ds.as_of == longhistory.AS_OF


def test_the_effects_drawn_are_found_by_a_cox_model():
    p = longhistory.generate_long_history(8000, seed=1)
    end = p["exit_date"].fillna(longhistory.AS_OF)
    frame = pd.DataFrame({"years": (end - p["hire_date"]).dt.days / 365.25, "left": p["exit_date"].notna(),
                          "rank": p["level"].str[1:].astype(int), "female": p["gender"].eq("F").astype(int),
                          "night": p["shift"].eq("Night").astype(int)})
    # before the retirement window, leaving follows the drawn hazard alone
    early = frame.assign(left=frame["left"] & (frame["years"] < 20), years=frame["years"].clip(upper=20))
    fit = CoxPHFitter().fit(early, "years", "left")
    hr = np.exp(fit.params_)
    assert fit.params_["rank"] < 0 and abs(fit.params_["rank"] - longhistory.RANK_HAZARD_SLOPE) < 0.006
    assert abs(hr["night"] - longhistory.NIGHT_SHIFT_HAZARD) < 0.1
    assert abs(hr["female"] - longhistory.GENDER_HAZARD["F"]) < 0.1
