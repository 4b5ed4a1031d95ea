"""Write tests/slow_tests.txt from pytest's ``--durations=0`` output: each test whose setup,
call and teardown took 1.5 s or more together (``make durations``)."""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

SLOW_SECONDS = 1.5
LINE = re.compile(r"^([0-9.]+)s (?:call|setup|teardown)\s+(\S+)")


def slow_tests(report: str, seconds: float = SLOW_SECONDS) -> list[str]:
    total: Counter = Counter()
    for line in report.splitlines():
        found = LINE.match(line)
        if found:
            total[found.group(2)] += float(found.group(1))
    return sorted(test for test, took in total.items() if took >= seconds)


if __name__ == "__main__":
    slow = slow_tests(Path(sys.argv[1]).read_text(encoding="utf-8"))
    header = ["# Tests measured at 1.5 s or more on 2 cores (setup, call and teardown; make test --durations=0):",
              "# make test-fast leaves them out, make test runs them. Refresh with: make durations"]
    Path(__file__).with_name("slow_tests.txt").write_text("\n".join(header + slow) + "\n", encoding="utf-8")
    print(f"{len(slow)} tests of {SLOW_SECONDS} s or more written to tests/slow_tests.txt")
