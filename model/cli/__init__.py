"""The command line, the top layer: ``asean-sim`` and ``python -m model`` (commands.py) and
the ``events`` subcommand (events.py). Layer 7: nothing below imports it.
"""

from model.cli.commands import main

__all__ = ["main"]
