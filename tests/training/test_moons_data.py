"""The bundled two-moons data: what upstream's demo made with scikit-learn, shipped as a CSV."""

import random

import pytest

from micrograd.training import MOONS_FILE, DataError, load_moons


def test_bundled_moons_are_100_points_labelled_plus_or_minus_one():
    moons = load_moons()
    assert len(moons) == 100 == len(moons.X)
    assert set(moons.y) == {-1, 1}
    assert moons.y.count(1) == moons.y.count(-1) == 50  # make_moons splits the points evenly
    assert all(len(p) == 2 and all(isinstance(c, float) for c in p) for p in moons.X)
    # the two moons span about [-1, 2] x [-0.5, 1], plus noise
    assert min(x for x, _ in moons.X) < -0.8 and max(x for x, _ in moons.X) > 1.8


def test_bundled_moons_match_a_fresh_make_moons_with_upstreams_seeds():
    datasets = pytest.importorskip(
        "sklearn.datasets", reason="scikit-learn is not installed; it is only needed to remake the data"
    )
    np = pytest.importorskip("numpy")
    state = random.getstate()
    np.random.seed(1337)
    random.seed(1337)
    points, y = datasets.make_moons(n_samples=100, noise=0.1)
    random.setstate(state)
    y = y * 2 - 1
    moons = load_moons()
    assert [tuple(map(float, row)) for row in points] == list(moons.X)  # bit for bit
    assert [int(label) for label in y] == list(moons.y)


def test_the_data_file_says_how_it_was_made():
    header = [line for line in MOONS_FILE.read_text().splitlines() if line.startswith("#")]
    assert any("make_moons(n_samples=100, noise=0.1)" in line for line in header)
    assert any("seed(1337)" in line for line in header)


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ("x0,x1,y\n1.0,2.0,0\n", "line 2: the label must be -1 or 1, not 0"),
        ("x0,x1,y\n1.0,2.0\n", "line 2: expected 3 fields, found 2"),
        ("# comment\nx0,x1,y\n1.0,oops,1\n", "line 3: could not convert string to float: 'oops'"),
        ("a,b,c\n1.0,2.0,1\n", "must be the header 'x0,x1,y'"),
        ("x0,x1,y\n", "holds no points"),
    ],
)
def test_a_broken_data_file_is_reported_with_its_line(tmp_path, body, complaint):
    path = tmp_path / "moons.csv"
    path.write_text(body)
    with pytest.raises(DataError) as caught:
        load_moons(path)
    assert str(path) in str(caught.value)
    assert complaint in str(caught.value)


def test_a_missing_data_file_is_reported(tmp_path):
    with pytest.raises(DataError, match="cannot read the data file"):
        load_moons(tmp_path / "absent.csv")
