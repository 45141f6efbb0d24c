"""tests/check: ``fake_spec/`` and ``lecture/`` are data (a small spec, the lecture's own code), not tests for
pytest; recorded examples (micrograd.testing.ReplayCache) go to a directory of this test session, not the
user's cache."""

import pytest

collect_ignore = ["fake_spec", "lecture"]


@pytest.fixture(autouse=True, scope="session")
def _session_replay_cache(tmp_path_factory: pytest.TempPathFactory):
    directory = tmp_path_factory.mktemp("replay-cache")
    patch = pytest.MonkeyPatch()
    patch.setenv("MICROGRAD_CACHE", str(directory))
    yield directory
    patch.undo()
