"""Write tests/slow_tests.txt and tests/file_seconds.txt from pytest's ``--durations=0`` output
(``make durations``): each test whose setup, call and teardown took 1.5 s or more together, and
each test file's seconds in all, which conftest uses to start the longest files first."""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

SLOW_SECONDS = 1.5
LINE = re.compile(r"^([0-9.]+)s (?:call|setup|teardown)\s+(\S.*?)\s*$")  # a node id may hold spaces: [Ctrl-C at a terminal]
HERE = Path(__file__).parent


def test_seconds(report: str) -> Counter:
    """Seconds of each test (setup, call and teardown together) in a ``--durations`` report."""
    total: Counter = Counter()
    for line in report.splitlines():
        found = LINE.match(line)
        if found:
            total[found.group(2)] += float(found.group(1))
    return total


def slow_tests(report: str, seconds: float = SLOW_SECONDS) -> list[str]:
    return sorted(test for test, took in test_seconds(report).items() if took >= seconds)


def file_seconds(report: str) -> dict[str, float]:
    """Each test file's seconds in all, the longest first."""
    files: Counter = Counter()
    for test, took in test_seconds(report).items():
        files[test.split("::")[0]] += took
    return dict(files.most_common())


if __name__ == "__main__":
    report = Path(sys.argv[1]).read_text(encoding="utf-8")
    slow = slow_tests(report)
    header = ["# Tests measured at 1.5 s or more on 2 cores (setup, call and teardown; make test --durations=0):",
              "# make test-fast leaves them out, make test runs them. Refresh with: make durations"]
    (HERE / "slow_tests.txt").write_text("\n".join(header + slow) + "\n", encoding="utf-8")
    files = [f"{took:.0f} {name}" for name, took in file_seconds(report).items()]
    header = ["# Seconds each test file took on 2 cores (make durations): the workers start the longest first,",
              "# so that no long file starts last and keeps one core busy while the other waits"]
    (HERE / "file_seconds.txt").write_text("\n".join(header + files) + "\n", encoding="utf-8")
    print(f"{len(slow)} tests of {SLOW_SECONDS} s or more written to tests/slow_tests.txt; "
          f"{len(files)} files' seconds to tests/file_seconds.txt")
