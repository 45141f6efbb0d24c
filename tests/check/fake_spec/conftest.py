"""A conftest like the real spec's: collect_properties must not need it (importing it fails on purpose)."""

raise RuntimeError("collect_properties imported the spec's conftest.py; it must not depend on it")
