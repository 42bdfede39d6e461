"""Agreement of the seed reports' hand labels with a second, independent pass.

Run:  python bench/seed_agreement.py

``labels/seed_labels.jsonl`` is the first pass (all 639 units of the five seed reports);
``bench/seed_labels_pass2.jsonl`` a second annotator's labels of the same units, made in
session 27 from LABELLING.md and the reports alone, without the first pass. Prints the share
of units both give the same theme, Cohen's kappa, and the pairs they disagree on.
"""

from __future__ import annotations

from collections import Counter

from common import HERE
from sklearn.metrics import cohen_kappa_score

from topics.read.jsonl import read_jsonl


def main() -> None:
    first = {(r["report"], r["index"]): r
             for r in read_jsonl(HERE.parent / "labels" / "seed_labels.jsonl", ("text", "label"))}
    second = list(read_jsonl(HERE / "seed_labels_pass2.jsonl", ("text", "label")))
    pairs = []
    for record in second:
        unit = first[(record["doc"], record["index"])]
        assert unit["text"] == record["text"], (record["doc"], record["index"])
        pairs.append((unit["label"], record["label"]))
    if len(pairs) != len(first):
        raise SystemExit(f"the second pass labels {len(pairs)} of {len(first)} units")
    agreed = sum(a == b for a, b in pairs)
    kappa = cohen_kappa_score([a for a, _ in pairs], [b for _, b in pairs])
    print(f"{agreed} of {len(pairs)} units agreed ({agreed / len(pairs):.1%}), "
          f"Cohen's kappa {kappa:.3f}")
    for (a, b), count in Counter(p for p in pairs if p[0] != p[1]).most_common():
        print(f"  first {a:11s} second {b:11s} {count}")


if __name__ == "__main__":
    main()
