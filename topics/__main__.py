"""``python -m topics``: the same as the ``topics`` command."""

from .cli import main

main(prog_name="topics")
