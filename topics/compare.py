"""Compare the theme profiles of reports (or of folders of reports), whole or section by section.

Each compared input is one column, named by :func:`column_names`. With ``by_section`` the
reports' top-level sections are compared too, matched by position (the first top-level
section with the first, …): a work report keeps its outline (一、二、三…) from one year to
the next while its headings are reworded, so position matches what an analyst reads as "the
same section"; each column shows its own heading, so a changed outline is plain to see.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import PurePath

from .errors import InputError
from .pipeline.model import ThemeProfile, UnitResult, theme_profile


@dataclass
class SectionComparison:
    """One top-level section position across the compared inputs.

    ``position`` 0 holds the units before the first heading (title, opening); 1 the first
    top-level section, and so on. ``headings`` is each input's heading there ("" when it
    has no such section; for a folder, its first report's).
    """

    position: int
    headings: dict[str, str]
    profiles: dict[str, ThemeProfile]
    differences: dict[str, dict[str, float]]

    @cached_property
    def shares(self) -> dict[str, dict[str, float]]:
        """Each input's theme shares there (its profile's)."""
        return _shares(self.profiles)


@dataclass
class Comparison:
    """Profiles side by side, with differences and typical sentences.

    ``differences`` are in percentage points from the first report; ``typical``
    holds each report's most confident sentences per theme; ``sources`` the input each
    column stands for; ``sections`` the per-section comparison (empty unless asked for).
    """

    names: list[str]
    profiles: dict[str, ThemeProfile]
    differences: dict[str, dict[str, float]]
    typical: dict[str, dict[str, list[UnitResult]]]
    sources: dict[str, str] = field(default_factory=dict)
    sections: list[SectionComparison] = field(default_factory=list)

    @cached_property
    def shares(self) -> dict[str, dict[str, float]]:
        """Each report's theme shares (its profile's)."""
        return _shares(self.profiles)


def _shares(profiles: dict[str, ThemeProfile]) -> dict[str, dict[str, float]]:
    return {name: profile.shares for name, profile in profiles.items()}


def _parts(item: str) -> tuple[str, ...]:
    """The parts of the absolute path of ``item`` (``-``: ``<stdin>``)."""
    if item == "-":
        return ("<stdin>",)
    return PurePath(os.path.abspath(item)).parts


def column_names(inputs: list[str]) -> list[str]:
    """A short, distinct column name for each input path.

    An input's name is its file's or folder's name when no other input has the same; inputs
    that share a name are named by the part of their paths that differs (what is common at
    the start and at the end is left out): ``2023/工作报告.txt`` and ``2024/工作报告.txt``
    become ``2023`` and ``2024`` (the full paths are shown beside the comparison). When
    that leaves nothing (``r.txt``, ``a/r.txt``) the path as given is the name; a path
    given twice gets `` (2)``.
    """
    parts = [_parts(item) for item in inputs]
    names = [p[-1] if p else item for p, item in zip(parts, inputs, strict=True)]
    for name in set(names):
        group = [i for i, n in enumerate(names) if n == name]
        if len(group) < 2:
            continue
        paths = [parts[i] for i in group]
        shortest = min(map(len, paths))
        lead = 0
        while lead < shortest and len({p[lead] for p in paths}) == 1:
            lead += 1
        tail = 0
        while tail < shortest - lead and len({p[-1 - tail] for p in paths}) == 1:
            tail += 1
        middles = ["/".join(p[lead:len(p) - tail]) for p in paths]
        if all(middles) and len(set(middles)) == len(middles):
            for i, middle in zip(group, middles, strict=True):
                names[i] = middle
        else:
            for i in group:
                names[i] = os.path.normpath(inputs[i])
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            names[i] = f"{name} ({seen[name]})"
    return names


def _differences(shares: dict[str, dict[str, float]], names: list[str],
                 theme_ids: list[str]) -> dict[str, dict[str, float]]:
    base = shares[names[0]]
    return {name: {t: round(100 * (shares[name][t] - base[t]), 1) for t in theme_ids}
            for name in names}


def _by_position(results: list[UnitResult]) -> tuple[dict[int, list[UnitResult]], dict[int, str]]:
    """The results of each top-level section position, and the first heading seen there."""
    members: dict[int, list[UnitResult]] = {}
    headings: dict[int, str] = {}
    report, positions = None, {}
    for r in results:
        if r.report != report:
            report, positions = r.report, {}
        key = r.section[0] if r.section else None
        if key is None:
            position = 0
        else:
            position = positions.setdefault(key, len(positions) + 1)
            headings.setdefault(position, key)
        members.setdefault(position, []).append(r)
    return members, headings


def compare_sections(groups: list[tuple[str, list[UnitResult]]], theme_ids: list[str]
                     ) -> list[SectionComparison]:
    """The per-section comparison: each top-level section position across the groups."""
    names = [name for name, _ in groups]
    split = {name: _by_position(results) for name, results in groups}
    positions = sorted({p for members, _ in split.values() for p in members})
    sections = []
    for position in positions:
        profiles = {name: theme_profile(split[name][0].get(position, []), theme_ids)
                    for name in names}
        headings = {name: split[name][1].get(position, "") for name in names}
        sections.append(SectionComparison(position, headings, profiles,
                                          _differences(_shares(profiles), names, theme_ids)))
    return sections


def compare_reports(groups: list[tuple[str, list[UnitResult]]], theme_ids: list[str],
                    n_typical: int = 3, by_section: bool = False,
                    sources: dict[str, str] | None = None) -> Comparison:
    """Compare labelled reports; the first group is the baseline of the differences.

    One group is its profile alone. Typical sentences are a report's most confident
    non-heading units of a theme. ``by_section`` adds :func:`compare_sections`.
    """
    names = [name for name, _ in groups]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise InputError(f"reports to compare must have distinct names: {', '.join(twice)} "
                         f"more than once (topics.compare.column_names makes distinct ones)")
    if not groups:
        raise InputError("no reports to compare")
    profiles = {name: theme_profile(results, theme_ids) for name, results in groups}
    typical = {}
    for name, results in groups:
        by_theme = {}
        for theme in theme_ids:
            units = [r for r in results if r.theme == theme and not r.is_heading]
            by_theme[theme] = sorted(units, key=lambda r: -r.confidence)[:n_typical]
        typical[name] = by_theme
    sections = compare_sections(groups, theme_ids) if by_section else []
    return Comparison(names, profiles, _differences(_shares(profiles), names, theme_ids),
                      typical, dict(sources or {}), sections)
