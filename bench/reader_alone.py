"""How well a reader labels the development set's units given alone, against the model alone.

The development set's labels were given in context (the whole document read first). Units
given alone (``topics classify units.jsonl``) lose that context; this measures how much of
the model's gap is context a unit alone cannot carry, and how much is the model.

``bench/reader_alone.jsonl`` holds a third pass over the 1,486 agreed units: each unit
labelled *alone* by a reader following ``labels/LABELLING.md``, the units shuffled across
the 99 documents and read without them (three readers, a third of the units each: ``part``;
the readers were helper sessions of session 24, told to read nothing but the guide and
their units and to label each unit by their own reading, no program).
This script scores that pass against the in-context labels, next to the first stage
fitted without the development set (its most probable theme, before calibration: the
calibrated alone labels of ``bench/accuracy.py``'s split 2 score within 0.002 of it), on
the same units::

    python bench/reader_alone.py      # ~1-2 min; writes bench/READER_ALONE.md
"""

from __future__ import annotations

import json
import time
from collections import Counter

import numpy as np
from common import HERE, machine, shipped_data
from sklearn.metrics import accuracy_score, f1_score

from topics import config
from topics.text.segment import Segmenter
from topics.train import fit_first_stage, probabilities_in


def _devset_labels() -> list[dict]:
    labels = next(path for _docs, path in config.document_sets() if path.parent.name == "devset")
    return [r for r in map(json.loads, labels.read_text(encoding="utf-8").splitlines())
            if r["agreed"]]


def _row(name: str, gold: list[str], other: list[str], themes: list[str]) -> str:
    per = f1_score(gold, other, labels=themes, average=None, zero_division=0)
    macro = f1_score(gold, other, labels=themes, average="macro", zero_division=0)
    return (f"| {name} | {len(gold)} | {macro:.3f} | {accuracy_score(gold, other):.3f} | "
            + " | ".join(f"{x:.2f}" for x in per) + " |")


def main() -> None:
    started = time.monotonic()
    taxonomy, data = shipped_data()
    themes = list(taxonomy.ids)
    agreed = {(r["doc"], r["index"]): r for r in _devset_labels()}
    reader = {(r["doc"], r["index"]): r for r in map(
        json.loads, (HERE / "reader_alone.jsonl").read_text(encoding="utf-8").splitlines())}
    keys = sorted(agreed)
    assert all(reader[k]["text"] == agreed[k]["text"] for k in keys), "reader file out of date"
    devset = {d.name for d in data.documents if d.corpus == "devset"}
    first = fit_first_stage(data, taxonomy, {"random_state": 0}, Segmenter(), devset)
    classes = list(first.classes_)
    proba = probabilities_in(first, [agreed[k]["text"] for k in keys], classes)
    gold = [agreed[k]["label"] for k in keys]
    person = [reader[k]["reader"] for k in keys]
    model = [classes[i] for i in proba.argmax(axis=1)]

    head = ("| pair | n | macro-F1 | accuracy | " + " | ".join(t[:5] for t in themes) + " |\n"
            "|---|---:|---:|---:|" + "---:|" * len(themes))
    lines = ["# A reader given each unit alone, against the model alone", "",
             f"`python bench/reader_alone.py` ({time.monotonic() - started:.0f} s). The 1,486 "
             "agreed units of the development set; gold = the in-context labels of both passes; "
             "reader = `bench/reader_alone.jsonl` (each unit labelled alone, units shuffled across "
             "documents); model = the first stage fitted on every shipped label but the "
             "development set, each unit's most probable theme.", "", head,
             _row("reader alone vs gold", gold, person, themes),
             _row("model alone vs gold", gold, model, themes),
             _row("model alone vs reader alone", person, model, themes), ""]
    right = np.array([g == p for g, p in zip(gold, person, strict=True)])
    model_right = np.array([g == m for g, m in zip(gold, model, strict=True)])
    lines += [f"- Units the reader labels as in context: {right.sum()} of {len(keys)}; the "
              f"model labels {model_right[right].sum()} of them so "
              f"({model_right[right].mean():.1%}).",
              f"- Units the reader labels otherwise alone: {(~right).sum()}; the model gets "
              f"{model_right[~right].sum()} of them right.",
              f"- The model's errors: {(~model_right).sum()}; the reader alone errs on "
              f"{(~model_right & ~right).sum()} of them too "
              f"({sum(1 for g, p, m in zip(gold, person, model, strict=True) if m != g and p == m)}"
              " with the same wrong theme), and labels the other "
              f"{(~model_right & right).sum()} as in context.", "",
              "The reader's disagreements with the in-context labels (gold -> reader): "
              + ", ".join(f"{g} -> {p} {n}" for (g, p), n in Counter(
                  (g, p) for g, p in zip(gold, person, strict=True) if g != p).most_common(10)),
              "", "By genre (n; reader alone, then model alone: macro-F1 / accuracy):", ""]
    by_genre: dict[str, list[int]] = {}
    for number, k in enumerate(keys):
        by_genre.setdefault(agreed[k]["genre"], []).append(number)
    for genre, rows in sorted(by_genre.items()):
        g = [gold[i] for i in rows]
        scores = [(f1_score(g, [labels[i] for i in rows], labels=themes, average="macro",
                            zero_division=0), accuracy_score(g, [labels[i] for i in rows]))
                  for labels in (person, model)]
        lines.append(f"- {genre}: n={len(rows)}; reader {scores[0][0]:.2f} / {scores[0][1]:.2f}; "
                     f"model {scores[1][0]:.2f} / {scores[1][1]:.2f}")
    lines += ["", f"Machine: {machine(('numpy', 'scipy', 'scikit-learn'))}", ""]
    (HERE / "READER_ALONE.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
