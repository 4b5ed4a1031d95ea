"""The built-in company's engagement survey: two waves a year apart, with planted truth.

Eleven items on a 5-point scale, an eNPS item (0-10) and a comment, answered by the people
employed on each wave's day, linked to the people table by ``employee_id``:

- **the drivers**: each respondent's engagement is a weighted sum of the eight climate items'
  latent scores; *career growth* carries by far the largest weight, so it must rank first;
- **later leaving**: people who leave within a year of a wave's day answer lower (their
  engagement sits :data:`LEAVER_SHIFT` lower), so units and people that score low lose more;
- **a change**: *tools* rises by :data:`TOOLS_RISE` (latent units) in the second wave, and
  nothing else moves;
- **N/A**: the manager item is N/A (written 0) for about 6 % of answers;
- **small units**: the smallest team of each wave's day sends exactly 4 respondents, under every gate;
- **comments** by about 45 % of respondents, on five themes, in Chinese from CN.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

ENGAGEMENT = {"E1": "I am proud to work here", "E2": "I would recommend this company as a great place to work",
              "E3": "I rarely think about looking for a job elsewhere"}
CLIMATE = {"growth": "I see a path to grow my career here", "manager": "My manager gives me useful feedback",
           "recognition": "My work is recognised", "tools": "I have the tools I need to do my job well",
           "workload": "My workload is manageable", "decisions": "Decisions that affect me are explained",
           "team": "My team works well together", "leadership": "I trust senior leadership"}
WEIGHTS = {"growth": 0.70, "manager": 0.25, "recognition": 0.20, "tools": 0.10, "workload": 0.10,
           "decisions": 0.05, "team": 0.05, "leadership": 0.05}
ENPS = "eNPS"
ENPS_TEXT = "How likely are you to recommend working here to a friend? (0-10)"
COMMENT = "Comment"
SCALE = {1: "Strongly disagree", 2: "Disagree", 3: "Neither agree nor disagree", 4: "Agree", 5: "Strongly agree"}
LEAVER_SHIFT = 0.9  # engagement of people leaving within a year of the wave, in latent standard deviations
TOOLS_RISE = 0.8  # the tools item's rise in the second wave, in latent units
THEMES = {
    "workload": ["too many meetings and the workload keeps growing", "the workload is heavy and deadlines too tight",
                 "overtime every week, the workload is not sustainable"],
    "growth": ["no clear career path or promotion criteria", "I want more career growth and learning budget",
               "promotion decisions feel random, career path unclear"],
    "tools": ["the laptop and build tools are slow", "GPU access and tools for experiments are lacking",
              "better tools would save hours every week"],
    "manager": ["my manager gives helpful feedback in one to ones", "feedback from my manager is rare",
                "my manager supports me and gives regular feedback"],
    "pay": ["pay is below the market for AI roles", "salary bands are not competitive", "pay and bonus are unclear"],
}
THEMES_ZH = {"workload": ["会议太多，工作量太大", "加班太多，工作量不可持续"],
             "growth": ["职业发展路径不清楚", "希望有更多晋升和学习机会"],
             "tools": ["电脑和工具太慢", "缺少做实验的算力和工具"],
             "manager": ["经理经常给我有用的反馈", "经理很少给反馈"],
             "pay": ["薪酬低于市场水平", "奖金和薪资不透明"]}


def wave_days(as_of: pd.Timestamp) -> list[pd.Timestamp]:
    """The two waves' days: 15 and 3 months before the data's last day, a year apart."""
    last = pd.Timestamp(as_of)
    return [(last - pd.DateOffset(months=15)).normalize(), (last - pd.DateOffset(months=3)).normalize()]


def _likert(latent: np.ndarray) -> np.ndarray:
    return np.digitize(latent, [-1.3, -0.5, 0.25, 1.1]) + 1


def generate_survey(people: pd.DataFrame, as_of, seed: int = 0, teams_on=None) -> pd.DataFrame:
    """The long-form export: one row per answer (``employee_id``, ``wave``, ``answered_on``,
    ``question``, ``answer``, ``comment``), two waves of the people employed on each day.
    ``teams_on(day)``: each person's team on a day (people's index), for the planted small
    team; default: the people table's team."""
    rng = np.random.default_rng(seed)
    rows = []
    for number, day in enumerate(wave_days(as_of), start=1):
        employed = (people["hire_date"] <= day) & (people["exit_date"].isna() | (people["exit_date"] > day))
        on = people[employed]
        team = (teams_on(day) if teams_on is not None else people["team"])[employed.to_numpy()]
        answer = rng.random(len(on)) < np.where(on["region"].eq("IN"), 0.45, 0.8)
        small = team.eq(team.value_counts().index[-1]).to_numpy()  # the smallest team that day
        answer[small] = np.arange(small.sum()) < 4  # exactly 4 respondents in the smallest team
        on = on[answer]
        leaves = (on["exit_date"].notna() & (on["exit_date"] <= day + pd.DateOffset(years=1))).to_numpy()
        common = rng.normal(size=len(on))
        latent = {k: 0.45 * common + 0.9 * rng.normal(size=len(on)) for k in CLIMATE}
        latent["tools"] = latent["tools"] + (TOOLS_RISE if number == 2 else 0.0)
        engagement = sum(w * latent[k] for k, w in WEIGHTS.items()) + 0.35 * rng.normal(size=len(on))
        engagement = engagement / engagement.std() - LEAVER_SHIFT * leaves
        engagement = engagement - engagement.mean()  # the waves differ in leavers seen, not in engagement
        answers = {CLIMATE[k]: _likert(latent[k]) for k in CLIMATE}
        answers.update({text: _likert(engagement + 0.45 * rng.normal(size=len(on))) for text in ENGAGEMENT.values()})
        manager = answers[CLIMATE["manager"]].astype(object)
        manager[rng.random(len(on)) < 0.06] = 0  # N/A, written 0 as many exports do
        answers[CLIMATE["manager"]] = manager
        answers[ENPS_TEXT] = np.clip(np.round(7 + 2.2 * engagement + rng.normal(size=len(on))), 0, 10).astype(int)
        base = pd.DataFrame({"employee_id": on["employee_id"].to_numpy(),
                             "answered_on": (day - pd.to_timedelta(rng.integers(0, 14, len(on)), "D")).strftime("%Y-%m-%d")})
        base["wave"] = f"Engagement {day.year}"
        for question, values in answers.items():
            rows.append(base.assign(question=question, answer=values, comment=None))
        rows.append(_comments(base, on, engagement, rng))
    out = pd.concat(rows, ignore_index=True)
    return out.sample(frac=1.0, random_state=seed).reset_index(drop=True)  # exports rarely come sorted


def _comments(base: pd.DataFrame, on: pd.DataFrame, engagement: np.ndarray, rng) -> pd.DataFrame:
    writes = rng.random(len(on)) < 0.45
    themes = list(THEMES)
    picks = rng.integers(0, len(themes), len(on))
    zh = on["region"].eq("CN").to_numpy()
    text = [(THEMES_ZH if zh[i] else THEMES)[themes[picks[i]]][int(rng.integers(0, 2))] for i in range(len(on))]
    return base[writes].assign(question=COMMENT, answer=None, comment=np.asarray(text, dtype=object)[writes])


MAPPING = f"""# The built-in company's engagement survey: a long export, linked to people by employee_id.
form: long
file: survey.csv
respondent: employee_id
linked_to: employee_id
wave: wave
date: answered_on
item: question
answer: answer
answer_text: comment
comments: [{COMMENT}]
scale: {{1: Strongly disagree, 2: Disagree, 3: Neither agree nor disagree, 4: Agree, 5: Strongly agree}}
favourable: [4, 5]
not_applicable: [0]
enps_item: "{ENPS_TEXT}"
index_items: {list(ENGAGEMENT.values())}
"""


def write_survey(people: pd.DataFrame, as_of, folder: str | Path, seed: int = 0, teams_on=None) -> Path:
    """The survey as a long export and its mapping file in ``folder``; the mapping's path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    generate_survey(people, as_of, seed, teams_on).to_csv(folder / "survey.csv", index=False)
    (folder / "survey.yaml").write_text(MAPPING, encoding="utf-8")
    return folder / "survey.yaml"
