"""Agreement of the seed reports' hand labels with a second, independent pass.

Run:  python bench/seed_agreement.py

``labels/seed_labels.jsonl`` is the first pass (all 639 units of the five seed reports);
``bench/seed_labels_pass2.jsonl`` a second annotator's labels of the same units, made in
session 27 from LABELLING.md and the reports alone, without the first pass. Prints the share
of units both give the same theme, Cohen's kappa, and the pairs they disagree on.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _records(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def main() -> None:
    first = {(r["report"], r["index"]): r for r in _records(HERE.parent / "labels" /
                                                           "seed_labels.jsonl")}
    second = _records(HERE / "seed_labels_pass2.jsonl")
    pairs = []
    for record in second:
        unit = first[(record["doc"], record["index"])]
        assert unit["text"] == record["text"], (record["doc"], record["index"])
        pairs.append((unit["label"], record["label"]))
    if len(pairs) != len(first):
        raise SystemExit(f"the second pass labels {len(pairs)} of {len(first)} units")
    n = len(pairs)
    agreed = sum(a == b for a, b in pairs) / n
    one, two = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    chance = sum(one[t] * two[t] for t in one) / n / n
    print(f"{sum(a == b for a, b in pairs)} of {n} units agreed ({agreed:.1%}), "
          f"Cohen's kappa {(agreed - chance) / (1 - chance):.3f}")
    for (a, b), count in Counter(p for p in pairs if p[0] != p[1]).most_common():
        print(f"  first {a:11s} second {b:11s} {count}")


if __name__ == "__main__":
    main()
