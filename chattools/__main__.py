"""``python -m chattools``: the command-line interface (:mod:`chattools.cli`)."""

from chattools.cli import main

main()
