"""The seeded generator of the built-in dataset: a global AI company's talent network.

Knobs (module constants, documented where they stand):

* ``SIZES``: people employed at the start and hires over the period, per size; any other
  people count (``"30k"``, ``"100000"``: :func:`size_counts`) scales the default company,
  and splits each team into sub-teams of about ``PEOPLE_PER_TEAM`` people (``"US Language
  07"``), as a large organisation has hundreds of units;
* ``REGIONS``: each region's share of hiring, international share, channel mix,
  turnover multiplier and the share of sharing sessions it records;
* ``VOLUNTARY_BASE`` and the hazard multipliers by level, skill, pay band, manager
  quality and tenure: what drives exits;
* ``MOVE_RATE`` and ``MOVE_KINDS``: internal mobility;
* ``ASPECTS``: the latent aspects that texts talk about and their weight in each label.

Texts get their labels from a latent model with noise (``TEXT_LABEL_NOISE``), so no
classifier reaches 100%. Retention and attraction texts are a labelled corpus: their
writers are drawn at random. Pulse-survey comments (task ``pulse``, ``PULSE_*``) are
written by the people employed a year before the end, in a mood that foreshadows whether
they leave within that year (their label). The same seed gives byte-identical files
(``write``).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import ParameterError

START = pd.Timestamp("2021-01-01")
MONTHS = 60  # five years: 2021-01 .. 2025-12
AS_OF = START + pd.DateOffset(months=MONTHS) - pd.Timedelta(days=1)

# size -> (employed at the start, hires over the period, retention texts, attraction texts)
SIZES = {"small": (130, 170, 400, 300), "default": (1300, 1700, 2400, 1600), "large": (13000, 17000, 6000, 4000)}
PEOPLE_PER_TEAM = 130  # a scaled company's teams: as many as keep about this many people each (ever employed)

SKILLS = ["NLP", "CV", "Speech", "RecSys", "ML Infra", "Data Science"]
LEVELS = ["L1", "L2", "L3", "L4", "L5"]
LEVEL_HIRE_MIX = [0.30, 0.30, 0.22, 0.12, 0.06]
CHANNELS = ["referral", "campus", "recommendation", "conference", "partner", "community", "job_board"]
PAY_BANDS = ["below", "at", "above"]  # pay against the local market
PAY_MIX = [0.30, 0.50, 0.20]

# share of hiring, international share of hires, voluntary-turnover multiplier,
# share of sessions recorded, channel weights (in CHANNELS order), teams
REGIONS: dict[str, dict[str, Any]] = {
    "US": dict(share=0.34, intl=0.45, turnover=1.15, recorded=0.88, channels=[30, 12, 10, 10, 8, 6, 24],
               teams=["Language", "Vision", "Speech", "Recommendation", "Platform", "Applied"]),
    "CN": dict(share=0.24, intl=0.08, turnover=0.80, recorded=0.93, channels=[25, 30, 15, 4, 6, 5, 15],
               teams=["Language", "Vision", "Recommendation", "Platform", "Applied"]),
    "EU": dict(share=0.20, intl=0.35, turnover=0.90, recorded=0.75, channels=[22, 15, 8, 12, 10, 13, 20],
               teams=["Language", "Vision", "Speech", "Platform"]),
    "SG": dict(share=0.11, intl=0.60, turnover=1.05, recorded=0.82, channels=[28, 8, 14, 8, 20, 6, 16],
               teams=["Language", "Recommendation", "Applied"]),
    "IN": dict(share=0.11, intl=0.04, turnover=1.50, recorded=0.70, channels=[20, 35, 8, 4, 8, 5, 20],
               teams=["Vision", "Platform", "Applied"]),
}
TEAM_SKILL = {"Language": "NLP", "Vision": "CV", "Speech": "Speech", "Recommendation": "RecSys",
              "Platform": "ML Infra", "Applied": "Data Science"}

VOLUNTARY_BASE = 0.12      # annual voluntary exit hazard before multipliers
INVOLUNTARY_BASE = 0.03    # annual involuntary exit hazard
LEVEL_HAZARD = [1.25, 1.10, 1.0, 0.80, 0.65]
SKILL_HAZARD = {"NLP": 1.25, "CV": 1.0, "Speech": 0.95, "RecSys": 1.05, "ML Infra": 0.9, "Data Science": 1.1}
PAY_HAZARD = {"below": 1.6, "at": 1.0, "above": 0.65}
MANAGER_EFFECT = 0.35      # log-hazard per standard deviation of (poorer) manager quality
MOVE_RATE = 0.10           # annual internal move rate
MOVE_KINDS = {"promotion": 0.45, "transfer": 0.35, "rotation": 0.20}

ASPECTS = {  # aspect -> (weight for retention, weight for attraction)
    "pay": (1.0, 1.0), "growth": (1.0, 0.6), "manager": (1.2, 0.3), "workload": (0.8, 0.2),
    "research freedom": (0.6, 0.8), "compute": (0.5, 0.8), "relocation": (0.3, 0.9),
    "visa": (0.2, 1.1), "remote work": (0.5, 0.7),
}
TEXT_LABEL_NOISE = 0.08
PULSE_MONTH = MONTHS - 12  # the pulse survey runs at the start of the last year
PULSE_RESPONSE = 0.6       # share of the people employed then who write a comment
PULSE_MOOD_SHIFT = -1.6    # how much darker the comments of those who leave within the year are

_PHRASES = {  # aspect -> (positive phrasings, negative phrasings)
    "pay": (["the pay is competitive", "my salary is fair for the market", "compensation is generous",
             "the equity package is strong"],
            ["the pay is below market", "my salary has not kept up", "compensation is disappointing",
             "other labs pay much more"]),
    "growth": (["I keep learning new things", "there is a clear path to promotion", "I am growing fast here",
                "my career is moving forward"],
               ["my career has stalled", "there is no path to promotion", "I stopped learning",
                "promotions go to others"]),
    "manager": (["my manager supports me", "my lead gives useful feedback", "I trust my manager",
                 "management listens to the team"],
                ["my manager micromanages", "my lead never gives feedback", "I do not trust my manager",
                 "management ignores the team"]),
    "workload": (["the workload is sustainable", "deadlines are reasonable", "I have time to think",
                  "on-call is light"],
                 ["the workload is crushing", "deadlines are impossible", "I am burning out",
                  "on-call never stops"]),
    "research freedom": (["I can choose my research problems", "we are free to publish",
                          "there is room for exploration"],
                         ["research is tightly controlled", "we cannot publish", "there is no room for exploration"]),
    "compute": (["we have plenty of GPUs", "the compute budget is generous", "training jobs start quickly"],
                ["we never get enough GPUs", "the compute budget is tiny", "training jobs wait for days"]),
    "relocation": (["the relocation package is helpful", "moving here was easy", "the relocation support is great"],
                   ["relocation would uproot my family", "the relocation support is weak", "moving is too costly"]),
    "visa": (["the visa sponsorship is reliable", "the company handles the visa process", "my work permit was quick"],
             ["the visa process is uncertain", "sponsorship is not guaranteed", "my work permit is at risk"]),
    "remote work": (["remote work is flexible", "I can work from home when needed", "hybrid work suits me"],
                    ["remote work was taken away", "everyone must be in the office daily", "there is no flexibility"]),
}
_NEGATED = {  # the opposite polarity said with a negation, so bag-of-words alone is not enough
    True: ["I cannot complain about {a}", "{a} is not a problem", "I have no worries about {a}",
           "{a} is not bad at all"],
    False: ["I am not happy with {a}", "{a} is not good enough", "I do not like how {a} is handled",
            "{a} is not what I was promised"],
}
_FILLER = ["The team is working on a new model.", "We shipped a release last month.", "The office is busy.",
           "Quarterly planning just finished.", "I joined a reading group.", "The product roadmap changed again.",
           "Our benchmark numbers went up.", "I met the new interns.", ""]


# The same texts in Chinese (``language="zh"``), phrase for phrase, so a Chinese dataset has
# the same labels and the same difficulty; technical words stay in English (GPU, on-call), as
# in the mixed Chinese/English an AI lab writes.
_ASPECTS_ZH = {"pay": "薪酬", "growth": "成长", "manager": "经理", "workload": "工作量",
               "research freedom": "研究自由", "compute": "算力", "relocation": "搬迁",
               "visa": "签证", "remote work": "远程办公"}
_PHRASES_ZH = {
    "pay": (["薪酬很有竞争力", "我的工资符合市场水平", "待遇很优厚", "股权激励很有吸引力"],
            ["薪酬低于市场水平", "我的工资一直没涨", "待遇令人失望", "其他实验室给的多得多"]),
    "growth": (["我一直在学新东西", "晋升路径很清晰", "我在这里成长很快", "我的职业发展很顺利"],
               ["我的职业发展停滞了", "没有晋升的路径", "我已经学不到东西了", "晋升总是轮不到我"]),
    "manager": (["我的经理很支持我", "我的组长给的反馈很有用", "我信任我的经理", "管理层会倾听团队的意见"],
                ["我的经理管得太细", "我的组长从不给反馈", "我不信任我的经理", "管理层无视团队的意见"]),
    "workload": (["工作量可以承受", "截止日期很合理", "我有时间思考", "on-call 很轻松"],
                 ["工作量压得人喘不过气", "截止日期根本不可能完成", "我快要累垮了", "on-call 没完没了"]),
    "research freedom": (["我可以自己选择研究课题", "我们可以自由发表论文", "有探索的空间"],
                         ["研究受到严格控制", "我们不能发表论文", "没有探索的空间"]),
    "compute": (["我们有充足的 GPU", "算力预算很充裕", "训练任务很快就能启动"],
                ["我们永远没有足够的 GPU", "算力预算少得可怜", "训练任务要排队好几天"]),
    "relocation": (["搬迁补助很有帮助", "搬到这里很顺利", "搬迁支持非常好"],
                   ["搬迁会打乱我的家庭生活", "搬迁支持很弱", "搬家成本太高"]),
    "visa": (["签证担保很可靠", "公司负责办理签证", "我的工作许可很快就批了"],
             ["签证流程很不确定", "担保没有保证", "我的工作许可有风险"]),
    "remote work": (["远程办公很灵活", "需要时我可以在家办公", "混合办公很适合我"],
                    ["远程办公被取消了", "每个人每天都必须到办公室", "完全没有灵活性"]),
}
_NEGATED_ZH = {True: ["{a}方面我没什么可抱怨的", "{a}不是问题", "我对{a}没有任何担心", "{a}一点也不差"],
               False: ["我对{a}不满意", "{a}不够好", "我不喜欢{a}的处理方式", "{a}不是当初承诺的那样"]}
_FILLER_ZH = ["团队正在做一个新模型。", "我们上个月发布了新版本。", "办公室很忙。", "季度规划刚结束。",
              "我参加了一个读书会。", "产品路线图又变了。", "我们的 benchmark 分数提高了。", "我见了新来的实习生。", ""]


def _pick(rng: np.random.Generator, options: list):
    return options[int(rng.integers(len(options)))]


def _month_date(rng: np.random.Generator, months: np.ndarray) -> pd.DatetimeIndex:
    """A random day inside each month offset from START."""
    firsts = pd.DatetimeIndex([START + pd.DateOffset(months=int(m)) for m in months]) if len(months) else pd.DatetimeIndex([])
    days = rng.integers(0, 28, size=len(months))
    return firsts + pd.to_timedelta(days, unit="D")


CACHE_ENV = "TALENTKIT_CACHE"  # the folder of generated tables (default ~/.cache/talentkit); "off": none


def cache_folder() -> Path | None:
    """Where :func:`generated` keeps tables: ``$TALENTKIT_CACHE``, else
    ``$XDG_CACHE_HOME/talentkit`` (``~/.cache/talentkit``); ``None`` when set to ``off``."""
    where = os.environ.get(CACHE_ENV, "")
    if where.lower() == "off":
        return None
    return Path(where) if where else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "talentkit"


def generated(size: str = "default", seed: int = 0, language: str = "en") -> dict[str, pd.DataFrame]:
    """:func:`generate`'s tables, kept on disk after the first call so each notebook of a batch
    does not draw the same company again (about 1 s of the 2 a load takes). The file is named
    after everything the tables depend on (this module's source, the arguments, numpy's and
    pandas' versions), so a change to any of them draws anew; it is a pickle, which keeps every
    dtype exactly, in a folder only its owner may write. A cache that cannot be read or
    written is passed over."""
    folder = cache_folder()
    if folder is None:
        return generate(size, seed, language)
    key = hashlib.sha256(b"\0".join([Path(__file__).read_bytes(), f"{size}/{seed}/{language}".encode(),
                                      np.__version__.encode(), pd.__version__.encode()])).hexdigest()[:24]
    path = folder / f"synthetic-{key}.pkl"
    try:
        if path.is_file() and path.stat().st_uid == os.getuid() and not path.stat().st_mode & 0o022:
            with path.open("rb") as fh:
                return pickle.load(fh)
    except Exception:  # noqa: BLE001 -- a truncated or foreign file: drawn again below, and the file replaced
        pass
    tables = generate(size, seed, language)
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = folder / f".{path.name}.{os.getpid()}.tmp"
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600), "wb") as fh:
            pickle.dump(tables, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # whole or not at all, also when two kernels write at once
    except OSError:
        pass
    return tables


def generate(size: str = "default", seed: int = 0, language: str = "en") -> dict[str, pd.DataFrame]:
    """Generate the seven tables of a talent network. Same ``size`` and ``seed``, same tables.
    ``language="zh"`` writes the texts in Chinese (same writers, labels and draws)."""
    if language not in ("en", "zh"):
        raise ParameterError(f"language must be en or zh, not {language!r}")
    n_start, n_hires, n_ret_texts, n_att_texts = size_counts(size)
    rng = np.random.default_rng(seed)
    regions = list(REGIONS)
    split = _team_split(size, n_start + n_hires)
    teams = [(r, f"{r} {t}" + (f" {k + 1:02d}" if split > 1 else "")) for r in regions for t in REGIONS[r]["teams"]
             for k in range(split)]
    team_names = [t for _, t in teams]
    team_region = np.array([r for r, _ in teams])
    manager_quality = rng.normal(0, 1, len(teams))
    share = np.array([REGIONS[r]["share"] for r in regions])

    # --- people: those employed at the start, then hires spread over the months (growing)
    n = n_start + n_hires
    hire_month = np.concatenate([
        -rng.integers(1, 84, n_start),  # hired in the 7 years before the start
        np.sort(rng.choice(MONTHS, n_hires, p=np.linspace(0.7, 1.3, MONTHS) / np.linspace(0.7, 1.3, MONTHS).sum())),
    ])
    region_idx = rng.choice(len(regions), n, p=share / share.sum())
    team_idx = np.empty(n, dtype=int)
    for i, r in enumerate(regions):
        members = np.flatnonzero(region_idx == i)
        options = np.flatnonzero(team_region == r)
        team_idx[members] = rng.choice(options, len(members))
    skill = np.array([TEAM_SKILL[team_names[t].split(" ")[1]] if rng.random() < 0.65 else _pick(rng, SKILLS)
                      for t in team_idx])
    level_idx = rng.choice(len(LEVELS), n, p=LEVEL_HIRE_MIX)
    level_idx[:n_start] = np.minimum(level_idx[:n_start] + rng.integers(0, 2, n_start), 4)
    intl = np.array([REGIONS[regions[r]]["intl"] for r in region_idx])
    origin = np.where(rng.random(n) < intl, "international", "local")
    channel = np.array([CHANNELS[rng.choice(len(CHANNELS), p=np.array(REGIONS[regions[r]]["channels"]) /
                                            sum(REGIONS[regions[r]]["channels"]))] for r in region_idx])
    pay_band = np.array(PAY_BANDS)[rng.choice(3, n, p=PAY_MIX)]

    # --- months 0..MONTHS-1: exits and moves for everyone employed
    exit_month, exit_type, moves = _careers(rng, hire_month, region_idx, team_idx, level_idx, skill, pay_band,
                                            regions, team_region, team_names, manager_quality)

    ids = np.array([f"E{k:05d}" for k in rng.permutation(n) + 1])
    hire_dates = _month_date(rng, hire_month)
    exited = exit_month >= 0
    exit_dates = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    exit_dates[exited] = _month_date(rng, exit_month[exited])
    # an exit in the month of hire can fall before the hire day: keep it after
    exit_dates[exited] = np.maximum(exit_dates[exited].to_numpy(), (hire_dates[exited] + pd.Timedelta(days=14)).to_numpy())
    regretted = pd.Series(pd.NA, index=range(n), dtype="boolean")
    vol_idx = np.flatnonzero(exit_type == "voluntary")
    regretted[vol_idx] = rng.random(len(vol_idx)) < 0.25 + 0.1 * level_idx[vol_idx]
    regretted[np.flatnonzero(exit_type == "involuntary")] = False
    people = pd.DataFrame({
        "employee_id": ids, "hire_date": hire_dates, "exit_date": exit_dates,
        "exit_type": pd.Series(exit_type).replace("", None), "regretted": regretted,
        "region": team_region[team_idx], "team": np.array(team_names)[team_idx],
        "level": np.array(LEVELS)[level_idx], "skill": skill, "origin": origin, "channel": channel,
        "pay_band": pay_band,
    })

    move_rows = pd.DataFrame(moves, columns=["idx", "month", "from_region", "to_region", "from_team", "to_team", "kind"])
    move_dates = _month_date(rng, move_rows["month"].to_numpy())
    move_dates = np.maximum(move_dates.to_numpy(), (hire_dates[move_rows["idx"]] + pd.Timedelta(days=30)).to_numpy())
    moves_df = pd.DataFrame({"employee_id": ids[move_rows["idx"]], "date": move_dates}).join(
        move_rows[["from_region", "to_region", "from_team", "to_team", "kind"]])
    # a move dated after the person's exit (same month) would be impossible: drop it
    ex = people.set_index("employee_id")["exit_date"]
    moves_df = moves_df[~(moves_df["date"] >= moves_df["employee_id"].map(ex))]

    sessions, attendance = _sessions(rng, people, hire_month, exit_month)
    candidates = _candidates(rng, people.iloc[n_start:])
    texts = _texts(rng, people, n_ret_texts, n_att_texts, candidates, language)
    # pulse comments, e-mail and review metadata: each on its own generator, the tables above unchanged
    pulse, interactions = (_pulse(np.random.default_rng([seed, 1]), people, hire_month, exit_month, language),
                           _interactions(np.random.default_rng([seed, 2]), people, hire_month, exit_month))
    texts = pd.concat([texts, pulse], ignore_index=True)
    moves_df = moves_df.sort_values(["date", "employee_id"], kind="stable").reset_index(drop=True)
    return {"people": people.sort_values("employee_id").reset_index(drop=True), "moves": moves_df, "sessions": sessions,
            "attendance": attendance, "candidates": candidates, "texts": texts, "interactions": interactions}


def size_counts(size: str) -> tuple[int, int, int, int]:
    """(employed at the start, hires over the period, retention texts, attraction texts) of a
    size: a name of :data:`SIZES`, or a people count (``"30k"``, ``"1.5k"``, ``"100000"``)
    that scales the default company (texts scaled too, at most the large size's)."""
    if size in SIZES:
        return SIZES[size]
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(k?)", str(size))
    people = round(float(m.group(1)) * (1000 if m.group(2) else 1)) if m else 0
    if people < 100:
        raise ParameterError(f"size must be one of {', '.join(SIZES)} or a people count of at least 100 "
                             f"(e.g. 30k, 100000), not {size!r}")
    start, hires, ret, att = SIZES["default"]
    scale = people / (start + hires)
    n_start = round(start * scale)
    return (n_start, people - n_start, min(round(ret * scale), SIZES["large"][2]),
            min(round(att * scale), SIZES["large"][3]))


def _team_split(size: str, people: int) -> int:
    """Sub-teams per team: 1 for the named sizes, else enough for about PEOPLE_PER_TEAM each."""
    if size in SIZES:
        return 1
    teams = sum(len(r["teams"]) for r in REGIONS.values())
    return max(1, round(people / (teams * PEOPLE_PER_TEAM)))


def _careers(rng, hire_month, region_idx, team_idx, level_idx, skill, pay_band, regions, team_region, team_names,
             manager_quality):
    """Month by month, who leaves (voluntary or not, by the hazards above) and who moves
    (promotion, transfer, relocation); ``region_idx``, ``team_idx`` and ``level_idx`` are
    updated in place as people move. Returns exit months (-1: still employed), exit types
    and the moves."""
    n = len(hire_month)
    exit_month = np.full(n, -1)
    exit_type = np.full(n, "", dtype=object)
    moves = []
    static = (np.array([REGIONS[regions[r]]["turnover"] for r in region_idx])
              * np.array([SKILL_HAZARD[s] for s in skill])
              * np.array([PAY_HAZARD[p] for p in pay_band]))
    for m in range(MONTHS):
        active = np.flatnonzero((hire_month <= m) & (exit_month < 0))
        tenure_years = (m - hire_month[active]) / 12
        tenure_mult = np.where(tenure_years < 1, 0.8, np.where(tenure_years < 3, 1.3, 0.9))
        vol = (VOLUNTARY_BASE * static[active] * np.array(LEVEL_HAZARD)[level_idx[active]] * tenure_mult
               * np.exp(-MANAGER_EFFECT * manager_quality[team_idx[active]]))
        p_vol = 1 - np.exp(-vol / 12)
        p_inv = 1 - np.exp(-INVOLUNTARY_BASE / 12)
        u = rng.random(len(active))
        leaving_vol = active[u < p_vol]
        leaving_inv = active[(u >= p_vol) & (u < p_vol + p_inv)]
        exit_month[leaving_vol] = m
        exit_type[leaving_vol] = "voluntary"
        exit_month[leaving_inv] = m
        exit_type[leaving_inv] = "involuntary"
        stay = active[u >= p_vol + p_inv]
        movers = stay[rng.random(len(stay)) < MOVE_RATE / 12]
        for i in movers:
            kind = rng.choice(list(MOVE_KINDS), p=list(MOVE_KINDS.values()))
            old_team = team_idx[i]
            if kind == "promotion":
                if level_idx[i] == 4:
                    continue
                level_idx[i] += 1
                new_team = old_team
            else:
                same_region = team_region == team_region[old_team]
                pool = np.flatnonzero(same_region if kind == "transfer" else ~same_region)
                pool = pool[pool != old_team]
                if len(pool) == 0:
                    continue
                new_team = int(rng.choice(pool))
            moves.append((i, m, team_region[old_team], team_region[new_team], team_names[old_team],
                          team_names[new_team], kind))
            team_idx[i] = new_team
            region_idx[i] = regions.index(team_region[new_team])
    return exit_month, exit_type, moves


def _sessions(rng, people, hire_month, exit_month):
    """Monthly knowledge-sharing sessions per region, presented and attended by people employed then."""
    regions = people["region"].to_numpy()
    skills = people["skill"].to_numpy()
    ids = people["employee_id"].to_numpy()
    level = people["level"].str[1].astype(int).to_numpy()
    rows, att = [], []
    for m in range(MONTHS):
        active = np.flatnonzero((hire_month <= m) & ((exit_month < 0) | (exit_month > m)))
        for r in REGIONS:
            local = active[regions[active] == r]
            if len(local) < 5:
                continue
            k = rng.poisson(len(local) / 40)
            for _ in range(k):
                w = level[local].astype(float)
                presenter = int(rng.choice(local, p=w / w.sum()))
                sid = f"S{len(rows) + 1:05d}"
                topic = skills[presenter] if rng.random() < 0.8 else _pick(rng, SKILLS)
                rows.append((sid, m, ids[presenter], r, topic, bool(rng.random() < REGIONS[r]["recorded"])))
                n_att = min(len(active) - 1, 3 + rng.poisson(8))
                n_far = rng.binomial(n_att, 0.2)
                near = local[local != presenter]
                far = active[regions[active] != r]
                chosen = list(rng.choice(near, min(len(near), n_att - n_far), replace=False))
                if len(far):
                    chosen += list(rng.choice(far, min(len(far), n_far), replace=False))
                att += [(sid, ids[c]) for c in chosen]
    sessions = pd.DataFrame(rows, columns=["session_id", "month", "presenter_id", "region", "topic", "recorded"])
    sessions.insert(1, "date", _month_date(rng, sessions["month"].to_numpy()))
    sessions = sessions.drop(columns="month")
    attendance = pd.DataFrame(att, columns=["session_id", "employee_id"])
    return sessions, attendance


INTERACTION_QUARTERS = 8  # the last two years carry e-mail and review metadata
CONTACTS = {"email": 3.0, "review": 1.0}  # contacts a person has a quarter, on average, by channel
EXTERNAL_SHARE = 0.02  # ties with someone outside the company (a partner, a candidate)
SELF_SHARE = 0.002  # a message to oneself, as real exports hold
REPLY_SHARE = {"email": 0.6, "review": 0.3}  # ties answered in the same quarter


def _interactions(rng, people: pd.DataFrame, hire_month, exit_month) -> pd.DataFrame:
    """Quarterly e-mail and code-review ties between people employed in the quarter: mostly
    within the team (review more so), some within the region, a few anywhere; a weight of
    messages or reviews; a few ties with external people and to oneself, as exports hold."""
    team, region = people["team"].to_numpy(), people["region"].to_numpy()
    ids = people["employee_id"].to_numpy()
    rows = []
    for q in range(MONTHS // 3 - INTERACTION_QUARTERS, MONTHS // 3):
        first, last = 3 * q, 3 * q + 2
        active = np.flatnonzero((hire_month <= last) & ((exit_month < 0) | (exit_month >= first)))
        for channel, mean in CONTACTS.items():
            senders = np.repeat(active, rng.poisson(mean, len(active)))
            reach = rng.random(len(senders))
            within = reach < (0.75 if channel == "review" else 0.55)
            regional = ~within & (reach < 0.9)
            recipients = active[rng.integers(0, len(active), len(senders))]
            for mask, key in ((within, team), (regional, region)):
                order = active[np.argsort(key[active], kind="stable")]
                keys = key[order]
                lo = np.searchsorted(keys, key[senders[mask]], side="left")
                hi = np.searchsorted(keys, key[senders[mask]], side="right")
                pick = (rng.random(mask.sum()) * (hi - lo)).astype(int)
                pick = np.where(order[lo + pick] == senders[mask], (pick + 1) % (hi - lo), pick)  # not oneself
                recipients[mask] = order[lo + pick]
            to = ids[recipients].astype(object)
            external = rng.random(len(senders)) < EXTERNAL_SHARE
            to[external] = [f"X{k:05d}" for k in rng.integers(1, 3000, external.sum())]
            oneself = rng.random(len(senders)) < SELF_SHARE
            to[oneself] = ids[senders[oneself]]
            weight = 1 + rng.poisson(6 if channel == "email" else 2, len(senders))
            part = pd.DataFrame({"sender_id": ids[senders], "recipient_id": to,
                                 "date": _month_date(rng, rng.integers(first, last + 1, len(senders))),
                                 "weight": weight.astype(float), "channel": channel})
            replied = (rng.random(len(part)) < REPLY_SHARE[channel]) & ~external & ~oneself
            back = part[replied].rename(columns={"sender_id": "recipient_id", "recipient_id": "sender_id"})
            rows += [part, back.assign(weight=1.0 + rng.poisson(3, len(back)))]
    out = pd.concat(rows, ignore_index=True)
    return out.sort_values(["date", "sender_id", "recipient_id"], kind="stable").reset_index(drop=True)


def _candidates(rng, hires: pd.DataFrame) -> pd.DataFrame:
    """A recruiting funnel behind each hire: applicants who stopped at each stage, and declined offers."""
    decline = {"referral": 0.12, "campus": 0.25, "recommendation": 0.15, "conference": 0.22, "partner": 0.18,
               "community": 0.20, "job_board": 0.30}
    applied_extra = {"job_board": 2.0, "campus": 1.5}
    rows = []
    for h in hires.itertuples(index=False):
        p_decline = min(0.6, decline[h.channel] + (0.12 if h.origin == "international" else 0.0))
        counts = {"hired": 1, "offer": rng.poisson(p_decline / (1 - p_decline)), "interview": rng.poisson(2.5),
                  "screen": rng.poisson(4), "applied": rng.poisson(6 * applied_extra.get(h.channel, 1.0))}
        for stage, k in counts.items():
            for _ in range(k):
                origin = h.origin if rng.random() < 0.8 else ("local" if h.origin == "international" else "international")
                lag = int(rng.integers(20, 120))
                rows.append((h.channel, origin, h.region, h.skill, h.hire_date - pd.Timedelta(days=lag), stage,
                             stage == "offer"))
    df = pd.DataFrame(rows, columns=["channel", "origin", "region", "skill", "applied_date", "reached", "offer_declined"])
    df = df.sort_values("applied_date", kind="stable").reset_index(drop=True)
    df.insert(0, "candidate_id", [f"C{k:06d}" for k in range(1, len(df) + 1)])
    return df


def _sentence(rng, aspect: str, positive: bool, language: str = "en") -> str:
    zh = language == "zh"
    if rng.random() < 0.25:
        i = int(rng.integers(len(_NEGATED[positive])))
        return (_NEGATED_ZH if zh else _NEGATED)[positive][i].format(a=_ASPECTS_ZH[aspect] if zh else aspect)
    i = int(rng.integers(len(_PHRASES[aspect][0 if positive else 1])))
    return (_PHRASES_ZH if zh else _PHRASES)[aspect][0 if positive else 1][i]


def _filler(rng, language: str) -> str:
    i = int(rng.integers(len(_FILLER)))
    return (_FILLER_ZH if language == "zh" else _FILLER)[i]


def _join(parts: list[str], language: str) -> str:
    """Sentences into one comment: capitalised with full stops, or with Chinese full stops."""
    if language == "zh":
        return "".join(p if p.endswith("。") else p + "。" for p in parts if p)
    return " ".join(p[0].upper() + p[1:] + ("" if p.endswith(".") else ".") for p in parts if p)


def _texts(rng, people: pd.DataFrame, n_ret: int, n_att: int, candidates: pd.DataFrame,
           language: str = "en") -> pd.DataFrame:
    """Comments whose wording reflects latent aspects; labels come from those aspects plus noise."""
    names = list(ASPECTS)
    rows = []
    for task, n, pool, idcol, labels in (
        ("retention", n_ret, people["employee_id"].to_numpy(), "employee_id", ("stayed", "left")),
        ("attraction", n_att, candidates["candidate_id"].to_numpy(), "candidate_id", ("accepted", "declined")),
    ):
        weight = np.array([ASPECTS[a][0 if task == "retention" else 1] for a in names])
        for _ in range(n):
            mood = rng.normal(0, 0.8)  # a person's general outlook tilts every aspect they mention
            k = int(rng.integers(1, 4))
            chosen = rng.choice(len(names), k, replace=False, p=weight / weight.sum())
            signs = np.where(rng.normal(mood, 1, k) > 0, 1, -1)
            z = float((weight[chosen] * signs).sum() + rng.normal(0, 0.7))
            positive = z > 0
            if rng.random() < TEXT_LABEL_NOISE:
                positive = not positive
            parts = [_sentence(rng, names[c], s > 0, language) for c, s in zip(chosen, signs)]
            parts.insert(int(rng.integers(0, len(parts) + 1)), _filler(rng, language))
            text = _join(parts, language)
            rows.append({"text": text, "label": labels[0] if positive else labels[1], "task": task,
                         idcol: _pick(rng, pool)})
    df = pd.DataFrame(rows, columns=["text", "label", "task", "employee_id", "candidate_id"])
    return df


def _pulse(rng, people: pd.DataFrame, hire_month, exit_month, language: str = "en") -> pd.DataFrame:
    """Comments of a pulse survey at ``PULSE_MONTH``: a share ``PULSE_RESPONSE`` of the people
    employed then each write one; those who leave within the next 12 months write in a mood
    ``PULSE_MOOD_SHIFT`` darker. Labelled with that outcome (``left`` / ``stayed``)."""
    names = list(ASPECTS)
    weight = np.array([ASPECTS[a][0] for a in names])
    employed = np.flatnonzero((hire_month <= PULSE_MONTH) & ((exit_month < 0) | (exit_month >= PULSE_MONTH)))
    writers = employed[rng.random(len(employed)) < PULSE_RESPONSE]
    rows = []
    for i in writers:
        leaves = PULSE_MONTH <= exit_month[i] < PULSE_MONTH + 12
        mood = rng.normal(PULSE_MOOD_SHIFT if leaves else 0.0, 0.8)
        k = int(rng.integers(1, 4))
        chosen = rng.choice(len(names), k, replace=False, p=weight / weight.sum())
        signs = np.where(rng.normal(mood, 1, k) > 0, 1, -1)
        parts = [_sentence(rng, names[c], s > 0, language) for c, s in zip(chosen, signs)]
        parts.insert(int(rng.integers(0, len(parts) + 1)), _filler(rng, language))
        rows.append({"text": _join(parts, language),
                     "label": "left" if leaves else "stayed", "task": "pulse",
                     "employee_id": people["employee_id"].iloc[i], "candidate_id": None})
    return pd.DataFrame(rows, columns=["text", "label", "task", "employee_id", "candidate_id"])


def write(tables: dict[str, pd.DataFrame], out: str | Path) -> Path:
    """Write tables as UTF-8 CSV: ISO dates, ``true``/``false``, blanks for missing. Deterministic bytes."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df = df.copy()
        for col in df.columns:
            if pd.api.types.is_datetime64_any_dtype(df[col]):
                df[col] = df[col].dt.strftime("%Y-%m-%d")
            elif pd.api.types.is_bool_dtype(df[col]) or str(df[col].dtype) == "boolean":
                df[col] = df[col].map({True: "true", False: "false"})
        df.to_csv(out / f"{name}.csv", index=False, lineterminator="\n")
    return out
