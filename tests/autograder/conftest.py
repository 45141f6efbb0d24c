"""The mini spec is graded through the autograder, not collected as tests; the Gradescope image is
built once per session for every test that needs it."""

from __future__ import annotations

from pathlib import Path

import pytest
from gradescope_root import GradescopeRoot, unavailable

from autograder.gradescope import build_bundle

collect_ignore = ["mini_spec"]

REPO = Path(__file__).parents[2]


@pytest.fixture(scope="session")
def gradescope_root(tmp_path_factory: pytest.TempPathFactory) -> GradescopeRoot:
    """A throwaway Gradescope machine whose image was built (setup.sh ran) from the default bundle."""
    reason = unavailable()
    if reason is not None:
        pytest.skip(reason)
    work = tmp_path_factory.mktemp("gradescope")
    bundle = build_bundle(work / "autograder.zip")
    root = GradescopeRoot(bundle, work / "machine", constraints=REPO / ".ci" / "constraints.txt")
    done = root.setup()
    assert done.returncode == 0, f"setup.sh failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return root
