"""``python -m topics``: the same as the ``topics`` command."""

from .cli import main

if __name__ == "__main__":  # not when a spawned worker process imports it
    main(prog_name="topics")
