"""One YAML reader for every file the kit reads (run files, mappings, scenarios, configs).

YAML aliases let a small file expand into an enormous document (the "billion laughs"):
PyYAML builds shared references, but anything that walks the result (validation, JSON,
papermill's parameter injection) expands it. :func:`read_yaml` refuses a file over
``MAX_BYTES`` and a document whose nodes, with every alias expanded, exceed ``MAX_NODES``,
before any Python object is built. Errors name the file (and line) and the fix.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import yaml

from .errors import YAMLFileError

MAX_BYTES = 1_000_000  # a run file or mapping is a few kB; 1 MB is generous
MAX_NODES = 100_000  # scalars, lists and mappings after alias expansion


def _expanded_size(node: yaml.Node, memo: dict[int, int], limit: int) -> int:
    """Nodes in ``node`` with aliases expanded; memoised, so a bomb is measured in linear time."""
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = limit + 1  # a cycle counts as too large
    size = 1
    if isinstance(node, yaml.SequenceNode):
        for child in node.value:
            size += _expanded_size(child, memo, limit)
            if size > limit:
                break
    elif isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            size += _expanded_size(k, memo, limit) + _expanded_size(v, memo, limit)
            if size > limit:
                break
    memo[key] = size
    return size


def parse_yaml(text: str, where: str = "<text>", max_nodes: int = MAX_NODES):
    """Parse YAML text with the limits above; raises :class:`YAMLFileError`."""
    if len(text.encode("utf-8", "ignore")) > MAX_BYTES:
        raise YAMLFileError(f"{where}: the YAML is over {MAX_BYTES:,} bytes; a run file or mapping is a few "
                            "kilobytes, so this is not one (check the path)")
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        size = _expanded_size(node, {}, max_nodes)
        if size > max_nodes:
            raise YAMLFileError(f"{where}: the YAML expands to more than {max_nodes:,} values (aliases such as "
                                "*name repeat whole blocks); write the values out, or remove the aliases")
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise YAMLFileError(f"{where}{line}: not valid YAML ({getattr(exc, 'problem', None) or exc}); "
                            "check indentation and quoting") from None
    except ValueError as exc:  # YAML's date reader on a day that does not exist (2024-02-30, 2023-13-01)
        raise YAMLFileError(f"{where}: not valid YAML (a date that does not exist: {exc}); write a real day as "
                            "YYYY-MM-DD, or quote the value to keep it as text") from None
    except RecursionError:
        raise YAMLFileError(f"{where}: the YAML is nested too deeply to be a run file or mapping; "
                            "check the file") from None
    finally:
        loader.dispose()


def read_yaml(path: str | Path, what: str = "YAML file"):
    """Read a YAML file (UTF-8) with the limits above; every failure is a :class:`YAMLFileError`."""
    path = Path(path)
    try:
        if path.is_file() and path.stat().st_size > MAX_BYTES:
            raise YAMLFileError(f"{path}: the {what} is over {MAX_BYTES:,} bytes; check the path")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise YAMLFileError(f"{path}: {what} not found; check the path") from None
    except IsADirectoryError:
        raise YAMLFileError(f"{path}: is a folder; give the {what} itself") from None
    except UnicodeDecodeError:
        raise YAMLFileError(f"{path}: the {what} is not UTF-8 text; save it as UTF-8") from None
    except OSError as exc:
        raise YAMLFileError(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    return parse_yaml(text, str(path))


def key_errors(err, fields_for) -> list[tuple[str, dict, str | None]]:
    """Each error of a pydantic ``ValidationError`` over a YAML document: its dotted key, the
    error itself, and, for a key that is not one, the closest allowed key (``fields_for(loc)``
    gives the keys allowed where the error is)."""
    out = []
    for e in err.errors():
        close = None
        if e["type"] == "extra_forbidden":
            hits = difflib.get_close_matches(str(e["loc"][-1]), list(fields_for(e["loc"])), n=1, cutoff=0.6)
            close = hits[0] if hits else None
        out.append((".".join(str(part) for part in e["loc"]), e, close))
    return out
