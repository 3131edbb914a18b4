"""How long a member list of 2,000 names takes to write, against one of 20 measured in the same
run, and the process's peak memory (`python bench/documents.py --help`)."""
from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:   # run as a script from the checkout
    sys.path.insert(0, str(ROOT))

from casework.documents.context import _rows, sample_context  # noqa: E402
from casework.documents.render import render, shipped_template  # noqa: E402


def timed(names: int, runs: int) -> list[float]:
    context = sample_context()
    context["members"]["rows"] = _rows([f"Nguyễn Văn {i}" for i in range(names)], names)
    template = shipped_template("member_list")
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        render(template, context)
        seconds.append(time.perf_counter() - started)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--names", type=int, default=2000)
    args = parser.parse_args()
    baseline = timed(20, args.runs)
    large = timed(args.names, args.runs)
    for label, values in ((f"{20:>6,} names", baseline), (f"{args.names:>6,} names", large)):
        print(f"{label}: median {statistics.median(values) * 1000:7.1f} ms, "
              f"max {max(values) * 1000:7.1f} ms")
    print(f"ratio {statistics.median(large) / statistics.median(baseline):.1f}x the 20-name list; "
          f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
