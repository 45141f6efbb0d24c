"""``python -m micrograd`` runs the command line."""

import sys

from micrograd.cli import main

sys.exit(main())
