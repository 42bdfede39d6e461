"""First use: `topics classify` with no built-in model yet, with and without the shipped record.

Each run is a fresh process with an empty TOPICS_HOME: it builds the default model, saves it
and labels examples/team_building_report.txt. The baseline, in the same run, is the build
that cross-validates (what first use did before the record; TOPICS_FIRST_USE_CV=1 makes this
script's child cross-validate). Prints wall and CPU seconds of each and their ratio.

Usage: python bench/first_use.py [--runs 1]
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "examples" / "team_building_report.txt"

CHILD = """
import os, sys
import topics.resolve as resolve
if os.environ.get("TOPICS_FIRST_USE_CV"):
    build = resolve.build_default_model
    resolve.build_default_model = lambda progress=None, evaluate=True: build(
        progress or (lambda _m: None), evaluate, cross_validate=True)
from topics.cli import main
sys.argv = ["topics", "classify", sys.argv[1], "--format", "jsonl"]
main()
"""


def run(cross_validate: bool) -> tuple[float, float]:
    """Wall and CPU seconds of one first use."""
    env = dict(os.environ, TOPICS_HOME=tempfile.mkdtemp(prefix="topics-first-use-"))
    env.pop("TOPICS_MODEL", None)
    if cross_validate:
        env["TOPICS_FIRST_USE_CV"] = "1"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", CHILD, str(EXAMPLE)], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tempfile.gettempdir())
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    for _ in range(args.runs):
        new_wall, new_cpu = run(False)
        old_wall, old_cpu = run(True)
        print(f"first use with the record: {new_wall:.1f}s wall, {new_cpu:.1f}s CPU; "
              f"cross-validating (before): {old_wall:.1f}s wall, {old_cpu:.1f}s CPU; "
              f"ratio (CPU) {new_cpu / old_cpu:.2f}")


if __name__ == "__main__":
    main()
