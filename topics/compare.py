"""Compare the theme profiles of reports (or of folders of reports)."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InputError
from .pipeline.model import ThemeProfile, UnitResult, theme_profile


@dataclass
class Comparison:
    """Profiles side by side, with differences and typical sentences.

    ``differences`` are in percentage points from the first report; ``typical``
    holds each report's most confident sentences per theme.
    """

    names: list[str]
    profiles: dict[str, ThemeProfile]
    shares: dict[str, dict[str, float]]
    differences: dict[str, dict[str, float]]
    typical: dict[str, dict[str, list[UnitResult]]]


def compare_reports(groups: list[tuple[str, list[UnitResult]]], theme_ids: list[str],
                    n_typical: int = 3) -> Comparison:
    """Compare labelled reports; the first group is the baseline of the differences.

    Typical sentences are a report's most confident non-heading units of a theme.
    """
    names = [name for name, _ in groups]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise InputError(f"reports to compare must have distinct names: {', '.join(twice)} "
                         f"more than once (copy or rename one, or compare their folders)")
    profiles = {name: theme_profile(results, theme_ids) for name, results in groups}
    shares = {name: profiles[name].shares for name in names}
    base = shares[names[0]]
    differences = {name: {t: round(100 * (shares[name][t] - base[t]), 1) for t in theme_ids}
                   for name in names}
    typical = {}
    for name, results in groups:
        by_theme = {}
        for theme in theme_ids:
            units = [r for r in results if r.theme == theme and not r.is_heading]
            by_theme[theme] = sorted(units, key=lambda r: -r.confidence)[:n_typical]
        typical[name] = by_theme
    return Comparison(names, profiles, shares, differences, typical)
