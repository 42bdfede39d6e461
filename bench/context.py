"""What the second stage (context and calibration) costs: labelling with it and without it.

The same model labels the seed reports (repeated to about 4,000 units) with its second
stage and with the first stage's probabilities alone, runs taking turns, medians of
``--runs``. Writes ``bench/CONTEXT.md``.

    python bench/context.py [--model DIR] [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import time

from common import HERE, machine

from topics.resolve import resolve_model
from topics.text.sentences import split_units


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    model = resolve_model(args.model)
    seeds = sorted((HERE.parent / "seeds").glob("*.txt"))
    text = "\n".join(p.read_text(encoding="utf-8") for p in seeds) * 6
    units = split_units(text, "seeds-x6")
    second = model.context

    def timed(use: bool, explain: bool) -> float:
        model.context = second if use else None
        start = time.perf_counter()
        if explain:
            model.classify_units(units, explain=True)
        else:
            model.predict_units(units)
        return time.perf_counter() - start

    rows = []
    for explain in (False, True):
        timed(True, explain)  # warm up
        without, with_ = [], []
        for _ in range(args.runs):
            without.append(timed(False, explain))
            with_.append(timed(True, explain))
        a, b = statistics.median(without), statistics.median(with_)
        rows.append((("explained (evidence, topics)" if explain else "plain (what jsonl uses)"),
                     a, b, b / a))
    model.context = second
    lines = ["# The second stage's cost", "",
             f"`python bench/context.py --runs {args.runs}`: {len(units):,} units (the seed "
             "reports six times over), labelled with the model's second stage and without it "
             "(first stage only), runs taking turns, medians.", "",
             "| labelling | first stage only, s | with the second stage, s | ratio |",
             "|---|---:|---:|---:|"]
    lines += [f"| {name} | {a:.3f} | {b:.3f} | {r:.2f}x |" for name, a, b, r in rows]
    lines += ["", f"Machine: {machine(('numpy', 'scipy', 'scikit-learn'))}", ""]
    (HERE / "CONTEXT.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
