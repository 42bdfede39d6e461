"""Whole-command A/B: ``topics classify DIR --format jsonl`` of an older checkout against this one.

Run:  python bench/command_ab.py DIR --before CHECKOUT [--rounds 7] [-- EXTRA OPTIONS]

CHECKOUT is a folder holding an older ``topics`` package (e.g. a ``git archive`` of main),
run with it first on PYTHONPATH. Each side has its own TOPICS_HOME (``--home-before``,
``--home-now``; copies of your cache, say): the default model is rebuilt whenever the
package's code changes, so the two sides sharing one would rebuild it at every turn (run
each side once first, untimed, for the same reason). The commands take turns; the CPU time
(user + system of the command and its worker processes) and the wall time are medians of
the rounds. Read the ratios, not the seconds: the machine is shared (the load is printed).
EXTRA OPTIONS go to both commands (e.g. ``-- -j 2``).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import side_environment


def _run(folder: Path, extra: list[str], pythonpath: str | None, home: str) -> tuple[float, float]:
    env = side_environment(pythonpath, home)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "topics", "classify", str(folder), "--format", "jsonl",
                    "-q", *extra], stdout=subprocess.DEVNULL, check=True, env=env, cwd="/")
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--before", required=True, type=Path)
    parser.add_argument("--home-before", required=True)
    parser.add_argument("--home-now", required=True)
    parser.add_argument("--rounds", type=int, default=7)
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    args = parser.parse_args(argv[:len(argv) - len(extra) - ("--" in argv)])
    args.extra = extra
    folder = args.folder.resolve()
    sides = {"before": (str(args.before.resolve()), args.home_before),
             "now": (None, args.home_now)}
    for pythonpath, home in sides.values():  # untimed: a stale default model is rebuilt here
        _run(folder, args.extra, pythonpath, home)
    times: dict[str, list[tuple[float, float]]] = {side: [] for side in sides}
    loads = []
    for number in range(args.rounds):
        order = list(sides) if number % 2 == 0 else list(reversed(sides))
        for side in order:
            times[side].append(_run(folder, args.extra, *sides[side]))
        loads.append(os.getloadavg()[0])
    cpu = {side: statistics.median(c for c, _ in v) for side, v in times.items()}
    wall = {side: statistics.median(w for _, w in v) for side, v in times.items()}
    print(f"{folder} {' '.join(args.extra)}: medians of {args.rounds} rounds, "
          f"load {min(loads):.1f}-{max(loads):.1f}")
    for side in sides:
        print(f"  {side}: CPU {cpu[side]:.2f} s, wall {wall[side]:.2f} s")
    print(f"  now/before: CPU {cpu['now'] / cpu['before']:.3f}, "
          f"wall {wall['now'] / wall['before']:.3f}")


if __name__ == "__main__":
    main()
