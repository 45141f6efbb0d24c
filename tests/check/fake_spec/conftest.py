"""A conftest like a pytest test directory's: load_spec must not import it (importing it fails on purpose)."""

raise RuntimeError("load_spec imported the spec's conftest.py; it must not depend on it")
