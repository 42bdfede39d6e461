"""In-process A/B of read + split: an older checkout's splitter against this one's.

Run:  python bench/split_speed.py --before CHECKOUT [--rounds 9] [--seed-reports 3]

CHECKOUT is a folder holding an older ``topics`` package (e.g. ``git archive`` of main,
extracted); its ``topics/text/sentences.py`` is loaded into this process under another name.
Both sides read every file with this checkout's readers and split it, as bench/real.py's
read + split does, on the shipped texts (bench/out/real-shipped) and the first
``--seed-reports`` 1 MB seed reports (bench/out/real-seeds-20mb); units are asserted equal
first. Rounds alternate which side goes first; CPU time (``process_time``), medians of the
rounds, MB/s of the UTF-8 text read. Read the ratios, not the seconds (the machine is shared).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import astuple
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def read_split(paths: list[Path], split_units) -> None:
    """Read and split every file."""
    from topics.read.documents import read_report

    for path in paths:
        report = read_report(path)
        split_units(report.text, path.name, rejoin=report.rejoin, plain_lines=report.plain_lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, type=Path)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--seed-reports", type=int, default=3)
    args = parser.parse_args()
    from speed_ab import _old_module
    from split_equal import bench_out

    from topics.read.documents import read_report
    from topics.text.sentences import split_units

    old = _old_module(args.before, "topics/text/sentences.py", {}).split_units
    out = bench_out()
    shipped = sorted((out / "real-shipped").glob("*.txt"))
    corpora = {f"shipped ({len(shipped)} .txt)": shipped,
               f"seeds, {args.seed_reports} x 1 MB":
                   sorted((out / "real-seeds-20mb").glob("*.txt"))[:args.seed_reports]}
    print(f"read + split, CPU seconds, medians of {args.rounds} rounds (units asserted equal):")
    for corpus, paths in corpora.items():
        megabytes = 0.0
        for path in paths:
            report = read_report(path)
            megabytes += len(report.text.encode("utf-8")) / 1e6
            args_ = (report.text, path.name, 300, report.rejoin, report.plain_lines)
            assert list(map(astuple, old(*args_))) == list(map(astuple, split_units(*args_)))
        sides = {"before": old, "now": split_units}
        times: dict[str, list[float]] = {side: [] for side in sides}
        for number in range(args.rounds):
            for side in (sides if number % 2 == 0 else reversed(sides)):
                started = time.process_time()
                read_split(paths, sides[side])
                times[side].append(time.process_time() - started)
        before, now = (statistics.median(times[side]) for side in sides)
        ratios = sorted(b / n for b, n in zip(times["before"], times["now"], strict=True))
        print(f"  {corpus}, {megabytes:.2f} MB: "
              f"before {before:.3f} s ({megabytes / before:.1f} MB/s), "
              f"now {now:.3f} s ({megabytes / now:.1f} MB/s): {before / now:.2f}x "
              f"(rounds' ratios {ratios[0]:.2f}-{ratios[-1]:.2f})")


if __name__ == "__main__":
    main()
