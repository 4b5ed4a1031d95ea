"""Bad rows set aside, never silently: counted by kind, limited, written only where asked.

Real exports hold a few rows that cannot be right (no hire date, an exit before the hire, a
date that is not one). With ``bad_rows: set_aside`` in the mapping such rows leave the
dataset instead of refusing it, under three rules:

* only problems tied to a row are set aside; a missing column, an unreadable file or an
  ambiguous date column still refuses the load;
* at most ``max_set_aside`` (default 1 %) of a table's rows: above it the load refuses with
  the count, since so many bad rows mean the export, not a few rows, is wrong;
* a person whose people row is set aside leaves every table (moves, attendance, sessions
  presented, texts, interactions, participants), so no table counts someone another has dropped.

Every report's header says how many rows of which table were set aside and why
(:meth:`SetAside.summary`), by kind and count only. The rows themselves, which hold raw
values, go only to a file the user names (``talentkit data check --set-aside-to FILE``).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from ..core.errors import Problem

PERSON_COLUMNS = (("moves", "employee_id"), ("attendance", "employee_id"), ("sessions", "presenter_id"),
                  ("texts", "employee_id"), ("interactions", "sender_id"), ("interactions", "recipient_id"),
                  ("participants", "employee_id"))
WITH_PERSON = "its person's people row was set aside"  # or its session's presenter's


def kind_of(problem: Problem) -> str:
    """A problem's kind, as counted in the summary: ``without hire_date``, ``with an exit
    before the hire``, ``hire_date not a date``..."""
    what, column = problem.what, problem.column or "a column"
    if what.startswith("required value is empty"):
        return f"without {column}"
    if what.startswith("exit_date is before hire_date"):
        return "with an exit before the hire"
    if what.startswith("duplicate id"):
        return f"with a repeated {column}"
    if what.startswith("id not found"):
        return f"with a {column} not in people"
    if what == WITH_PERSON:
        return "with a person set aside"
    return f"{column}: " + re.sub(r"\s*\(.*?\)|\d[\d,.:-]*", "", what).strip()


RULE_LIMIT = 0.10  # share of a table a form's own rule may set aside (rows without a start or a day)


@dataclass
class SetAside:
    """The rows set aside while loading: one record per row (table, file, line, kinds and the
    row's raw values), and the share of each table allowed."""

    limit: float = 0.01
    active: bool = True  # bad_rows: set_aside (else only a form's own rules set rows aside)
    records: list = field(default_factory=list)
    sizes: dict = field(default_factory=dict)  # file -> rows read (each file is limited on its own)
    people_gone: set = field(default_factory=set)  # ids whose people rows were set aside

    def split(self, problems: list[Problem], files: dict[str, str]) -> tuple[dict, list[Problem]]:
        """``problems`` as ``{table: {line: [problems]}}`` for those tied to a row of a known
        table, and the rest (which refuse the load)."""
        table_of = {label: name for name, label in files.items()}
        by_row: dict = {}
        rest = []
        for p in problems:
            if p.row is not None and p.row > 1 and p.file in table_of:
                by_row.setdefault(table_of[p.file], {}).setdefault(int(p.row), []).append(p)
            else:
                rest.append(p)
        return by_row, rest

    def take(self, table: str, frame: pd.DataFrame, rows: dict, file: str, raw: pd.DataFrame | None,
             by_rule: bool = False) -> tuple[pd.DataFrame, list[Problem]]:
        """``frame`` without ``rows`` (``{line: [problems]}``), each recorded with ``raw``'s
        values; or ``frame`` unchanged and the refusal when the table's set-aside rows would
        exceed the limit. Rows a form's rule sets aside (``by_rule``: an assignment without its
        start) are limited too, to :data:`RULE_LIMIT` of the table with every other row set
        aside (or ``max_set_aside`` where larger): a history whose starts are mostly blank is
        refused, never read as a tenth of its people."""
        self.sizes.setdefault(file, len(frame))
        before = sum(1 for r in self.records if r["file"] == file and (by_rule or not r["by_rule"]))
        total = before + len(rows)
        allowed = (max(self.limit, RULE_LIMIT) if by_rule else self.limit) * self.sizes[file]
        if total > allowed:
            share = total / max(self.sizes[file], 1)
            return frame, [Problem(file, f"{total:,} of {self.sizes[file]:,} rows ({share:.1%}) cannot be read, more "
                                   f"than max_set_aside ({self.limit:.0%} of the table)",
                                   "correct the export (the problems above say where), or raise max_set_aside in the "
                                   "mapping file if that many bad rows are expected")]
        for line, found in sorted(rows.items()):
            self._record(table, file, line, found, raw, by_rule)
        if table == "people" and "employee_id" in frame.columns:
            gone = frame.loc[[r for r in rows if r in frame.index], "employee_id"]
            self.people_gone |= {str(v) for v in gone.dropna()}
        return frame.drop(index=[r for r in rows if r in frame.index]), []

    def _record(self, table: str, file: str, line: int, found: list[Problem], raw: pd.DataFrame | None,
                by_rule: bool = True) -> None:
        values = raw.loc[line].to_dict() if raw is not None and line in raw.index else {}
        self.records.append({"table": table, "file": file, "line": line, "kind": kind_of(found[0]), "by_rule": by_rule,
                             "problems": "; ".join(f"{p.column}: {p.what}" for p in found),
                             "values": "; ".join(f"{k}={v}" for k, v in values.items())})

    def with_people(self, tables: dict[str, pd.DataFrame], files: dict[str, str], raw: dict) -> None:
        """Drop, from every other table, the rows of people whose people row was set aside (in
        place), each recorded as ``with a person set aside``: before references are checked, so
        they are not counted again as ids not found."""
        gone = self.people_gone - {str(v) for v in tables["people"]["employee_id"]}  # a repeated id kept once stays
        sessions = tables.get("sessions")
        gone_sessions = set()
        if sessions is not None and "presenter_id" in sessions.columns:
            gone_sessions = set(sessions.loc[sessions["presenter_id"].astype(str).isin(gone), "session_id"])
        for name, column, ids in [(n, c, gone) for n, c in PERSON_COLUMNS] + [
                ("attendance", "session_id", gone_sessions)]:
            df = tables.get(name)
            if df is None or column not in df.columns or not ids:
                continue
            hit = df[column].astype(str).isin({str(i) for i in ids}) & df[column].notna()
            for line in df.index[hit]:
                self._record(name, files[name], int(line), [Problem(files[name], WITH_PERSON, "", line, column)],
                             raw.get(name, (None,))[0])
            tables[name] = df[~hit]

    def counts(self) -> dict[str, Counter]:
        """Rows set aside per table, by kind."""
        out: dict[str, Counter] = {}
        for r in self.records:
            out.setdefault(r["table"], Counter())[r["kind"]] += 1
        return out

    def summary(self) -> list[str]:
        """One line per table: ``19 people rows set aside: 6 without hire_date, 13 with an exit
        before the hire``. Counts and kinds only: no value of a row set aside."""
        lines = []
        for table, kinds in self.counts().items():  # in the order they were set aside: people first
            parts = ", ".join(f"{n:,} {kind}" for kind, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))
            total = sum(kinds.values())
            lines.append(f"{total:,} {table} row{'s' if total != 1 else ''} set aside: {parts}")
        return lines

    def frame(self) -> pd.DataFrame:
        """The rows set aside, with file and line, their problems and raw values: for
        ``talentkit data check --set-aside-to FILE`` only (it holds raw values)."""
        columns = ["table", "file", "line", "kind", "problems", "values"]
        return pd.DataFrame(self.records, columns=[*columns, "by_rule"])[columns]
