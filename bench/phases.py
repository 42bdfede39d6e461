"""Where labelling's time goes: CPU seconds of each piece of ``classify --format jsonl``.

Run:  python bench/phases.py FOLDER [--files N] [--rounds 3]

In process, the default model loaded first: the reports of FOLDER (its first N ``.txt``) are
labelled as the command labels them (``label_files_in_turn``, batches of reports, JSON Lines
written by ``Renderer.many``), each piece's functions wrapped to add up their CPU time;
medians of the rounds, per piece and per MB of text read. Pieces call no other piece, except
that "read + split" holds the reading. CPU time of a shared machine: read the shares.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter, defaultdict
from pathlib import Path

from topics.classify import context, predictor
from topics.pipeline import label, model
from topics.render.outputs import Renderer, renderer
from topics.resolve import resolve_model
from topics.text import segment

#: (owner, function name, piece): the functions whose time is added to each piece.
PIECES = ((label, "load_input", "read + split"), (model, "to_simplified_many", "simplify"),
          (segment.Segmenter, "tokens_many", "segment"),
          (predictor.ThemePredictor, "blocks", "features"),
          (predictor.ThemePredictor, "block_probabilities", "probabilities"),
          (context.ContextModel, "in_context_many", "second stage"),
          (predictor.ThemePredictor, "predict_columns", "columns"),
          (Renderer, "many", "write (render)"), (label, "_utf8", "write (encode)"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--files", type=int)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    paths = [str(p) for p in sorted(args.folder.glob("*.txt"))[:args.files]]
    megabytes = sum(len(Path(p).read_text(encoding="utf-8").encode()) for p in paths) / 1e6
    labeller = resolve_model(None).prepare(background=False)
    spent: Counter = Counter()

    def timed(function, piece):
        def wrapper(*args, **kwargs):
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[piece] += time.process_time() - started
        return wrapper

    for owner, name, piece in PIECES:
        setattr(owner, name, timed(getattr(owner, name), piece))
    render = renderer("jsonl", labeller.taxonomy)
    totals, pieces = [], defaultdict(list)
    for _ in range(args.rounds):
        spent.clear()
        started = time.process_time()
        for _outcome in label.label_files_in_turn(labeller, paths, None, 10**12, render):
            pass
        totals.append(time.process_time() - started)
        for _, _, piece in PIECES:
            pieces[piece].append(spent[piece])
    total = statistics.median(totals)
    print(f"{len(paths)} files, {megabytes:.2f} MB; medians of {args.rounds} rounds, CPU")
    print(f"  {'all':16s} {total:.3f} s  {total / megabytes:.3f} s/MB")
    for piece, values in pieces.items():
        median = statistics.median(values)
        print(f"  {piece:16s} {median:.3f} s  {median / megabytes:.3f} s/MB  {median / total:.0%}")


if __name__ == "__main__":
    main()
