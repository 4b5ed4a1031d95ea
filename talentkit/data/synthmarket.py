"""The built-in company's talent market: conference author lists of a fictional field, with planted truth.

About 200 institutions in 20 countries (universities, institutes, companies' labs, the
company itself: :data:`COMPANY`), researchers whose careers move between them, and one
author list a year (one row per author per paper: ``author``, ``paper``, ``year``,
``affiliation``, ``venue``, ``topic``), written as a real export writes it:

- **aliases**: an institution written several ways (``Univ. of Lyon``, ``U. Lyon``, ``THE
  UNIVERSITY OF LYON``, ``Dept. of Computer Science, University of Lyon``, an acronym such as
  ``LIT`` for ``Lyon Institute of Technology``, a city written without its accents);
- **several affiliations in one string** (``A / B``, ``A & B``, ``A; B``, ``A and B``) for
  researchers who hold two at once;
- **parents**: the labs of the large companies (``Helix Brain`` under ``Helix``), in a parent
  table the mapping names;
- **name collisions**: a few pairs of different researchers who share a name, at different
  institutions in the same years;
- **unknown countries**: the country table leaves out about a tenth of the institutions.

:func:`generate_market` returns the export and its truth (:class:`Market`): each string's
institution, each planted move (dated by the record after it), the collisions.
:func:`write_market` writes the files and the mapping that reads them. Names of people are
made up from common first and last names; the kit never shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

COMPANY = "Lumen AI"
YEARS = (2017, 2024)
SIZES = {"small": 700, "default": 2500}  # researchers
CITIES = {
    "US": ["Boston", "Austin", "Seattle", "Denver", "Chicago", "Atlanta", "Portland", "Phoenix", "Madison"],
    "CN": ["Beijing", "Shanghai", "Hangzhou", "Nanjing", "Wuhan", "Chengdu", "Xiamen"],
    "GB": ["Oxford", "Leeds", "Bristol", "Glasgow", "York", "Cardiff"],
    "CA": ["Toronto", "Montréal", "Waterloo", "Calgary", "Halifax"],
    "DE": ["Tübingen", "Munich", "Berlin", "Bonn", "Dresden"],
    "FR": ["Lyon", "Grenoble", "Nantes", "Lille", "Rennes"],
    "CH": ["Zürich", "Geneva", "Basel", "Lugano"],
    "JP": ["Tokyo", "Kyoto", "Osaka", "Sendai"],
    "KR": ["Seoul", "Daejeon", "Busan", "Pohang"],
    "IN": ["Delhi", "Chennai", "Pune", "Kanpur"],
    "IL": ["Haifa", "Rehovot", "Jerusalem"],
    "SG": ["Singapore", "Jurong"],
    "AU": ["Sydney", "Perth", "Adelaide", "Brisbane"],
    "NL": ["Delft", "Leiden", "Utrecht", "Eindhoven"],
    "SE": ["Uppsala", "Lund", "Malmö"],
    "IT": ["Turin", "Padua", "Pisa", "Trento"],
    "ES": ["Madrid", "Valencia", "Bilbao"],
    "BR": ["São Paulo", "Campinas", "Recife"],
    "TW": ["Taipei", "Hsinchu", "Tainan"],
    "PL": ["Kraków", "Warsaw", "Gdańsk"],
}
COMPANIES = {"US": ["Helix Inc.", "Orbital Labs", COMPANY], "CN": ["Pangu Technologies"], "GB": ["Quill AI"],
             "FR": ["Mistral Labs"], "KR": ["Hanbit AI"], "CA": ["Cohere Point AI"]}
PARENT_LABS = {"Helix Inc.": ["Helix Brain", "Helix DeepLab"], "Pangu Technologies": ["Pangu Research"]}
SECTOR_ALIASES = {"Helix Brain": "industry", "Helix DeepLab": "industry"}  # the alias table's sector, where no word says
VENUES = ("NeurIPS", "ICML", "ICLR")
TOPICS = ("learning theory", "vision", "language", "reinforcement learning", "robotics", "safety")
FIRST = ["Alex", "Sam", "Wei", "Li", "Maria", "Anna", "Jun", "Priya", "Omar", "Elena", "Yuki", "Min", "David",
         "Sara", "Chen", "Ivan", "Lucas", "Noor", "Mei", "Arjun", "Hana", "Tomas", "Leila", "Jonas", "Ana", "Ravi",
         "Ines", "Kenji", "Zara", "Felix", "Nadia", "Hugo", "Lea", "Pavel", "Rosa", "Aiko", "Ben", "Clara", "Dan",
         "Eva", "Finn", "Gita", "Hao", "Ida", "Jae", "Kai", "Luis", "Mia", "Nils", "Olga"]
LAST = ["Smith", "Wang", "Li", "Zhang", "Kim", "Park", "Garcia", "Müller", "Rossi", "Sato", "Singh", "Cohen",
        "Silva", "Nguyen", "Chen", "Liu", "Novak", "Kowalski", "Jensen", "Dubois", "Martin", "Brown", "Lee",
        "Tanaka", "Suzuki", "Patel", "Khan", "Ivanova", "Popescu", "Horvat", "Berg", "Lund", "Costa", "Ferrari",
        "Moreau", "Fischer", "Weber", "Schulz", "Yamamoto", "Choi", "Jung", "Das", "Shah", "Levi", "Mizrahi",
        "Santos", "Oliveira", "Lopez", "Perez", "Romero", "Torres", "Ruiz", "Hughes", "Evans", "Reed", "Ward",
        "Gray", "Wood", "Hill", "Shaw"]
MOVE_RATE = 0.09  # a researcher's chance a year of changing institution
TO_INDUSTRY = 0.45  # of an academic's moves, the share to a company (the planted academia -> industry drift)
OUR_PULL = 0.25  # of moves to a company from a US, CA or GB university, the share to the company itself
DUAL = 0.05  # researchers who hold two affiliations at once (written in one string)
COLLISIONS = 0.01  # researchers given the name of another researcher at another institution
UNKNOWN_COUNTRY = 0.1  # institutions the country table leaves out
SEPARATORS = (" / ", " & ", "; ", " and ")
LEAD_RATE = 0.35  # a researcher's chance a year of leading a paper


@dataclass
class Market:
    """The built-in market: the ``authors`` export, the ``institutions`` (name, country, sector,
    parent), the ``countries`` and ``parents`` tables as given to the kit, and the truth:
    ``canonical`` (each affiliation string -> its institution; parents not rolled up),
    ``moves`` (researcher, year, from_institution, to_institution; each dated by the record
    after it), ``names`` (researcher -> name) and ``collided`` (the researchers whose name
    another shares)."""

    authors: pd.DataFrame
    institutions: pd.DataFrame
    countries: pd.DataFrame
    parents: pd.DataFrame
    canonical: dict
    moves: pd.DataFrame
    names: pd.Series
    collided: set


def institutions(seed: int = 0, extra: int = 0) -> pd.DataFrame:
    """The institutions: per city a university, in some cities an institute of technology,
    the companies and their labs, and ``extra`` small universities more (a whole field's long
    tail, for the benchmarks); ``name``, ``country``, ``sector``, ``parent``, ``size`` (a weight)."""
    rng = np.random.default_rng(seed)
    places = [(c, city) for c, names in CITIES.items() for city in names]
    rows = [(f"University of {places[k % len(places)][1]} at Site {k}", places[k % len(places)][0], "academia", "",
             0.05 + 0.2 * rng.random()) for k in range(extra)]
    for country, cities in CITIES.items():
        for k, city in enumerate(cities):
            rows.append((f"University of {city}", country, "academia", "", 1.0 + 2.0 * rng.random()))
            if k % 2 == 0:
                rows.append((f"{city} Institute of Technology", country, "academia", "", 0.6 + rng.random()))
            if k % 3 == 1:
                rows.append((f"{city} Polytechnic School", country, "academia", "", 0.4 + rng.random()))
            if k % 3 == 2:
                rows.append((f"{city} Institute for Advanced Study", country, "academia", "", 0.3 + rng.random()))
        for company in COMPANIES.get(country, []):
            rows.append((company, country, "industry", "", 1.5 if company == COMPANY else 0.8 + rng.random()))
            rows += [(lab, country, "industry", company, 0.8) for lab in PARENT_LABS.get(company, [])]
    return pd.DataFrame(rows, columns=["name", "country", "sector", "parent", "size"])


def _plain_city(name: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))


def spellings(name: str, country: str, acronym_ok: bool) -> list[str]:
    """The ways the export writes one institution: its name first, then its planted variants."""
    out = [name]
    if name.startswith("University of "):
        city = name.removeprefix("University of ")
        out += [f"Univ. of {city}", f"U. {city}", f"The University of {city}", name.upper(),
                f"Dept. of Computer Science, {name}"]
    elif name.endswith("Institute of Technology"):
        out += [f"The {name}", f"{name}."]
        if acronym_ok:
            out.append("".join(w[0] for w in name.split() if w != "of").upper())
    elif name.endswith("Polytechnic School"):
        out += [name.upper(), f"{name} ({name.split()[0]})"]
    else:
        out += [name.upper(), f"{name}, {CITIES[country][0]}"]
    if _plain_city(name) != name:
        out.append(_plain_city(name))
    return list(dict.fromkeys(out))


def _acronyms_ok(names: pd.Series) -> pd.Series:
    """Whether an institution may be written as its acronym: no other name has its initials."""
    initials = names.map(lambda n: "".join(w[0] for w in n.split() if w.lower() not in ("of", "the")).upper())
    return ~initials.duplicated(keep=False)


def _careers(rng, inst: pd.DataFrame, n: int) -> np.ndarray:
    """Each researcher's institution (a row of ``inst``) in each year: a start weighted by size,
    then a move a year with :data:`MOVE_RATE`, academics drifting to companies."""
    years = YEARS[1] - YEARS[0] + 1
    weight = inst["size"].to_numpy() / inst["size"].sum()
    academic = np.flatnonzero(inst["sector"].to_numpy() == "academia")
    industry = np.flatnonzero(inst["sector"].to_numpy() == "industry")
    ours = int(np.flatnonzero(inst["name"].to_numpy() == COMPANY)[0])
    feeder = set(np.flatnonzero(inst["country"].isin(["US", "CA", "GB"]).to_numpy() & (inst["sector"] == "academia")
                                .to_numpy()))
    at = np.empty((n, years), dtype=np.int64)
    at[:, 0] = rng.choice(len(inst), n, p=weight)
    for y in range(1, years):
        at[:, y] = at[:, y - 1]
        for i in np.flatnonzero(rng.random(n) < MOVE_RATE):
            here = at[i, y]
            if here in set(academic) and rng.random() < TO_INDUSTRY:
                pool = industry
                if here in feeder and rng.random() < OUR_PULL:
                    pool = np.array([ours])
            else:
                pool = academic if rng.random() < 0.7 else industry
            pool = pool[pool != here]
            w = weight[pool] / weight[pool].sum()
            at[i, y] = rng.choice(pool, p=w)
    return at


def _names(rng, n: int, at: np.ndarray) -> tuple[np.ndarray, set]:
    """Unique names, then :data:`COLLISIONS` of the researchers given another's name, one at
    another institution in the first year."""
    combos = np.array([f"{a} {b}" for a in FIRST for b in LAST], dtype=object)
    if n > len(combos):
        combos = np.array([f"{c} {k}" for k in range(n // len(combos) + 1) for c in combos], dtype=object)
    names = rng.permutation(combos)[:n].copy()
    takers = rng.choice(n, max(1, int(COLLISIONS * n)), replace=False)
    collided = set()
    for i in takers:
        other = int(rng.integers(n))
        if other != i and at[other, 0] != at[i, 0] and other not in collided and i not in collided:
            names[i] = names[other]
            collided |= {int(i), other}
    return names, collided


def generate_market(size: str | int = "default", seed: int = 0, extra: int = 0) -> Market:
    """The built-in market (see the module): ``size`` a name of :data:`SIZES` or a number of
    researchers; ``extra``: small universities more than the built-in ones (:func:`institutions`)."""
    rng = np.random.default_rng(seed)
    n = SIZES[size] if isinstance(size, str) else int(size)
    inst = institutions(seed, extra)
    at = _careers(rng, inst, n)
    names, collided = _names(rng, n, at)
    dual = np.where(rng.random(n) < DUAL, rng.integers(len(inst), size=n), -1)
    ok = _acronyms_ok(inst["name"])
    forms = {name: spellings(name, country, bool(a)) for name, country, a in zip(inst["name"], inst["country"], ok)}
    rows, first_year = [], YEARS[0]
    paper = 0
    for y in range(at.shape[1]):
        by_inst = pd.Series(np.arange(n)).groupby(at[:, y]).agg(list)
        for lead in np.flatnonzero(rng.random(n) < LEAD_RATE):
            k = 1 + rng.poisson(1.8)
            home = by_inst[at[lead, y]]
            mates = [int(rng.choice(home)) if rng.random() < 0.6 else int(rng.integers(n)) for _ in range(k)]
            paper += 1
            venue, topic = VENUES[rng.integers(len(VENUES))], TOPICS[rng.integers(len(TOPICS))]
            for who in dict.fromkeys([int(lead), *mates]):
                rows.append((who, f"P{paper:06d}", first_year + y, venue, topic))
    df = pd.DataFrame(rows, columns=["researcher", "paper", "year", "venue", "topic"])
    year_col = df["year"].to_numpy() - first_year
    home = at[df["researcher"].to_numpy(), year_col]
    written = [_written(rng, forms, inst, h, d) for h, d in zip(home, dual[df["researcher"].to_numpy()])]
    authors = pd.DataFrame({"author": names[df["researcher"].to_numpy()], "paper": df["paper"], "year": df["year"],
                            "affiliation": written, "venue": df["venue"], "topic": df["topic"]})
    canonical = {s: name for name, variants in forms.items() for s in variants}
    return Market(authors, inst, _country_table(rng, inst), _parent_table(inst), canonical,
                  _true_moves(df, at, inst), pd.Series(names), collided)


def _written(rng, forms: dict, inst: pd.DataFrame, home: int, dual: int) -> str:
    """One author row's affiliation string: the name most often, a variant otherwise, and both
    institutions in one string for a researcher who holds two."""
    def one(i: int) -> str:
        variants = forms[inst["name"].iat[i]]
        return variants[0] if rng.random() < 0.6 else variants[int(rng.integers(len(variants)))]

    if dual < 0 or dual == home:
        return one(home)
    names = [inst["name"].iat[home], inst["name"].iat[dual]]
    return SEPARATORS[int(rng.integers(len(SEPARATORS)))].join(names)


def _true_moves(df: pd.DataFrame, at: np.ndarray, inst: pd.DataFrame) -> pd.DataFrame:
    """Each researcher's change of institution between two years with records, dated by the later."""
    seen = df[["researcher", "year"]].drop_duplicates().sort_values(["researcher", "year"])
    prev = seen.groupby("researcher")["year"].shift()
    pairs = seen.assign(prev=prev).dropna()
    r, y, p = pairs["researcher"].to_numpy(), pairs["year"].to_numpy(), pairs["prev"].to_numpy().astype(int)
    before, after = at[r, p - YEARS[0]], at[r, y - YEARS[0]]
    moved = before != after
    names = inst["name"].to_numpy()
    return pd.DataFrame({"researcher": r[moved], "year": y[moved], "from_institution": names[before[moved]],
                         "to_institution": names[after[moved]]}).reset_index(drop=True)


def _country_table(rng, inst: pd.DataFrame) -> pd.DataFrame:
    known = (rng.random(len(inst)) >= UNKNOWN_COUNTRY) | (inst["name"] == COMPANY).to_numpy()
    return inst.loc[known, ["name", "country"]].rename(columns={"name": "institution"}).reset_index(drop=True)


def _parent_table(inst: pd.DataFrame) -> pd.DataFrame:
    labs = inst[inst["parent"] != ""]
    return labs[["name", "parent"]].rename(columns={"name": "institution"}).reset_index(drop=True)


CAMPUS_CHANNELS = ("campus", "conference", "partner")  # the channels whose candidates come from a university
HIRING_FEEDERS = ("US", "CA", "GB")  # where the company mostly recruits: the market's talent is wider


def with_institutions(candidates: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """The built-in company's candidates with the university each campus, conference or partner
    candidate came from (``institution``; others empty): mostly the company's home markets'
    universities, so 08 can set where the talent is against where the company hires. Drawn
    from a generator of its own, so no other column of the company changes."""
    rng = np.random.default_rng([seed, 48])
    inst = institutions(seed)
    academic = inst[inst["sector"] == "academia"]
    weight = academic["size"].to_numpy() * np.where(academic["country"].isin(HIRING_FEEDERS), 6.0, 1.0)
    chosen = rng.choice(academic["name"].to_numpy(), len(candidates), p=weight / weight.sum())
    out = candidates.copy()
    campus = candidates["channel"].astype(str).isin(CAMPUS_CHANNELS).to_numpy()
    out["institution"] = pd.Series(chosen, index=out.index).where(campus)
    return out


MAPPING = {"form": "authors", "file": "authors.csv", "name": "author", "work": "paper", "year": "year",
           "affiliation": "affiliation", "venue": "venue", "topic": "topic", "countries": "countries.csv",
           "parents": "parents.csv", "aliases": "aliases.csv"}


def write_market(folder: str | Path, size: str | int = "default", seed: int = 0, extra: int = 0) -> Path:
    """The built-in market written as its export (``authors.csv``), its country and parent
    tables, and the mapping that reads them; returns the mapping's path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    m = generate_market(size, seed, extra)
    m.authors.to_csv(folder / "authors.csv", index=False)
    m.countries.to_csv(folder / "countries.csv", index=False)
    m.parents.to_csv(folder / "parents.csv", index=False)
    pd.DataFrame({"string": list(SECTOR_ALIASES), "institution": list(SECTOR_ALIASES),
                  "sector": list(SECTOR_ALIASES.values())}).to_csv(folder / "aliases.csv", index=False)
    path = folder / "research.yaml"
    path.write_text(yaml.safe_dump(MAPPING, sort_keys=False), encoding="utf-8")
    return path
