r"""Institutions resolved from the affiliation strings of public research records, by stated rules.

Every rule works on the distinct strings of an export, never on a list the kit carries, and
every merge it makes is one row of the **alias table** (``string``, ``institution``,
``rule``, ``rows``) that a user reads, edits and passes back (``aliases:``):

1. **split** (:func:`split_affiliations`): a string naming several institutions is split at
   ``/`` and ``;``; at `` & `` (spaces round it: *Texas A&M* stays whole) where one side
   names an institution (*William & Mary* stays whole); and at `` and `` where both sides do.
   A side names an institution when it holds an institution word (*University*, *Institute*,
   *Lab*, *Research*, *Inc*...) or the export writes it alone elsewhere;
2. **part** (:func:`institution_part`): a comma-separated string loses its department parts
   (*Dept. of CS, Stanford University* -> *Stanford University*; *Department*, *School of*,
   *Faculty of*...), a legal suffix (``, Inc``) staying with the name before it; and *X, Y*
   reads as *X* where the export writes *X* alone elsewhere and *Y* holds no institution word
   (a place or a team: *Helix Brain, Boston*, *Google Research, Brain Team*);
3. **normalised** (:func:`normal_key`): one institution when the strings read the same after
   accents, case, punctuation and bracketed text are dropped, *Univ.* / *U.* / *Université* /
   *Universität* are read as *University*, *the*, *of*, *for*, *at*, *and*, *de* are dropped,
   and so is a legal suffix at the end (*Inc*, *Ltd*, *Corporation*, *GmbH*);
4. **acronym** (:func:`acronym_matches`): a string of capitals (*CMU*, *M.I.T.*) is the full
   name in the same data whose initials it is (*Carnegie Mellon University*), only when exactly
   one full name fits;
5. **institution id**: strings that carry one institution id (an OpenAlex export) are one;
6. **parent** (only with ``roll_up: parent`` and a parent table): a lab counts under its parent;
7. **user**: a row of the user's alias table wins over every rule above.

A string nothing merged reads ``as written``. **Sector** comes from :data:`SECTOR_WORDS`, in
their order (the first that fits wins), or from the alias table's ``sector`` column; a name
no word fits is ``unknown``.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

AS_WRITTEN, SPLIT, PART, NORMALISED, ACRONYM, INSTITUTION_ID, PARENT, USER = (
    "as written", "split", "part", "normalised", "acronym", "institution id", "parent", "user")
RULES = (AS_WRITTEN, PART, NORMALISED, ACRONYM, INSTITUTION_ID, PARENT, USER)
UNKNOWN = "unknown"
INSTITUTION_WORDS = re.compile(
    r"\b(universit\w*|univ|institut\w*|college|school|polytechnic|ecole|école|academy|laborator\w*|labs?|research|"
    r"centre|center|inc|corp\w*|ltd|llc|gmbh|ag|foundation|hospital|ministry|agency|technologies|ai)\b\.?",
    re.IGNORECASE)
DEPARTMENT = re.compile(r"^\s*(dept\.?|department|school of|faculty of|division of|chair of|group)\b", re.IGNORECASE)
SECTORS = ("academia", "industry", "government", "non-profit")
SECTOR_WORDS = (  # (sector, words): read in this order, the first that fits a name's words wins
    ("government", r"national laborator\w*|national lab|ministry|government|agency|federal|national institutes? of"),
    ("non-profit", r"foundation|non-?profit|allen institute|society|association|trust"),
    ("academia", r"universit\w*|college|school|polytechnic|ecole|école|eth|academy|institute of technology"),
    ("industry", r"inc|corp\w*|ltd|llc|gmbh|company|technologies|labs|ai|google|deepmind|microsoft|meta|facebook|"
                 r"amazon|apple|nvidia|ibm|openai|anthropic|baidu|tencent|alibaba|huawei|samsung|bytedance|intel|"
                 r"adobe|salesforce|sony|nec|research"),
    ("academia", r"institute|institut|centre|center|laborator\w*"),
)
_LEGAL_WORDS = {"inc", "ltd", "llc", "corp", "corporation", "gmbh", "co", "plc", "sa", "ag"}
_DROP = {"the", "of", "for", "at", "and", "de", "di", "du", "der", "des", "la", "le", "del", "in"}
_UNIVERSITY = {"univ", "u", "uni", "universite", "universitat", "universitaet", "universita", "universidad",
               "universidade", "universiteit", "universitet", "università", "université", "universität"}


def _plain(text: str) -> str:
    """Accents dropped (NFKD, combining marks out), case folded."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def normal_key(text: str) -> str:
    """The normalised rule's key of one string (see the module): strings with one key are one
    institution."""
    plain = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", _plain(str(text)).replace("&", " and "))
    words = [w for w in re.split(r"[^\w]+", plain) if w]
    words = ["university" if w in _UNIVERSITY else w for w in words if w not in _DROP]
    while len(words) > 1 and words[-1] in _LEGAL_WORDS:  # IBM Corporation, VMware Inc.: the company
        words.pop()
    return " ".join(words)


def is_acronym(text: str) -> bool:
    """Whether a string is an acronym: 2 to 8 capitals, dots between them allowed (``M.I.T.``)."""
    letters = str(text).strip().replace(".", "")
    return 2 <= len(letters) <= 8 and letters.isalpha() and letters.isupper()


def initials(key: str) -> str:
    """The initials of a normalised key's words (``carnegie mellon university`` -> ``cmu``)."""
    return "".join(w[0] for w in key.split())


def names_an_institution(text: str, known: set[str]) -> bool:
    """Whether ``text`` names an institution: an institution word in it, or written alone in the data."""
    return bool(INSTITUTION_WORDS.search(text)) or normal_key(text) in known


def split_affiliations(text: str, known: set[str]) -> list[str]:
    """The institutions one affiliation string names (the split rule of the module); ``known``:
    the normalised keys of strings the export writes alone."""
    out = []
    for part in (p.strip() for p in re.split(r"\s*/\s*|\s*;\s*", str(text)) if p.strip()):
        out += _split_at(part, AMPERSAND, known, both=False)
    return [p for p in out if p] or [str(text).strip()]


def _split_at(text: str, pattern: str, known: set[str], both: bool) -> list[str]:
    """``text`` split at ``pattern`` where one side (``both``: each side) names an institution;
    each piece then split at `` and `` where both sides do."""
    pieces = re.split(pattern, text)
    named = [names_an_institution(p, known) for p in pieces]
    if len(pieces) > 1 and (all(named) if both else any(named)):
        parts = [p.strip() for p in pieces]
    else:
        parts = [text.strip()]
    if pattern != AND:
        return [q for p in parts for q in _split_at(p, AND, known, both=True)]
    return parts


AMPERSAND, AND = r"\s+&\s+", r"\s+and\s+"
LEGAL = re.compile(r"^(inc|ltd|llc|corp|corporation|gmbh|co|plc|sa|ag)\.?$", re.IGNORECASE)


def institution_part(text: str) -> str:
    """A comma-separated string without its department parts (*Dept. of CS, Stanford University*
    -> *Stanford University*; the part rule of the module); a legal suffix (``, Inc``) stays
    with the name before it."""
    parts = [p.strip() for p in str(text).split(",") if p.strip()]
    if len(parts) < 2:
        return str(text).strip()
    glued: list[str] = []
    for part in parts:
        if glued and LEGAL.match(part):
            glued[-1] = f"{glued[-1]} {part}"
        else:
            glued.append(part)
    kept = [p for p in glued if not DEPARTMENT.search(p)] or glued
    return ", ".join(kept)


def acronym_matches(strings: pd.Series, keys: pd.Series) -> dict[str, str]:
    """Each acronym string's full-name key, where exactly one full-name key in the data has its
    initials (:func:`initials`); an acronym two full names fit is left alone."""
    full = pd.Series(keys[~strings.map(is_acronym)].unique())
    by_initials = full.groupby(full.map(initials)).agg(list)
    out = {}
    for text in strings[strings.map(is_acronym)].unique():
        fits = by_initials.get(str(text).replace(".", "").casefold(), [])
        if len(fits) == 1:
            out[text] = fits[0]
    return out


def sector_of(name: str) -> str:
    """An institution's sector by :data:`SECTOR_WORDS` (the first that fits), else ``unknown``."""
    plain = _plain(str(name))
    for sector, words in SECTOR_WORDS:
        if re.search(rf"\b({words})\b", plain):
            return sector
    return UNKNOWN


def resolve(parts: pd.Series, ids: pd.Series | None = None, user: pd.DataFrame | None = None,
            parents: dict[str, str] | None = None) -> pd.DataFrame:
    """The alias table of the distinct strings ``parts`` (each string as often as the export
    writes it): ``string``, ``institution``, ``rule``, ``rows``. ``ids``: each row's institution
    id (merges by id); ``user``: a user's alias table (``string``, ``institution``; it wins);
    ``parents``: institution -> parent (``roll_up: parent``)."""
    counts = pd.DataFrame({"string": parts.astype(str).str.strip().to_numpy(),
                           "id": (ids.astype("string") if ids is not None else pd.Series(pd.NA, index=parts.index))
                           .to_numpy()})
    table = counts.groupby("string", sort=True, dropna=False).agg(rows=("id", "size"), id=("id", "first")).reset_index()
    table["part"] = table["string"].map(institution_part)
    table["key"] = table["part"].map(normal_key)
    comma = table["part"].str.contains(",", regex=False)
    alone = set(table.loc[~comma, "key"])
    head = table.loc[comma, "part"].str.split(",").str[0].str.strip()
    rest = table.loc[comma, "part"].str.split(",", n=1).str[1]
    head_key = head.map(normal_key)
    place = head_key.isin(alone) & ~rest.map(lambda text: bool(INSTITUTION_WORDS.search(str(text))))
    place = place[place].index  # "Helix Brain, Boston": Helix Brain, written alone elsewhere
    table.loc[place, "part"], table.loc[place, "key"] = head[place], head_key[place]
    table["rule"] = np.where(table["part"] != table["string"], PART, AS_WRITTEN)
    acronyms = {normal_key(a): full for a, full in acronym_matches(table["part"], table["key"]).items()}
    is_acro = table["key"].isin(set(acronyms))  # every spelling of an acronym (KAIST, Kaist) follows it
    table.loc[is_acro, "key"] = table.loc[is_acro, "key"].map(acronyms)
    table.loc[is_acro, "rule"] = ACRONYM
    if ids is not None and table["id"].notna().any():
        table["key"] = table["id"].astype(object).where(table["id"].notna(), table["key"])
    # each key's name: the spelling written most, an acronym only when nothing else, then without
    # a leading "The", then the longest
    named = table.assign(short=table["rule"] == ACRONYM, the=table["part"].str.match(r"(?i)the\s"),
                         length=table["part"].str.len())
    named = named.sort_values(["key", "short", "rows", "the", "length", "part"],
                              ascending=[True, True, False, True, False, True])
    name_of = named.drop_duplicates("key").set_index("key")["part"]
    table["institution"] = table["key"].map(name_of)
    merged = (table["institution"] != table["string"]) & (table["rule"] == AS_WRITTEN)
    table.loc[merged, "rule"] = INSTITUTION_ID if ids is not None and table["id"].notna().any() else NORMALISED
    if parents:
        by_key = {normal_key(k): v for k, v in parents.items()}
        parent = table["institution"].map(lambda v: by_key.get(normal_key(v)))
        table.loc[parent.notna(), "rule"] = PARENT
        table["institution"] = parent.fillna(table["institution"])
    if user is not None and len(user):
        table = _user_rows(table, user)
    return table[["string", "institution", "rule", "rows", *[c for c in ("sector", "country") if c in table]]]


def _user_rows(table: pd.DataFrame, user: pd.DataFrame) -> pd.DataFrame:
    """The user's alias rows over the rules' (a row that agrees keeps its rule; one that differs
    or is new reads ``user``); their ``sector`` and ``country`` columns are kept."""
    given = user.assign(string=user["string"].astype(str).str.strip()).drop_duplicates("string", keep="last")
    given = given.set_index("string")
    hit = table["string"].isin(given.index)
    wanted = table.loc[hit, "string"].map(given["institution"].astype(str).str.strip())
    changed = wanted != table.loc[hit, "institution"]
    table.loc[hit, "institution"] = wanted
    table.loc[changed[changed].index, "rule"] = USER
    for extra in ("sector", "country"):
        if extra in given:
            table[extra] = table["string"].map(given[extra].astype("string").str.strip().replace("", pd.NA))
    return table
