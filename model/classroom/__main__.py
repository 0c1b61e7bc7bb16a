"""`python -m model.classroom [--port P]`: serve the classroom app."""

import sys

from model.classroom.server import main

sys.exit(main())
