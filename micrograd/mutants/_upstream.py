"""Upstream karpathy/micrograd 0.1.0 from PyPI, unpacked as an implementation directory.

Only the wheel's ``micrograd/engine.py`` and ``micrograd/nn.py`` are extracted, into a
directory of their own: upstream is never installed over this package.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Union

__all__ = ["UPSTREAM_VERSION", "UpstreamUnavailableError", "upstream_dir"]

UPSTREAM_VERSION = "0.1.0"
_WHEEL = f"micrograd-{UPSTREAM_VERSION}-py3-none-any.whl"
#: sha256 of the PyPI wheel, so a different download is refused rather than judged
_WHEEL_SHA256 = "47d756d92043c7d7ef55372640dc1549780a8c22806b3a11cb3d4efc5937a4ae"


class UpstreamUnavailableError(RuntimeError):
    """The upstream wheel could not be downloaded (no network, no PyPI)."""


def upstream_dir(cache: Union[str, Path]) -> Path:
    """An implementation directory holding upstream micrograd's engine.py and nn.py.

    Downloads the wheel into ``cache`` with ``pip download micrograd==0.1.0 --no-deps``
    (once; later calls reuse it) and extracts the two files to ``cache/upstream``.
    Raises UpstreamUnavailableError when pip cannot download it.
    """
    cache = Path(cache)
    cache.mkdir(parents=True, exist_ok=True)
    wheel = cache / _WHEEL
    if not wheel.is_file():
        command = [sys.executable, "-m", "pip", "download", f"micrograd=={UPSTREAM_VERSION}",
                   "--no-deps", "--only-binary=:all:", "--disable-pip-version-check", "-q", "-d", str(cache)]
        result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
        if result.returncode != 0 or not wheel.is_file():
            raise UpstreamUnavailableError(
                f"`{' '.join(command[2:])}` failed (exit {result.returncode}): {result.stderr.strip()[-300:]}"
            )
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != _WHEEL_SHA256:
        raise UpstreamUnavailableError(f"{wheel} has sha256 {digest}, not the published {_WHEEL_SHA256}; delete it")
    target = cache / "upstream"
    target.mkdir(exist_ok=True)
    with zipfile.ZipFile(wheel) as archive:
        for name in ("engine.py", "nn.py"):
            (target / name).write_bytes(archive.read(f"micrograd/{name}"))
    return target
