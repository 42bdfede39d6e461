"""What a worker process of the local pool runs: the model loaded once, then file after file."""

from __future__ import annotations

from ..pipeline.label import Outcome, Render, label_or_error
from ..pipeline.model import ThemeModel
from .tuning import settle_for_labelling

#: Models loaded in this (worker) process, by folder.
_MODELS: dict[str, ThemeModel] = {}


def label_in_worker(model_path: str, item, encoding: str | None, max_bytes: int,
                    render: Render | None) -> Outcome:
    """Label one file in a worker process with the model at ``model_path``, loaded once."""
    model = _MODELS.get(model_path)
    if model is None:
        from ..bundle import load_model

        model = _MODELS[model_path] = load_model(model_path)
        settle_for_labelling()
    return label_or_error(model, item, encoding, max_bytes, render)
