"""micrograd: a tiny scalar autograd engine, and a course kit built around it.

``from micrograd.engine import Value`` and ``from micrograd import nn`` give the
complete reference implementation (the files in ``reference/``).
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
