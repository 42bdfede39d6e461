"""Record the default model's cross-validation for first use (run at release time).

Cross-validates the default model on the shipped data (a minute or two) and writes
``topics/resources/default_model_cv.json``: the fitted second stage, the cross-validated
scores, and fingerprints of the data and training code they were made from. The built-in
default model is then built on first use without cross-validating; ``tests/test_default_model.py``
fails while the record is stale (after a change to the shipped data or the training code).

Usage: python scripts/record_default_model.py
"""

import sys
import time

from topics import config
from topics.resolve import record_default_fit


def main() -> None:
    """Record the cross-validation and say where it went."""
    started = time.monotonic()

    def progress(message: str) -> None:
        print(f"[{time.monotonic() - started:6.1f}s] {message}", file=sys.stderr, flush=True)

    record = record_default_fit(progress=progress)
    context = record["metrics"]["context_cv"]["in_context"]
    print(f"wrote {config.recorded_fit_path()}: in-context macro-F1 {context['macro_f1']:.3f}, "
          f"{time.monotonic() - started:.0f}s")


if __name__ == "__main__":
    main()
