"""``python -m openroam``: the same as the ``openroam`` command."""

from openroam._cli.main import main

main()
