"""A process's start-up, older checkout against this one: the one-file command and a worker.

Run:  python bench/startup_ab.py --before CHECKOUT --home-before HOME --home-now HOME
          [--model FOLDER] [--rounds 9]

Two things are timed, each side's in turn, in fresh processes: ``topics classify FILE
--format jsonl`` on a report of four units (what a command pays besides labelling:
interpreter, imports, model load and preparation, the first labelling, writing), and a
worker process of ``--jobs`` getting ready (``parallel.pool._start_worker`` then
``parallel.worker.preload`` of the model's folder, as a spawned worker runs them; spawning
itself left out). CPU (user + system, all threads) and wall time, medians of the rounds.

CHECKOUT is a folder holding an older ``topics`` package (e.g. a ``git archive`` of main),
run with it first on PYTHONPATH, with its own TOPICS_HOME (see ``command_ab.py``).
``--model`` (a saved model's folder, the same for both sides) is what the workers load, and
the command too when given; without it the command labels with each home's default model.
Read the ratios, not the seconds: the machine is shared (the load is printed), and at a high
load numpy's BLAS thread spins less, so the CPU saved by starting none shows less.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import side_environment

REPORT = "一、队伍建设\n举办业务培训班，提升干警履职素能。\n严格执行三个规定。\n"
WORKER = ("import sys; from topics.parallel import pool, worker; pool._start_worker(); "
          "worker.preload(sys.argv[1])")


def _run(command: list[str], pythonpath: str | None, home: str) -> tuple[float, float]:
    env = side_environment(pythonpath, home)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, check=True, env=env, cwd="/")
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, type=Path)
    parser.add_argument("--home-before", required=True)
    parser.add_argument("--home-now", required=True)
    parser.add_argument("--model", help="a saved model's folder (default: each home's)")
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    sides = {"before": (str(args.before.resolve()), args.home_before),
             "now": (None, args.home_now)}
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder, "report.txt")
        report.write_text(REPORT, encoding="utf-8")
        command = [sys.executable, "-m", "topics", "classify", str(report), "--format", "jsonl",
                   "-q", *(["--model", args.model] if args.model else [])]
        models = {side: args.model or str(Path(home, "models", "default"))
                  for side, (_, home) in sides.items()}
        cases = {"classify a 4-unit report": lambda side: command,
                 "a worker getting ready": lambda side: [sys.executable, "-c", WORKER,
                                                         models[side]]}
        for make in cases.values():  # untimed: a stale default model is rebuilt here
            for side, (pythonpath, home) in sides.items():
                _run(make(side), pythonpath, home)
        times = {(case, side): [] for case in cases for side in sides}
        loads = []
        for number in range(args.rounds):
            for case, make in cases.items():
                order = list(sides) if number % 2 == 0 else list(reversed(sides))
                for side in order:
                    times[case, side].append(_run(make(side), *sides[side]))
            loads.append(os.getloadavg()[0])
    print(f"medians of {args.rounds} rounds, load {min(loads):.1f}-{max(loads):.1f}")
    for case in cases:
        cpu = {side: statistics.median(c for c, _ in times[case, side]) for side in sides}
        wall = {side: statistics.median(w for _, w in times[case, side]) for side in sides}
        print(f"  {case}: before CPU {cpu['before']:.3f} s, wall {wall['before']:.3f} s; "
              f"now CPU {cpu['now']:.3f} s, wall {wall['now']:.3f} s; before/now: CPU "
              f"{cpu['before'] / cpu['now']:.2f}x, wall {wall['before'] / wall['now']:.2f}x")


if __name__ == "__main__":
    main()
