"""``python -m model`` is the same program as ``asean-sim``."""

import sys

from model.cli import main

sys.exit(main())
