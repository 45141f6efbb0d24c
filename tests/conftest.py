"""Every test run loads the kit's pytest plugin: Hypothesis profiles and ``--impl``."""

pytest_plugins = ["micrograd.testing"]
