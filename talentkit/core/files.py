"""Writes that cannot lose what was there: a whole new file or the old one, never half of one.

A report, an index, ``run.json`` or ``results.json`` is written to a new temporary file
in the same folder (created exclusively, so a symbolic link planted under its name is
never followed) and swapped in with :func:`os.replace`, which is atomic on one file system
and replaces a link at the target's name rather than the file it points to. A full disk or
a killed process leaves the previous file as it was, and the temporary file is removed.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

RESULTS_FILE = "results.json"  # in a job's folder: what its notebook recorded (talentkit.core.results)
DATA_FILE = "data.json"  # in a job's folder: the data it read, its name, row counts and as_of, for the report's header

# The process's umask, read once at import (reading it means setting it, which another thread
# creating a file at that moment would feel): new files get 0666 less it, as open() gives them.
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def write_atomic(path: str | Path, data: str | bytes, encoding: str = "utf-8") -> Path:
    """Write ``data`` to ``path`` by swapping in a complete new file (see the module's notes).
    The file gets the mode a plain ``open`` would give it (0666 less the umask). Raises the
    ``OSError`` of a failed write with ``path`` as its file name; ``path`` is then unchanged."""
    path = Path(path)
    raw = data.encode(encoding) if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise OSError(err.errno, err.strerror, str(path)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_json(path: str | Path) -> dict:
    """The JSON object in ``path``, or ``{}`` when it is missing, unreadable or not an object:
    for the files a run writes beside its reports (``results.json``, ``data.json``), which a
    page shows what it can of."""
    import json

    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}
