"""tests/check: ``fake_spec/`` is data for ``collect_properties`` (a small spec), not tests for pytest."""

collect_ignore = ["fake_spec"]
