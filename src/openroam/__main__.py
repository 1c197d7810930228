"""``python -m openroam``: the same as the ``openroam`` command."""

from openroam.cli import main

main()
