"""``python -m micrograd`` runs the command line (with the working folder off ``sys.path``: it is not code)."""

import sys

from micrograd._workdir import forget_working_folder

forget_working_folder()

from micrograd.cli import main  # noqa: E402 (only once the working folder is off sys.path)

sys.exit(main())
