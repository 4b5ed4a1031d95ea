"""Every error the kit raises on purpose: one base class, :class:`TalentkitError`.

Each message says what is wrong, where (file, row, column, key) and how to fix it. The
classes also derive from the built-in error a caller would expect (``ValueError`` for bad
input, ``OSError`` for a model that cannot be read), so ``except ValueError`` still works.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_LISTED = 60  # problems listed in a DataError message; the rest are counted
# Columns whose values identify a person or are their words: never in a message that can
# reach a report, an executed notebook or run.json (see Problem.describe).
PRIVATE_COLUMNS = {"employee_id", "candidate_id", "presenter_id", "text"}


class TalentkitError(Exception):
    """Base of every error the kit raises on purpose."""


def short_text(value: object, width: int = 40) -> str:
    """``value`` as text of at most ``width`` characters, for a message."""
    s = str(value)
    return s if len(s) <= width else s[: width - 3] + "..."


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the data: where it is, what is wrong, and how to fix it."""

    file: str
    what: str
    fix: str
    row: int | None = None
    column: str | None = None
    value: object = None

    def __str__(self) -> str:
        return self.describe(show_private=False)

    def describe(self, show_private: bool = False) -> str:
        """One line: file:row: column 'x' value 'y': what; fix. The values of id and text
        columns are left out unless ``show_private`` (a console may show them; anything that
        can reach a report, a notebook or run.json may not): the file and line find the row."""
        where = self.file if self.row is None else f"{self.file}:{self.row}"
        parts = [where]
        if self.column is not None:
            col = f"column '{self.column}'"
            if self.value is not None:
                if self.column in PRIVATE_COLUMNS and not show_private:
                    col += " (value not shown: see the file at that line)"
                else:
                    col += f" value '{short_text(self.value)}'"
            parts.append(col)
        return ": ".join(parts) + f": {self.what}; {self.fix}"


def problems_by_value(bad, file: str, column: str, what: str, fix: str) -> list[Problem]:
    """One problem per distinct bad value of ``bad`` (a pandas Series indexed by the file's
    line), with how many rows hold it and the first row, not one per row: a value written
    differently is one fix, however many rows it is on."""
    out = []
    for value, rows in bad.groupby(bad.astype("string"), sort=False, dropna=False).groups.items():
        count = f" ({len(rows):,} rows, the first here)" if len(rows) > 1 else ""
        out.append(Problem(file, what + count, fix, int(min(rows)), column, value))
    return out


class DataError(TalentkitError, ValueError):
    """Raised with every problem found in a dataset, one line each."""

    def __init__(self, problems: list[Problem], source: str = ""):
        self.problems = list(problems)
        self.source = source
        super().__init__(self._message())

    def _message(self, show_private: bool = False) -> str:
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in dataset {self.source}".rstrip()
        lines = [f"  {p.describe(show_private)}" for p in self.problems[:MAX_LISTED]]
        if n > MAX_LISTED:
            lines.append(f"  ... and {n - MAX_LISTED} more of the same kinds")
        return head + ":\n" + "\n".join(lines)

    def console_message(self) -> str:
        """The message with id values shown, for a person at the console (``data check``)."""
        return self._message(show_private=True)


class ParameterError(TalentkitError, ValueError):
    """A parameter that cannot be used as given (a region not in the data, an unknown
    scenario); the message lists what would work."""


class YAMLFileError(TalentkitError, ValueError):
    """A YAML file that cannot be used as written; the message names the file and the fix."""


class SmallGroupError(TalentkitError, ValueError):
    """An analysis was asked about one group smaller than ``min_group``: it is not published."""


class PrivacyError(TalentkitError, ValueError):
    """A table about groups of people that did not pass the suppression gate was about to be
    shown, drawn or recorded."""


class RunError(TalentkitError):
    """A run file or its jobs cannot run as written; the message says where and how to fix."""


class RunJSONError(TalentkitError, ValueError):
    """A run.json that cannot be read as the runner writes it: the message names the file,
    the field and the fix."""


class KernelTrouble(TalentkitError, RuntimeError):
    """A job's kernel failed to start or died: worth another try, perhaps on another worker."""


class TextDataError(TalentkitError, ValueError):
    """The text table cannot be used as asked; the message says what to change."""


class ModelLoadError(TalentkitError, OSError):
    """A model name or path that cannot be loaded here; the message says how to point at a copy."""


class MissingExtraError(TalentkitError, ImportError):
    """A part of the kit that needs an optional extra (``talentkit[text]``, ``[cluster]``,
    ``[browser]``) was asked for where that extra is not installed."""


# The optional extras and what each brings (pyproject.toml's [project.optional-dependencies]).
EXTRAS = {"text": ("torch", "transformers", "accelerate", "sentence_transformers", "setfit", "peft"),
          "cluster": ("dask", "distributed"), "browser": ("selenium",)}


def require_extra(extra: str, what: str) -> None:
    """Stop ``what`` (a fine-tune, a Dask run ...) with one line naming the extra to install
    when one of ``extra``'s packages is missing."""
    from importlib.util import find_spec

    def absent(name: str) -> bool:
        try:
            return find_spec(name) is None
        except (ImportError, ValueError):  # a broken or blocked install counts as absent
            return True

    missing = [name for name in EXTRAS[extra] if absent(name)]
    if missing:
        raise MissingExtraError(f"{what} needs the {extra} extra ({', '.join(missing)} not installed): "
                                f"pip install 'talentkit[{extra}]' (make report and make test install every extra)")
