"""What a worker process of the local pool runs: the model loaded once, then batch after batch."""

from __future__ import annotations

from ..pipeline.label import Outcome, Render, label_files_in_turn
from ..pipeline.model import ThemeModel
from .tuning import settle_for_labelling

#: Models loaded in this (worker) process, by folder.
_MODELS: dict[str, ThemeModel] = {}


def label_in_worker(model_path: str, items: list, encoding: str | None, max_bytes: int,
                    render: Render | None) -> list[Outcome]:
    """Label a batch of files in a worker process with the model at ``model_path``.

    The model is loaded once per process; the files are labelled as this process would
    label them in turn (``label_files_in_turn``: small reports together), each outcome in
    order (a file that cannot be read is an ``InputError`` among them).
    """
    model = _MODELS.get(model_path)
    if model is None:
        from ..bundle import load_model

        model = _MODELS[model_path] = load_model(model_path)
        settle_for_labelling()
    return list(label_files_in_turn(model, items, encoding, max_bytes, render))
