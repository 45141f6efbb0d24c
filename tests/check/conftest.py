"""tests/check: ``fake_spec/`` and ``lecture/`` are data (a small spec, the lecture's own code), not tests for
pytest; the exams a check makes (micrograd.judge.cached_exam) go to a directory of this test session, not the
user's cache."""

import pytest

collect_ignore = ["fake_spec", "lecture"]


@pytest.fixture(autouse=True, scope="session")
def _session_replay_cache(tmp_path_factory: pytest.TempPathFactory):
    directory = tmp_path_factory.mktemp("exam-cache")
    patch = pytest.MonkeyPatch()
    patch.setenv("MICROGRAD_CACHE", str(directory))
    yield directory
    patch.undo()
