"""The script ``streamlit run`` executes for ``micrograd app``; arguments after ``--`` go to the page."""

import sys

from micrograd.app._page import main

main(sys.argv[1:])
