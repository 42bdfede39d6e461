"""Held-out coherence of the default topic settings against plain gensim, over 7 seeds of both.

    python bench/topics_heldout_seeds.py

For the default settings and the previous default (the first two rows of
``bench/topics_settings.py``): topic models fitted without the development documents with
seeds 0-6, and plain gensim ``LdaModel``s of the same k on the seed sentences with seeds 0-6;
c_v of their top-10 words over the 99 development documents, NaN (a word they never hold)
counted as 0, and apart with such topics left out. Terms as in ``bench/topic_quality.py``.
"""

from __future__ import annotations

import numpy as np
import topic_quality as bt
import topics_settings as ts

from topics.topic.select import coherence, top_word_lists

SEEDS = (0, 1, 2, 3, 4, 5, 6)


def main() -> None:
    held = bt.Corpus(held_out=True)
    devset = bt.held_out_texts(held.segmenter)
    for name, row in ts.ROWS[:2]:
        setting = ts._setting(row)
        zero, present = [], []
        for seed in SEEDS:
            model, _, _ = bt.fit(held, setting, seed)
            words = top_word_lists(model.inference_)
            zero.append(bt.c_v(model, devset))
            present.append(bt.c_v_present(
                words, model.inference_.vocabulary_.prepare_many(devset))[0])
        k = model.inference_.n_topics
        plain_zero, plain_present = [], []
        for seed in SEEDS:
            words = bt.plain_lda(held.sentences, k, seed=seed)
            plain_zero.append(float(np.mean(coherence(words, devset))))
            plain_present.append(bt.c_v_present(words, devset)[0])
        print(f"{name}: k = {k}")
        print(f"  NaN as 0: ours {np.round(zero, 3)}, plain {np.round(plain_zero, 3)}, "
              f"mean difference {np.mean(zero) - np.mean(plain_zero):+.3f}")
        print(f"  absent left out: ours {np.round(present, 3)}, plain "
              f"{np.round(plain_present, 3)}, mean difference "
              f"{np.nanmean(present) - np.nanmean(plain_present):+.3f}", flush=True)


if __name__ == "__main__":
    main()
