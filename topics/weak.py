"""Weak labels from a report's outline and the taxonomy's cue words."""

from __future__ import annotations

from dataclasses import dataclass

from .features.cues import CueMatcher
from .taxonomy import Taxonomy
from .text.sentences import Unit, heading_path


@dataclass(frozen=True)
class WeakLabel:
    """A weak label and where it came from: ``heading``, ``cues`` or None (abstained)."""

    label: str | None
    source: str | None


def weak_labels(units: list[Unit], taxonomy: Taxonomy, min_score: float = 2.0,
                margin: float = 2.0, strong_score: float = 3.0) -> list[WeakLabel]:
    """Label each unit of one report by its outline, else by its own cue words.

    A unit whose own cue words decide it strongly (``strong_score``) takes that
    theme; otherwise the theme of the innermost enclosing heading whose cue
    words decide it clearly; failing that, the theme its own cue words decide
    clearly (``min_score``); failing that, no label (the unit is left out of
    weak training). A heading is labelled by its own cue words.
    """
    matcher = CueMatcher(taxonomy)
    scores = matcher.score_matrix_of_texts([u.text for u in units])
    decided_heading: dict[int, str | None] = {}

    def heading_theme(heading: Unit) -> str | None:
        if heading.index not in decided_heading:
            decided_heading[heading.index] = matcher.decide_scores(scores[heading.index],
                                                                   min_score, margin)
        return decided_heading[heading.index]

    out = []
    for position, unit in enumerate(units):
        label = matcher.decide_scores(scores[position], strong_score, margin)
        source = "cues" if label else None
        if label is None and not unit.is_heading:
            for heading in heading_path(units, unit):
                label = heading_theme(heading)
                if label:
                    source = "heading"
                    break
        if label is None:
            label = matcher.decide_scores(scores[position], min_score, margin)
            source = "cues" if label else None
        out.append(WeakLabel(label, source))
    return out


def agreement(weak: list[WeakLabel], gold: list[str]) -> dict:
    """Coverage of the weak labels and their accuracy on the units they label."""
    covered = [(w.label, g) for w, g in zip(weak, gold, strict=True) if w.label is not None]
    n = len(gold)
    correct = sum(1 for w, g in covered if w == g)
    by_source = {}
    for source in ("heading", "cues"):
        pairs = [(w.label, g) for w, g in zip(weak, gold, strict=True) if w.source == source]
        by_source[source] = {
            "n": len(pairs),
            "accuracy": (sum(1 for a, b in pairs if a == b) / len(pairs)) if pairs else None,
        }
    return {
        "n": n,
        "coverage": len(covered) / n if n else 0.0,
        "accuracy": correct / len(covered) if covered else None,
        "by_source": by_source,
    }
