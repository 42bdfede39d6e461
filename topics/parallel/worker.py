"""What a worker process of the local pool runs: the model loaded once, then batch after batch."""

from __future__ import annotations

import hashlib
import json

from ..errors import ModelError
from ..pipeline.label import Outcome, Render, label_files_in_turn
from ..pipeline.model import ThemeModel
from ..text.sentences import split_units
from .tuning import settle_for_labelling

#: Models loaded in this (worker) process, by folder: ``(manifest key, model)``.
_MODELS: dict[str, tuple[str, ThemeModel]] = {}


def manifest_key(model: ThemeModel) -> str:
    """What tells one saved model from another: sha256 of its manifest (every artifact's sha256).

    A worker holds the model of a folder under this key, so that a model preloaded from a
    folder that was rebuilt since is never used for the model loaded from it afterwards.
    """
    return hashlib.sha256(json.dumps(model.manifest, sort_keys=True).encode()).hexdigest()


def _model(model_path: str) -> tuple[str, ThemeModel]:
    """The model at ``model_path``, loaded once per process, with its :func:`manifest_key`."""
    held = _MODELS.get(model_path)
    if held is None:
        from ..bundle import load_model

        model = load_model(model_path).prepare(background=False)
        held = _MODELS[model_path] = (manifest_key(model), model)
        settle_for_labelling()
    return held


def preload(model_path: str) -> None:
    """Load the model at ``model_path`` and label a sentence, before any file comes.

    Run as soon as the folder of the model is known, while the process that started this
    one still loads its own: the first batch then finds the model, its feature tables and
    the segmenter's dictionary ready. Labelling a sentence changes no later output.
    """
    _, model = _model(model_path)
    model.label_units(split_units("一、预热。", "warm-up"), n_evidence=None, topics=False)


def label_in_worker(model_path: str, key: str, items: list, encoding: str | None,
                    max_bytes: int, render: Render | None) -> list[Outcome]:
    """Label a batch of files in a worker process with the model at ``model_path``.

    The model is loaded once per process (again when the folder's model is no longer the
    one of ``key``, its :func:`manifest_key`); the files are labelled as this process would
    label them in turn (``label_files_in_turn``: small reports together), each outcome in
    order (a file that cannot be read is an ``InputError`` among them).
    """
    held, model = _model(model_path)
    if held != key:  # preloaded before the folder changed: load what is there now
        del _MODELS[model_path]
        held, model = _model(model_path)
        if held != key:
            raise ModelError(f"{model_path}: the model changed on disk since it was loaded "
                             f"(retrained?); run again")
    return list(label_files_in_turn(model, items, encoding, max_bytes, render))

