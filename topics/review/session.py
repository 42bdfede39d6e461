"""What a review works on: the labelled reports, the labels file, and the analyst's progress.

Reports are labelled once, when the review opens, by :func:`topics.labelling.label_many` (the
same reading and checks as ``topics classify``). The browser addresses a report by its
position in :attr:`ReviewSession.reports` and a unit by its position in the report: no path
ever comes from the browser.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..config import MAX_BYTES
from ..errors import InputError, UsageError, failed
from ..labelling import input_items, label_many
from ..pipeline.model import ThemeModel, UnitResult
from .queue import least_sure_first
from .store import LabelStore, Opened

#: Where the labels file goes, relative to the folder of the first input.
DEFAULT_LABELS = Path("labels") / "reviewed.jsonl"


def default_labels_path(inputs: list[str]) -> Path:
    """``labels/reviewed.jsonl`` beside the first input: in its folder (a folder's parent).

    Beside, never inside, an input folder: a ``.jsonl`` file there would be read as an input
    the next time.
    """
    first = Path(inputs[0])
    parent = first.resolve().parent if first.is_dir() else first.parent
    return parent / DEFAULT_LABELS


@dataclass
class Report:
    """One labelled report of a review."""

    name: str
    results: list[UnitResult]
    path: str = ""  # the file it was read from (never shown to the browser)


class ReviewSession:
    """The reports under review, their model labels and the analyst's labels (the store)."""

    def __init__(self, model: ThemeModel, reports: list[Report], store: LabelStore,
                 opened: Opened | None = None, encoding: str | None = None,
                 max_bytes: int = MAX_BYTES):
        self.model = model
        self.taxonomy = model.taxonomy
        self.reports = reports
        self.store = store
        self.opened = opened
        self.encoding = encoding  # how the reports were read, to read them again
        self.max_bytes = max_bytes

    def close(self) -> None:
        """Let another review open the labels file."""
        self.store.close()

    def use(self, model: ThemeModel, reports: list[Report]) -> None:
        """Show the labels of another model (``reports``: :func:`relabel` with it)."""
        if [(r.name, len(r.results)) for r in reports] != [
                (r.name, len(r.results)) for r in self.reports]:
            raise UsageError("the reports labelled by the new model are not the same")
        self.model, self.reports = model, reports

    # -- what the page shows ----------------------------------------------------------------

    def reviewed(self, report: Report, result: UnitResult) -> dict | None:
        """The analyst's record of a unit, if it was reviewed (and its text is unchanged)."""
        record = self.store.get((report.name, result.index))
        if record is None or record.get("text") != result.text:
            return None
        return record

    def unit(self, number: int, position: int, result: UnitResult | None = None) -> dict:
        """A unit as the page sees it: ``r`` and ``u`` address it on the way back."""
        report = self.reports[number]
        result = result or report.results[position]
        record = self.reviewed(report, result)
        return {"r": number, "u": position, "report": report.name, "index": result.index,
                "text": result.text, "theme": result.theme,
                "confidence": round(result.confidence, 4),
                "scores": {k: round(v, 4) for k, v in result.scores.items()},
                "evidence": [term for term, _ in result.evidence or ()],
                "heading": result.is_heading,
                "label": record["label"] if record else None}

    def report_units(self, number: int) -> list[dict]:
        """Every unit of a report, in text order."""
        return [self.unit(number, p, r) for p, r in enumerate(self.reports[number].results)]

    def queue(self, limit: int = 50) -> list[dict]:
        """The units not yet reviewed, across every report, least sure first."""
        order = least_sure_first(
            ((number, position), result.scores)
            for number, report in enumerate(self.reports)
            for position, result in enumerate(report.results)
            if self.reviewed(report, result) is None)
        return [self.unit(number, position) for number, position in order[:limit]]

    def progress(self) -> dict:
        """Units in all, reviewed and changed (label not the model's), per theme too."""
        ids = self.taxonomy.ids
        per_theme = {t: {"reviewed": 0, "changed_to": 0, "model": 0} for t in ids}
        total = reviewed = changed = 0
        for report in self.reports:
            for result in report.results:
                total += 1
                per_theme.setdefault(result.theme, {"reviewed": 0, "changed_to": 0,
                                                    "model": 0})["model"] += 1
                record = self.reviewed(report, result)
                if record is None:
                    continue
                reviewed += 1
                per_theme[record["label"]]["reviewed"] += 1
                if record["label"] != result.theme:
                    changed += 1
                    per_theme[record["label"]]["changed_to"] += 1
        return {"total": total, "reviewed": reviewed, "changed": changed,
                "per_theme": per_theme}

    # -- what the page does --------------------------------------------------------------------

    def label(self, number: int, position: int, label: str) -> dict:
        """Save the analyst's label of a unit (durably) and return the unit as now shown.

        ``number`` and ``position`` must address a unit of this review; ``label`` must be a
        theme id. Raises ``UsageError`` otherwise.
        """
        if not (isinstance(number, int) and 0 <= number < len(self.reports)):
            raise UsageError(f"no report {number!r} in this review")
        report = self.reports[number]
        if not (isinstance(position, int) and 0 <= position < len(report.results)):
            raise UsageError(f"no unit {position!r} in report {report.name}")
        if label not in self.taxonomy.ids:
            raise UsageError(f"unknown theme {label!r}")
        result = report.results[position]
        self.store.record(report.name, result.index, result.text, label, result.theme,
                          result.confidence)
        return self.unit(number, position, result)


def open_review(model: ThemeModel, inputs: Iterable[str], labels: str | Path | None = None, *,
                encoding: str | None = None, max_bytes: int = MAX_BYTES,
                on_error: Callable[[InputError], None] | None = None) -> ReviewSession:
    """Label the reports of ``inputs`` and open the labels file (default: beside them).

    Inputs are read as ``classify`` reads them (files, folders, ``.jsonl`` of units); an
    unreadable one goes to ``on_error`` (None raises it). Standard input cannot be reviewed:
    the review is addressed to files it can read again. The labels file itself is never an
    input.
    """
    inputs = list(inputs)
    if not inputs:
        raise UsageError("review needs at least one report or folder")
    if "-" in inputs:
        raise UsageError("review reads report files or folders, not standard input (-)")
    path = Path(labels) if labels else default_labels_path(inputs)
    store = LabelStore(path, model.taxonomy.ids)
    opened = store.open()
    try:
        reports = _label_reports(model, inputs, path, encoding, max_bytes, on_error)
    except BaseException:
        store.close()
        raise
    return ReviewSession(model, reports, store, opened, encoding, max_bytes)


def _label_reports(model: ThemeModel, inputs: list[str], labels: Path, encoding: str | None,
                   max_bytes: int, on_error: Callable[[InputError], None] | None
                   ) -> list[Report]:
    """The labelled reports of ``inputs``, each under a name no other one has."""
    reports, names = [], set()
    for item in input_items(inputs, exclude=[labels]):
        if failed(item):
            if on_error is None:
                raise item
            on_error(item)
            continue
        for name, results in label_many(model, [item], encoding=encoding,
                                        max_bytes=max_bytes, on_error=on_error):
            if name in names:  # two reports of one name (in two folders): the path tells
                name = Path(item).as_posix()
            if results and name not in names:
                names.add(name)
                reports.append(Report(name, list(results), item))
    if not reports:
        raise InputError(f"{', '.join(inputs)}: no readable reports to review")
    return reports


def relabel(model: ThemeModel, reports: list[Report], encoding: str | None = None,
            max_bytes: int = MAX_BYTES) -> list[Report]:
    """The same reports labelled by ``model`` (read again from their files)."""
    out = []
    for report in reports:
        for _name, results in label_many(model, [report.path], encoding=encoding,
                                         max_bytes=max_bytes):
            out.append(Report(report.name, list(results), report.path))
    return out
