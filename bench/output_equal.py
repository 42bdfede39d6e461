"""Whole-command outputs of an older checkout against this one's, byte for byte.

Run:  python bench/output_equal.py --before CHECKOUT --home-before HOME --home-now HOME

CHECKOUT is a folder holding an older ``topics`` package (e.g. a ``git archive`` of main),
run with it first on PYTHONPATH; each side labels with the default model of its own
TOPICS_HOME (built on first use). ``topics classify`` runs on the seed reports, 50 shipped
texts and the seeds with two broken files beside them (a .txt that is no UTF-16, a .docx
that is no zip), as jsonl, ``--explain`` jsonl, csv, ``--explain`` csv, html and table (one
line per unit, and wrapped to 100 columns), each with ``--jobs 1`` and ``--jobs 2``; and as
jsonl on one 1 MB report of the seeds (bench/real.py's). Standard output and the exit code
of each command must be equal; the older side's outputs are kept in ``--cache`` (a folder)
so that they are made once.
Prints each case that differs and exits 1 if any does.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

FORMATS = {"jsonl": ["--format", "jsonl"], "explain-jsonl": ["--format", "jsonl", "--explain"],
           "csv": ["--format", "csv"], "explain-csv": ["--format", "csv", "--explain"],
           "html": ["--format", "html"], "table": ["--format", "table", "--wide"],
           "table-100": ["--format", "table"]}  # wrapped to $COLUMNS (100)


def folders(work: Path) -> dict[str, Path]:
    """The inputs, made under ``work``: seeds, 50 shipped texts, seeds with broken files."""
    from common import shipped_text_paths
    from real import corpus_seeds

    seeds = sorted((HERE.parent / "seeds").glob("*.txt"))
    made = {"seeds": seeds, "shipped50": shipped_text_paths()[:50], "broken": seeds}
    out = {}
    for name, paths in made.items():
        folder = work / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for path in paths:
            shutil.copyfile(path, folder / path.name)
        out[name] = folder
    (out["broken"] / "bad-utf16.txt").write_bytes(b"\xff\xfe" + b"\x00\xd8" * 3 + b"a")
    (out["broken"] / "bad.docx").write_bytes(b"this is no zip")
    out["seed-1mb"] = corpus_seeds() / "seeds-00.txt"
    return out


def cases(inputs: dict[str, Path]) -> dict[str, list[str]]:
    """Case name -> the classify arguments."""
    out = {}
    for name in ("seeds", "shipped50", "broken"):
        for fmt, options in FORMATS.items():
            for jobs in ("1", "2"):
                out[f"{name}.{fmt}.j{jobs}"] = [str(inputs[name]), *options, "--jobs", jobs]
    out["seed-1mb.jsonl.j1"] = [str(inputs["seed-1mb"]), "--format", "jsonl", "--jobs", "1"]
    return out


def run(arguments: list[str], pythonpath: str | None, home: str) -> bytes:
    """Standard output of ``topics classify ARGUMENTS -q``, its exit code appended."""
    from common import side_environment

    env = side_environment(pythonpath, home, COLUMNS="100")
    done = subprocess.run([sys.executable, "-m", "topics", "classify", *arguments, "-q"],
                          capture_output=True, env=env, cwd="/")
    return done.stdout + f"\nexit {done.returncode}\n".encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, type=Path)
    parser.add_argument("--home-before", required=True)
    parser.add_argument("--home-now", required=True)
    parser.add_argument("--cache", type=Path, default=HERE / "out" / "output-equal")
    parser.add_argument("--only", help="comma-separated substrings of the case names to run")
    args = parser.parse_args()
    inputs = folders(args.cache / "inputs")
    todo = cases(inputs)
    if args.only:
        todo = {k: v for k, v in todo.items() if any(s in k for s in args.only.split(","))}
    before_dir = args.cache / ("before-" + hashlib.sha256(
        str(args.before.resolve()).encode()).hexdigest()[:8])
    before_dir.mkdir(parents=True, exist_ok=True)
    differ = []
    for name, arguments in todo.items():
        kept = before_dir / name
        if not kept.exists():
            kept.write_bytes(run(arguments, str(args.before.resolve()), args.home_before))
        old, new = kept.read_bytes(), run(arguments, None, args.home_now)
        same = old == new
        print(f"{name}: {'same' if same else 'DIFFERENT'} ({len(new):,} bytes)", flush=True)
        if not same:
            differ.append(name)
            (args.cache / f"now-{name}").write_bytes(new)
    print(f"{len(todo) - len(differ)} of {len(todo)} outputs byte for byte the same")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
