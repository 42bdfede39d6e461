"""The theme taxonomy: ids, names, descriptions, weighted cue and hint words, labelling rules."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import TaxonomyError

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
#: The theme that takes sentences with no theme of their own.
FALLBACK_THEME = "other"
#: The largest weight of a cue or hint word (3 is "decisive"; scores are sums of weights).
MAX_WEIGHT = 1000


@dataclass(frozen=True)
class Theme:
    """One theme: a stable id, names, a description, weighted cue and hint words.

    ``cues`` are the theme's own terms: classifier features, weak labels from report
    outlines, seeds of the topic model. ``hints`` are plain words that suggest the theme
    (what a news story or a notice says of it): classifier features only, in a block of
    their own, so that a unit can be read by words its training sentences never used.
    """

    id: str
    name_zh: str
    name_en: str
    description: str
    cues: dict[str, float] = field(default_factory=dict)
    hints: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Taxonomy:
    """An ordered set of themes; ``fallback`` takes sentences with no theme."""

    themes: tuple[Theme, ...]
    rules: tuple[str, ...] = ()
    fallback: str = FALLBACK_THEME
    source: str = ""

    @property
    def ids(self) -> list[str]:
        """Theme ids in taxonomy order."""
        return [t.id for t in self.themes]

    def __getitem__(self, theme_id: str) -> Theme:
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise KeyError(theme_id)

    def to_dict(self) -> dict:
        """A JSON-serialisable form, stored in model manifests."""
        return {
            "fallback": self.fallback,
            "rules": list(self.rules),
            "themes": [
                {"id": t.id, "name_zh": t.name_zh, "name_en": t.name_en,
                 "description": t.description, "cues": t.cues,
                 **({"hints": t.hints} if t.hints else {})}
                for t in self.themes
            ],
        }

    @classmethod
    def from_dict(cls, data: dict, source: str = "") -> Taxonomy:
        """Rebuild a taxonomy from :meth:`to_dict` output or a parsed TOML file."""
        return _build(data, source or "<taxonomy>")


def _build(data: dict, source: str) -> Taxonomy:
    raw_themes = data.get("themes")
    if not isinstance(raw_themes, list) or not raw_themes:
        raise TaxonomyError(f"{source}: no [[themes]] entries")
    themes = []
    seen: set[str] = set()
    for number, raw in enumerate(raw_themes, start=1):
        if not isinstance(raw, dict):
            raise TaxonomyError(f"{source}: theme {number} is not a table")
        theme_id = raw.get("id")
        if not isinstance(theme_id, str) or not _ID.match(theme_id):
            raise TaxonomyError(
                f"{source}: theme {number} has no valid id (lower-case letters, digits, _): "
                f"{theme_id!r}")
        if theme_id in seen:
            raise TaxonomyError(f"{source}: duplicate theme id {theme_id!r}")
        seen.add(theme_id)
        cues, hints = (_weighted_words(raw, key, theme_id, source) for key in ("cues", "hints"))
        themes.append(Theme(
            id=theme_id,
            name_zh=str(raw.get("name_zh", theme_id)),
            name_en=str(raw.get("name_en", theme_id)),
            description=str(raw.get("description", "")),
            cues=cues,
            hints=hints,
        ))
    fallback = data.get("fallback", FALLBACK_THEME)
    if fallback not in seen:
        raise TaxonomyError(
            f"{source}: fallback theme {fallback!r} is not one of the themes "
            f"(set fallback = \"<id>\" at the top of the file)")
    rules = data.get("rules", [])
    if not isinstance(rules, list):
        raise TaxonomyError(f"{source}: rules must be a list of strings")
    return Taxonomy(tuple(themes), tuple(str(r) for r in rules), fallback, source)


def load_taxonomy(path: str | Path) -> Taxonomy:
    """Load a taxonomy TOML file, checking ids, cue weights and the fallback theme."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise TaxonomyError(f"{path}: no such taxonomy file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TaxonomyError(f"{path}: cannot read taxonomy: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise TaxonomyError(f"{path}: not valid TOML: {exc}") from None
    return _build(data, str(path))


def _weighted_words(raw: dict, key: str, theme_id: str, source: str) -> dict[str, float]:
    """A theme's table of ``word = weight`` under ``key`` (empty when absent).

    Weights are numbers in (0, MAX_WEIGHT]; words are non-empty and hold no line break
    (texts are matched joined by line breaks).
    """
    table = raw.get(key, {})
    if not isinstance(table, dict) or not all(
            isinstance(w, int | float) and not isinstance(w, bool) and 0 < w <= MAX_WEIGHT
            for w in table.values()):
        raise TaxonomyError(f"{source}: {key} of {theme_id!r} must be 'word = weight', a "
                            f"weight above 0 and at most {MAX_WEIGHT:g}")
    for word in table:
        if not isinstance(word, str) or not word.strip():
            raise TaxonomyError(f"{source}: {key} of {theme_id!r} hold an empty word")
        if "\n" in word or "\r" in word:
            raise TaxonomyError(f"{source}: {key} of {theme_id!r} hold a line break: {word!r}")
    return {str(k): float(v) for k, v in table.items()}
