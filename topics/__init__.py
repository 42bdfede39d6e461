"""Find the themes of Chinese official reports.

>>> import topics
>>> model = topics.load_model("models/default")        # doctest: +SKIP
>>> results = model.classify(open("report.txt").read())  # doctest: +SKIP
"""

import logging

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "load_model", "save_model", "default_model", "split_units", "read_report", "read_input",
    "Segmenter", "ThemeClassifier", "ThemeTopicModel", "ThemePredictor", "TopicInference",
    "load_taxonomy", "train_model",
    "collect_training_data", "weak_labels", "TopicsError",
    "label_many", "ThemeModel", "UnitResult", "ThemeProfile", "Unit",
]

_LAZY = {
    "load_model": "bundle", "save_model": "bundle", "default_model": "resolve",
    "split_units": "text.sentences", "read_report": "read.documents",
    "read_input": "read.inputs", "Segmenter": "text.segment",
    "ThemeClassifier": "classify.estimator", "ThemeTopicModel": "topic.estimator",
    "ThemePredictor": "classify.predictor", "TopicInference": "topic.inference",
    "load_taxonomy": "taxonomy",
    "train_model": "train", "collect_training_data": "train", "weak_labels": "weak",
    "TopicsError": "errors", "label_many": "labelling", "ThemeModel": "pipeline.model",
    "UnitResult": "pipeline.model", "ThemeProfile": "pipeline.model", "Unit": "text.sentences",
}


def __dir__():
    """The public API too, although it is imported only when first used."""
    return sorted(set(globals()) | set(__all__))


def __getattr__(name):
    """Import the public API lazily, so that ``import topics`` stays cheap."""
    if name == "__version__":  # one version, pyproject.toml's, read when asked for
        from importlib import metadata

        return metadata.version(__name__)
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'topics' has no attribute {name!r}")
