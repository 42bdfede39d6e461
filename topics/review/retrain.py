"""Retrain from the review: the shipped data plus the analyst's labels, in a background thread.

The new model is saved beside the labels file (``models/review-TIME``) and the reports are
labelled with it, so that the page can show, before anyone switches:

- the cross-validated scores recorded in the old and the new model's manifests (the new
  one's folds hold the reviewed units too, so the two are close but not the same test);
- how many of the reviewed units each model labels as the analyst did (the new model was
  trained on them: that count says it learnt them, not that it generalises).

The old model stays in use until :meth:`Retrainer.switch`; :meth:`Retrainer.keep` forgets
the new one (its folder stays on disk).
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from ..errors import TopicsError, UsageError
from ..labels import LabelledSentence
from ..pipeline.model import ThemeModel
from ..train import TrainingData
from .session import Report, ReviewSession, relabel

#: A function that trains a model from a labels file, telling its progress.
Trainer = Callable[[Path, Callable[[str], None]], ThemeModel]


def train_with_corrections(labels: Path, progress: Callable[[str], None]) -> ThemeModel:
    """The default model's training data and recipe, with the analyst's labels added.

    A shipped label of a sentence the analyst labelled gives way to the analyst's.
    """
    from .. import config
    from ..labels import load_labels
    from ..taxonomy import load_taxonomy
    from ..train import collect_training_data, train_model

    taxonomy = load_taxonomy(config.taxonomy_path())
    corrections = load_labels(labels, taxonomy)
    progress(f"reading the shipped data and {len(corrections)} reviewed units")
    data = collect_training_data(taxonomy, config.label_paths(), config.seed_paths(),
                                 document_sets=config.document_sets())
    model = train_model(taxonomy, with_corrections(data, corrections), progress=progress)
    model.manifest["name"] = "review"
    model.manifest["reviewed_labels"] = str(labels)
    return model


def with_corrections(data: TrainingData, corrections: list[LabelledSentence]) -> TrainingData:
    """``data`` with the analyst's labelled sentences, which replace any of the same text."""
    texts = {s.text for s in corrections}
    return dataclasses.replace(
        data, sentences=[s for s in data.sentences if s.text not in texts] + list(corrections))


def scores(model: ThemeModel) -> dict | None:
    """The cross-validated accuracy and macro-F1 in a model's manifest (in context if any)."""
    metrics = model.manifest.get("metrics", {})
    context = metrics.get("context_cv")
    if context:
        part, how = context["in_context"], "in context"
    elif metrics.get("classifier_cv", {}).get("folds"):
        part, how = metrics["classifier_cv"], "classifier alone"
    else:
        return None
    return {"accuracy": part["accuracy"], "macro_f1": part["macro_f1"], "how": how}


def agreement(session: ReviewSession, reports: list[Report]) -> int:
    """How many reviewed units ``reports``' labels give the analyst's label."""
    right = 0
    for report in reports:
        for result in report.results:
            record = session.reviewed(report, result)
            right += record is not None and record["label"] == result.theme
    return right


class Retrainer:
    """One retraining at a time for a review, and its outcome until the analyst decides."""

    def __init__(self, session: ReviewSession, train: Trainer = train_with_corrections):
        self.session = session
        self._train = train
        self.models_dir = session.store.path.parent / "models"
        self._lock = threading.Lock()
        self._state: dict = {"state": "idle"}
        self._new: tuple[ThemeModel, list[Report]] | None = None
        self._thread: threading.Thread | None = None

    def status(self) -> dict:
        """What the page shows: idle, running (with its steps), done (scores), failed."""
        with self._lock:
            state = dict(self._state)
        if state["state"] == "running":
            state["elapsed"] = round(time.monotonic() - state.pop("started"), 1)
        return state

    def start(self) -> dict:
        """Start retraining in the background (one at a time; not while a result waits)."""
        with self._lock:
            if self._state["state"] == "running":
                raise UsageError("a retraining is already running")
            if self._state["state"] == "done":
                raise UsageError("switch to the new model or keep the old one first")
            if not self.session.store.records:
                raise UsageError("nothing reviewed yet: label some units first")
            self._state = {"state": "running", "steps": [], "started": time.monotonic()}
            self._thread = threading.Thread(target=self._run, name="topics-retrain",
                                            daemon=True)
            self._thread.start()
        return self.status()

    def _step(self, message: str) -> None:
        with self._lock:
            self._state.setdefault("steps", []).append(message)
            del self._state["steps"][:-8]

    def _run(self) -> None:
        session = self.session
        started = time.monotonic()
        try:
            model = self._train(session.store.path, self._step)
            folder = self.models_dir / f"review-{datetime.now(UTC):%Y%m%dT%H%M%S}"
            self._step(f"saving the new model in {folder}")
            from ..bundle import save_model

            save_model(model, folder)
            model.path = folder
            self._step("labelling the reports with the new model")
            reports = relabel(model, session.reports, session.encoding, session.max_bytes)
            result = {"state": "done", "model": str(folder),
                      "seconds": round(time.monotonic() - started, 1),
                      "before": scores(session.model), "after": scores(model),
                      "reviewed": session.progress()["reviewed"],
                      "right_before": agreement(session, session.reports),
                      "right_after": agreement(session, reports)}
            with self._lock:
                self._new = (model, reports)
                self._state = result
        except Exception as exc:  # the page must hear of any failure, bug or not
            message = str(exc) if isinstance(exc, TopicsError) else f"{type(exc).__name__}: {exc}"
            with self._lock:
                self._state = {"state": "failed", "error": message}

    def switch(self) -> None:
        """Use the new model from now on (the old one's folder is untouched)."""
        with self._lock:
            if self._new is None:
                raise UsageError("no new model to switch to")
            model, reports = self._new
            self.session.use(model, reports)
            self._new, self._state = None, {"state": "idle", "switched": str(model.path)}

    def keep(self) -> None:
        """Keep the old model; forget the new one."""
        with self._lock:
            self._new = None
            if self._state["state"] != "running":
                self._state = {"state": "idle"}
