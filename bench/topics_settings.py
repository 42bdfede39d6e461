"""The topic model's settings measured on both coherence measures (issue 17, item 2 of the brief).

Writes ``bench/topics_settings.md``, which ``bench/topic_quality.py`` puts into
``bench/TOPICS.md``::

    python bench/topics_settings.py          # about 10-15 min on a shared 2-core machine

Each row changes the default settings in one or two ways. Measured per row:

- *c_v seed sentences*: the model fitted on everything (seed 0), c_v of its top-10 words over
  the seed sentences (terms as in ``bench/topic_quality.py``), and of each of its topics;
- *held out*: models fitted without the development documents, seeds 0 to 3, c_v of their
  top-10 words over the 99 development documents: NaN (a word the documents never hold)
  counted as 0 (mean over seeds) and, apart, topics with such a word left out; "minus plain"
  subtracts the plain gensim model of the same k (seed 0, see ``bench/topic_quality.py``);
- themes owning a topic and tied topics owned by their theme (seed 0), fit CPU seconds.

The rule the defaults were chosen by is stated in ``bench/TOPICS.md``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import topic_quality as bt

from topics.topic.select import coherence, theme_owners, top_word_lists
from topics.topic.vocabulary import load_topic_stopwords

_HERE = Path(__file__).resolve().parent

#: Headings of bench/TOPICS.md: this table's, and the one it goes before.
SECTION = "## Settings, one or two changes at a time from the default"
NOTES_HEADING = "## How the defaults were chosen, and what is not met"
#: Held-out seeds per row.
SEEDS = (0, 1, 2, 3)
#: The scaffolding words added to the topic stop list on this branch (they are in the shipped
#: list now; "without" rows take them out again).
SCAFFOLDING = frozenset(
    "图为 本报记者 本报讯 本报 编者按 如下 现将 附件 请予审议 审议 代表 主任 会议 谢谢".split())
ROWS = [
    ("default (the paragraphs of every document; words that seed no theme of >= 5 years, no "
     "genre filter, 0 free topics; symmetric alpha, seed strength 0.5, collocations npmi >= "
     "0.9, scaffolding stop words, one fit)", {}),
    ("previous default: windows of 5 units", {"window": 5}),
    ("windows of 5 units, no year filter, 1 free topic (the default before that)",
     {"window": 5, "min_years": 0, "n_free_topics": 1}),
    ("years >= 5, 1 free topic", {"n_free_topics": 1}),
    ("seed strength 1", {"seed_strength": 1.0}),
    ("seed strength 0.75", {"seed_strength": 0.75}),
    ("seed strength 0.35", {"seed_strength": 0.35}),
    ("seed strength 0.25", {"seed_strength": 0.25}),
    ("the most coherent on its training documents of 3 fits", {"n_fits": 3}),
    ("the mean of 3 fits", {"n_fits": 3, "fit_choice": "mean"}),
    ("seed strength 0.3, the mean of 3 fits",
     {"seed_strength": 0.3, "n_fits": 3, "fit_choice": "mean"}),
    ("windows of 3 units", {"window": 3}),
    ("windows of 8 units", {"window": 8}),
]


def _setting(row: dict) -> dict:
    row = dict(row)
    if row.pop("stop", None) == "without":
        row["stop_words"] = load_topic_stopwords() - SCAFFOLDING
    return row


def main() -> None:
    started = time.monotonic()
    corpus, held = bt.Corpus(), bt.Corpus(held_out=True)
    devset = bt.held_out_texts(corpus.segmenter)
    plain: dict[int, tuple[float, float]] = {}
    lines = ["| setting | k | fit CPU s | c_v seed sentences | held out (NaN = 0), 4 seeds "
             "| minus plain | held out, topics with absent words left out | minus plain "
             "| themes owning a topic | tied owned by their theme |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    per_topic = []
    for name, row in ROWS:
        setting = _setting(row)
        model, seconds, _ = bt.fit(corpus, setting)
        inference = model.inference_
        words = top_word_lists(inference)
        scores = coherence(words, inference.vocabulary_.prepare_many(corpus.sentences))
        k = inference.n_topics
        if k not in plain:
            plain_words = bt.plain_lda(held.sentences, k)
            plain[k] = (float(np.mean(coherence(plain_words, devset))),
                        bt.c_v_present(plain_words, devset)[0])
        zero, present = [], []
        for seed in SEEDS:
            held_model, _, _ = bt.fit(held, setting, seed)
            zero.append(bt.c_v(held_model, devset))
            present.append(bt.c_v_present(
                top_word_lists(held_model.inference_),
                held_model.inference_.vocabulary_.prepare_many(devset))[0])
        owned, own = bt.aligned(model, corpus.taxonomy)
        n_tied = sum(t is not None for t in model.topic_themes_)
        lines.append(
            f"| {name} | {k} | {seconds:.1f} | {np.mean(scores):.3f} | {np.mean(zero):.3f} "
            f"({' '.join(f'{z:.2f}' for z in zero)}) | {np.mean(zero) - plain[k][0]:+.3f} | "
            f"{np.nanmean(present):.3f} | {np.nanmean(present) - plain[k][1]:+.3f} | "
            f"{owned} | {own} of {n_tied} |")
        print(lines[-1], flush=True)
        if name in (ROWS[0][0], ROWS[1][0]):
            owners = theme_owners(inference, corpus.taxonomy)
            per_topic += [f"{name}:", ""] + [
                f"- {t} {theme or 'free'} / {owner or '-'}: c_v {score:.3f}: {' '.join(ws)}"
                for t, (theme, owner, score, ws) in enumerate(
                    zip(model.topic_themes_, owners, scores, words, strict=True))] + [""]
    plain_rows = [f"plain, k = {k}: held out {z:.3f}, topics with absent words left out {p:.3f}"
                  for k, (z, p) in sorted(plain.items())]
    text = "\n".join(
        ["Made by `python bench/topics_settings.py` (terms in its docstring); "
         f"{time.monotonic() - started:.0f} s.", "", *lines, "", *plain_rows, "",
         "c_v per topic over the seed sentences (seed 0):", "", *per_topic])
    (_HERE / "topics_settings.md").write_text(text, encoding="utf-8")
    # bench/topic_quality.py puts this table in TOPICS.md when it ends; if it ended first, put it in
    report = _HERE / "TOPICS.md"
    if report.exists():
        old = report.read_text(encoding="utf-8")
        if SECTION not in old and NOTES_HEADING in old:
            report.write_text(old.replace(NOTES_HEADING, f"{SECTION}\n\n{text}\n\n{NOTES_HEADING}"),
                              encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
